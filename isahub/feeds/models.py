"""Agency feeds: each load, the agency's rows it linked to children, the rows waiting for a
data manager (uncertain matches and conflicting facts), the decisions taken on them, and the
events feeds carry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .feedtypes import FEED_TYPES

FEED_TYPE_CHOICES = [(code, t.label) for code, t in FEED_TYPES.items()]


class LoadStatus(models.TextChoices):
    LOADED = "loaded", "Loaded"
    REFUSED = "refused", "Refused: nothing loaded"
    UNCHANGED = "unchanged", "Already loaded: nothing changed"


class FeedLoad(models.Model):
    """One attempt to load one extract, whatever its outcome, with its report."""

    id = models.BigAutoField(primary_key=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="feed_loads")
    feed_type = models.CharField(max_length=40, choices=FEED_TYPE_CHOICES)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=LoadStatus.choices)
    refusal = models.TextField(blank=True, help_text="Why nothing was loaded.")
    rows_read = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    ended = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # The report: rejected rows (line, source_id, reasons) and notes. No names or dates of birth.
    report = models.JSONField(default=dict)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-loaded_at", "-id"]
        constraints = [
            # The same extract is loaded once; re-running it records an "unchanged" attempt.
            models.UniqueConstraint(
                fields=["agency", "feed_type", "file_sha256"], condition=Q(status="loaded"), name="extract_loaded_once"
            ),
        ]

    @property
    def source(self) -> str:
        """What children's provenance records as the source of each change this load made."""
        return source_for(self.pk)


def source_for(load_id: int) -> str:
    return f"feed:{load_id}"


def load_id_from_source(source: str) -> int | None:
    if source.startswith("feed:") and source[5:].isdigit():
        return int(source[5:])
    return None


class SourceRecord(models.Model):
    """An agency's row about a child (the "linked source record" of DOMAIN.md §3), by the
    agency's own reference, so a later extract finds the same child without matching again."""

    id = models.BigAutoField(primary_key=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    feed_type = models.CharField(max_length=40, choices=FEED_TYPE_CHOICES)
    source_id = models.CharField(max_length=40)
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="source_records")
    row_hash = models.CharField(max_length=64)
    first_load = models.ForeignKey(FeedLoad, on_delete=models.PROTECT, related_name="+")
    last_load = models.ForeignKey(FeedLoad, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(FeedLoad, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "feed_type", "source_id"], name="one_source_record_per_reference"),
        ]

    @property
    def is_active(self) -> bool:
        return self.ended_by_id is None


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    LINKED = "linked", "Linked to an existing child"
    CREATED = "created", "Added as a new child"
    REJECTED = "rejected", "Rejected"


class ReviewItem(models.Model):
    """A feed row the linker was not sure about, waiting for a data manager."""

    id = models.BigAutoField(primary_key=True)
    load = models.ForeignKey(FeedLoad, on_delete=models.PROTECT, related_name="review_items")
    line = models.PositiveIntegerField()
    source_id = models.CharField(max_length=40)
    row = models.JSONField(help_text="The validated feed row, as text.")
    row_hash = models.CharField(max_length=64)
    why = models.CharField(max_length=200)
    best_score = models.FloatField(default=0)
    candidates = models.JSONField(default=list, help_text="[{child_id, score, explanation}], best first.")
    scorer = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_child = models.ForeignKey("children.Child", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True) | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="review_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["linked", "created"]) | Q(decided_child__isnull=False),
                name="review_link_names_child",
            ),
        ]


class MatchLabel(models.Model):
    """A labelled pair from a data manager's decision: this feed row is (or is not) this child.
    The evidence for evaluating (and later training) the linkage model."""

    id = models.BigAutoField(primary_key=True)
    review = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="labels")
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="+")
    is_match = models.BooleanField()
    score = models.FloatField()
    scorer = models.CharField(max_length=60)
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    labelled_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "child"], name="one_label_per_pair")]


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Waiting for verification"
    APPLIED = "applied", "The feed's value was applied"
    KEPT = "kept", "The current value was kept"


class Conflict(models.Model):
    """Sources disagree about a fact: the feed's value waits, with both sources shown."""

    id = models.BigAutoField(primary_key=True)
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="feed_conflicts")
    field = models.CharField(max_length=40)  # address | school | gp_practice | date_of_birth | sex | nhs_number | upn
    current_value = models.CharField(max_length=300, blank=True)
    current_source = models.CharField(max_length=200, blank=True, help_text="Who recorded the current value, and when.")
    proposed = models.JSONField(help_text="The feed's value, as the fields the change needs.")
    proposed_text = models.CharField(max_length=300)
    load = models.ForeignKey(FeedLoad, on_delete=models.PROTECT, related_name="conflict_items")
    line = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=ConflictStatus.choices, default=ConflictStatus.OPEN, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True) | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="conflict_resolved_when_closed",
            ),
        ]


class EventKind(models.TextChoices):
    POLICE_NOTIFICATION = "police_notification", "Police notification"
    AE_ATTENDANCE = "ae_attendance", "A&E attendance"
    SCHOOL_EXCLUSION = "school_exclusion", "School exclusion"
    HOUSING_NOTIFICATION = "housing_notification", "Housing notification"
    LEFT_SCHOOL_ROLL = "left_school_roll", "Left a school roll"
    OTHER = "other", "Other"


class FeedEvent(models.Model):
    """Something that happened, as a feed reported it (DOMAIN.md §10: date, agency, type, not
    details). The hook for the alerting work: nothing reads these yet but the record page."""

    id = models.BigAutoField(primary_key=True)
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="feed_events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    date = models.DateField()
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=40)
    load = models.ForeignKey(FeedLoad, on_delete=models.PROTECT, related_name="feed_events")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind", "source_id", "date"], name="feed_event_once"),
        ]
