"""Who is working with a child, and who leads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from isahub.core.models import TimeStampedModel


class Involvement(TimeStampedModel):
    """A practitioner (and their agency) working with a child, with how to reach them."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="involvements")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="involvements")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(max_length=120, help_text="What they do for the child, e.g. 'School nurse'.")
    phone = models.CharField(max_length=40)
    email = models.EmailField(blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    # Proxy entry: a co-ordinator may record on behalf of a practitioner; both names are kept.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["ended_on", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "practitioner"], condition=Q(ended_on__isnull=True), name="one_open_involvement_per_practitioner"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")), name="ends_after_start"
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class AssignmentRule(models.TextChoices):
    FAMILY_CHOICE = "family_choice", "The family's choice"
    MEETING = "meeting", "Decided at a meeting"
    FIRST_AGENCY = "first_agency", "The first agency to register"
    PANEL = "panel", "Decided by the allocation panel"
    LEVEL_OF_NEED = "level_of_need", "By level of need"


class LeadProfessional(TimeStampedModel):
    """Who leads for a child, from when to when and why; at most one current."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="lead_professionals")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leads")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="deputising"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    decided_by = models.CharField(max_length=20, choices=AssignmentRule.choices)
    reason = models.CharField(max_length=300)
    end_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["child"], condition=Q(ended_on__isnull=True), name="one_current_lead_professional"),
            models.CheckConstraint(condition=~Q(deputy=models.F("practitioner")), name="deputy_is_someone_else"),
        ]


class SafeToClose(TimeStampedModel):
    """The recorded judgement that it is safe for the last involvement with a child to end."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="safe_to_close_judgements")
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    judgement = models.TextField()
