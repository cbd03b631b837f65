from django.db import models


class Outcome(models.TextChoices):
    SUCCESS = "success", "Done"
    REFUSED = "refused", "Refused"
    FAILURE = "failure", "Failed"


class AuditEntry(models.Model):
    """One row of the append-only audit trail.

    No foreign keys: an entry must outlive the user, agency or record it names, and must
    never be changed by a cascade. Database triggers refuse UPDATE and DELETE; the sealer
    hash-chains committed rows in batches (see `sealing.py` and docs/adr/0003).
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField()
    request_id = models.CharField(max_length=64, blank=True)
    # The row's place among its request's audit rows (1, 2, ...): (request_id, sequence) is
    # unique, so every audited answer has its own key. Null outside a request (commands,
    # the worker) and on rows written before the column existed.
    sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=80)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.SUCCESS)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    child_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    # Canonical JSON text (sorted keys), so the hash is the same on every engine.
    details = models.TextField(default="{}")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        # Every insert pays for every index, so only what the auditor's filters need: plain
        # B-trees (no pattern-matching twins), each ending in id for newest-first pages.
        indexes = [
            models.Index(fields=["actor_id", "id"], name="audit_by_actor"),
            models.Index(fields=["agency_id", "id"], name="audit_by_agency"),
            models.Index(fields=["child_id", "id"], name="audit_by_child"),
            models.Index(fields=["created_at"], name="audit_by_time"),
        ]
        constraints = [
            # Also the index for finding a request's rows (request_id leads).
            models.UniqueConstraint(fields=["request_id", "sequence"], name="audit_unique_request_row"),
        ]


class AuditSeal(models.Model):
    """A sealed batch of consecutive audit rows, chained to the batch before it.

    `leaves` holds a 16-byte hash of each sealed row's content in id order, so
    verification can name exactly which rows were altered, removed or reordered.
    """

    id = models.BigAutoField(primary_key=True)
    first_id = models.BigIntegerField(unique=True)
    last_id = models.BigIntegerField()
    row_count = models.IntegerField()
    missing_ids = models.TextField(default="", blank=True, help_text='Ids never committed (rolled back), as ranges: "3,7-9".')
    leaves = models.BinaryField()
    previous_digest = models.CharField(max_length=64, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_id__gte=models.F("first_id")), name="seal_range_ordered"),
        ]
