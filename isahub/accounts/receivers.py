"""Sign-in events are audited from the start. Django and django-axes announce them as
signals; each receiver writes its row in the transaction of the sign-in request."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from isahub.audit.services import audit_record, audit_record_now

from .middleware import AUTH_AT, SEEN_AT


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now
    audit_record(
        action="auth.login", actor=user, details={"backend": user.backend.rsplit(".", 1)[-1] if hasattr(user, "backend") else ""}
    )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record_now(action="auth.login_failed", outcome="refused", actor_username=str(credentials.get("username", ""))[:150])


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record_now(action="auth.logout", actor=user)


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record_now(action="auth.locked_out", outcome="refused", actor_username=str(username or "")[:150])
