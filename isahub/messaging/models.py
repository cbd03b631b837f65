from django.conf import settings
from django.db import models


class Notification(models.Model):
    """An in-app notification. Its text is written through policy, for its recipient:
    it never names what the recipient may not see (e.g. a sensitive service)."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    child = models.ForeignKey("children.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=400)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
