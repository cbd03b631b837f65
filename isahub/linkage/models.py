"""A trained linkage model (versioned Splink JSON) and the duplicate pairs a dedupe run proposes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LinkageModel(models.Model):
    """One trained Splink model. The newest version is the one feeds use; older ones are kept so a
    queued row or a proposal can say which model scored it."""

    id = models.BigAutoField(primary_key=True)
    version = models.PositiveIntegerField(unique=True)
    model = models.JSONField(help_text="Splink's own JSON (settings, comparisons, m and u probabilities).")
    splink_version = models.CharField(max_length=20)
    trained_at = models.DateTimeField()
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    index_rows = models.PositiveIntegerField(help_text="Children in the index when trained.")
    extract_rows = models.PositiveIntegerField(default=0, help_text="Extract rows EM linked to the index (0: index only).")
    u_pairs = models.PositiveBigIntegerField(help_text="Random pairs sampled to estimate u.")
    em_rules = models.JSONField(default=list, help_text="The blocking rules EM estimated m over.")
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Splink model v{self.version}"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    MERGED = "merged", "Merged"
    NOT_DUPLICATE = "not_duplicate", "Not the same child"


class DuplicateProposal(models.Model):
    """Two records in the index the dedupe run thinks may be one child."""

    id = models.BigAutoField(primary_key=True)
    child_a = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="+")
    child_b = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    match_weight = models.FloatField()
    comparisons = models.JSONField(default=dict, help_text="Per comparison: level, weight, maximum, both values.")
    model = models.ForeignKey(LinkageModel, on_delete=models.PROTECT, related_name="proposals")
    proposed_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["child_a", "child_b"], name="one_proposal_per_pair"),
            models.CheckConstraint(condition=~Q(child_a=models.F("child_b")), name="proposal_two_records"),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True) | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="proposal_decided_when_closed",
            ),
        ]
