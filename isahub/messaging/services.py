"""Notifications: in the app at once, by e-mail after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification

GENERIC_EMAIL = "There is something new for you in isahub about your work with children."


def notify(*, recipient, kind: str, text: str, child=None, email_subject: str = "", email_text: str = "") -> Notification:
    """Tell one person something. `text` must already be written for this recipient
    (through policy): it goes into their list. The e-mail, which leaves the service,
    never names a child: it says there is news and asks them to sign in."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, child=child, text=text, created_at=timezone.now())
    if recipient.email and email_subject:
        body = (
            f"{email_text or GENERIC_EMAIL}\n\n"
            "Sign in to isahub to read it. You are receiving this because of your work with children."
        )
        transaction.on_commit(
            lambda: send_mail(email_subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email], fail_silently=True)
        )
    return notification


def notification_mark_read(*, recipient, notification_id: int) -> None:
    Notification.objects.filter(recipient=recipient, pk=notification_id, read_at__isnull=True).update(read_at=timezone.now())
