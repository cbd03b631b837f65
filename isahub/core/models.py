import uuid

from django.db import models


class TimeStampedModel(models.Model):
    """Base for domain records: a UUID key that reveals nothing, and when it changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
