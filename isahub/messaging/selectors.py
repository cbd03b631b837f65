from django.db.models import QuerySet

from .models import Notification


def notification_list(*, actor) -> QuerySet[Notification]:
    """A user's own notifications: nobody reads anyone else's."""
    return Notification.objects.filter(recipient=actor)


def unread_count(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()
