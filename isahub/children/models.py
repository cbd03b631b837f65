"""The child index: who a child is, with the history and provenance of every item.

Nothing is overwritten: a new name or address is a new row with dates, and a change to a
single fact (date of birth, sex, school, GP) leaves a `ChildFactChange` behind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from isahub.core.models import TimeStampedModel


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    HIDDEN = "hidden", "Hidden (the family objects)"
    MERGED = "merged", "Merged into another record"
    ARCHIVED = "archived", "Archived"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class SchoolStatus(models.TextChoices):
    ATTENDING = "attending", "Attends a school"
    NOT_OF_SCHOOL_AGE = "not_of_school_age", "Not of school age"
    NO_SCHOOL = "no_school", "No school place"
    EXCLUDED = "excluded", "Excluded"
    MISSING_EDUCATION = "missing_education", "Missing education"
    HOME_EDUCATED = "home_educated", "Educated at home"


class Provenance(models.Model):
    """Who recorded an item, for which agency, when, and from which source."""

    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_for = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=60, default="manual", help_text='"manual", or the feed it came from.')

    class Meta:
        abstract = True


class Child(TimeStampedModel, Provenance):
    status = models.CharField(max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE, db_index=True)
    # Indexed by a partial index (Meta): nearly every child has none, and a full index whose
    # keys are almost all NULL makes SQLite's planner, once ANALYZE has run, scan the table.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records", db_index=False
    )
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    school_status = models.CharField(max_length=30, choices=SchoolStatus.choices, default=SchoolStatus.NOT_OF_SCHOOL_AGE)
    school = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="pupils")
    gp_practice = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="patients")

    class Meta:
        indexes = [
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="child_merged_into"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False) | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="merged_child_points_to_survivor",
            ),
            models.CheckConstraint(
                condition=~Q(school_status="attending") | Q(school__isnull=False),
                name="attending_child_has_school",
            ),
        ]


class NameKind(models.TextChoices):
    LEGAL = "legal", "Legal name"
    PREFERRED = "preferred", "Preferred name"
    ALIAS = "alias", "Also known as"
    PREVIOUS = "previous", "Previous name"


class ChildName(Provenance):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=20, choices=NameKind.choices)
    given_names = models.CharField(max_length=120, blank=True)
    family_name = models.CharField(max_length=120)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["valid_to", "-valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(kind="legal", valid_to__isnull=True), name="one_current_legal_name"
            ),
        ]

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()


class ChildAddress(Provenance):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="addresses")
    line_1 = models.CharField(max_length=120)
    line_2 = models.CharField(max_length=120, blank=True)
    town = models.CharField(max_length=80)
    postcode = models.CharField(max_length=8)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["valid_to", "-valid_from", "id"]

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class IdentifierKind(models.TextChoices):
    NHS = "nhs", "NHS number"
    UPN = "upn", "Unique pupil number"
    LOCAL = "local", "Local id"


class ChildIdentifier(Provenance):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(max_length=40)
    issuer = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"], condition=Q(kind__in=["nhs", "upn"]), name="national_identifier_unique"
            ),
            models.UniqueConstraint(
                fields=["kind", "value", "issuer"], condition=Q(kind="local"), name="local_identifier_unique"
            ),
        ]


class ChildFactChange(Provenance):
    """The history of a single fact about a child: what it was, what it became, who said so."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="fact_changes")
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]


class SearchKey(models.Model):
    """A blocking key: search looks candidates up by key (a B-tree probe), never by scan."""

    id = models.BigAutoField(primary_key=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="search_keys", db_index=False)
    key = models.CharField(max_length=48)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "key"], name="search_key_once_per_child")]
        # A plain B-tree: keys are looked up by equality only, so no pattern-matching twin.
        indexes = [models.Index(fields=["key"], name="search_key_lookup")]


class HiddenRecordProbe(models.Model):
    """A search that would have matched a hidden record. Counted, never shown to the searcher."""

    id = models.BigAutoField(primary_key=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="probes")
    searched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    searched_at = models.DateTimeField(db_index=True)
    reported = models.BooleanField(default=False)


class BreakGlassGrant(models.Model):
    """Emergency access to a record outside normal access, for a limited time."""

    id = models.BigAutoField(primary_key=True)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="break_glass_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants")
    justification = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "child", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")), name="break_glass_expires_later")
        ]


class ChildMerge(models.Model):
    """A merge of a duplicate into a survivor, kept so that it can be undone exactly."""

    id = models.BigAutoField(primary_key=True)
    survivor = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_in")
    duplicate = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_out")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    reason = models.TextField()
    unmerged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    moved_involvements = models.ManyToManyField("involvements.Involvement", related_name="+", blank=True)
    unmerged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["duplicate"], condition=Q(unmerged_at__isnull=True), name="one_open_merge_per_duplicate"
            ),
            models.CheckConstraint(condition=~Q(survivor=models.F("duplicate")), name="merge_two_different_records"),
        ]
