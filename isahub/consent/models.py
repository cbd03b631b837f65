"""Consent, lawful basis, information-sharing agreements, index inclusion and fair processing.

Every decision a family makes is a new row: nothing is overwritten, so the history of who
agreed to what, when and how is always there. What is *in force* is worked out from the
rows by the policy layer (isahub/policy/sharing.py), never stored as a yes/no flag.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from isahub.core.models import TimeStampedModel


class InformationKind(models.TextChoices):
    """Kinds of information beyond basic details (CON-03, DOMAIN §6)."""

    INVOLVEMENT = "involvement", "Involvement"
    NEEDS = "needs", "Needs and concerns"
    EVENTS = "events", "Events"
    ASSESSMENT = "assessment", "Assessment"
    MEETINGS = "meetings", "Meetings"


KIND_FIELDS = {
    InformationKind.INVOLVEMENT: "covers_involvement",
    InformationKind.NEEDS: "covers_needs",
    InformationKind.EVENTS: "covers_events",
    InformationKind.ASSESSMENT: "covers_assessment",
    InformationKind.MEETINGS: "covers_meetings",
}


class KindsCovered(models.Model):
    """Which kinds of information a record covers: typed columns, never a JSON list."""

    covers_involvement = models.BooleanField(default=False, verbose_name="Involvement")
    covers_needs = models.BooleanField(default=False, verbose_name="Needs and concerns")
    covers_events = models.BooleanField(default=False, verbose_name="Events")
    covers_assessment = models.BooleanField(default=False, verbose_name="Assessment")
    covers_meetings = models.BooleanField(default=False, verbose_name="Meetings")

    class Meta:
        abstract = True

    def covers(self, kind: str) -> bool:
        return bool(getattr(self, KIND_FIELDS[InformationKind(kind)]))

    @property
    def kinds(self) -> list[str]:
        return [kind.value for kind in InformationKind if self.covers(kind)]

    @property
    def kinds_display(self) -> str:
        return ", ".join(InformationKind(kind).label.lower() for kind in self.kinds) or "nothing"


class GivenBy(models.TextChoices):
    CHILD = "child", "The child or young person"
    PARENT = "parent", "A parent"
    CARER = "carer", "A carer"


class ConsentDecision(models.TextChoices):
    GIVEN = "given", "Consent given"
    REFUSED = "refused", "Consent refused"
    WITHDRAWN = "withdrawn", "Consent withdrawn"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "Written"
    VERBAL = "verbal", "Verbal"


class ConsentRecord(TimeStampedModel, KindsCovered):
    """One decision by a child, parent or carer about sharing information beyond basic
    details: who, which agencies (a tick list, or all taking part), which kinds, how,
    where the evidence is kept, who took it and when. Refusal and withdrawal are records
    too; the newest record in force replaces the scope of the ones before it."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="consents")
    decision = models.CharField(max_length=12, choices=ConsentDecision.choices)
    given_by = models.CharField(max_length=10, choices=GivenBy.choices)
    giver_name = models.CharField(max_length=120, blank=True, help_text="Who, in their words, e.g. 'Ms Hartley (mother)'.")
    sufficient_understanding = models.BooleanField(
        default=False, help_text="The person who took it judged the child able to decide for themselves."
    )
    all_agencies = models.BooleanField(default=False, help_text="Every agency taking part in the hub.")
    agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="+")
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    evidence_location = models.CharField(max_length=200, help_text="Where the evidence is kept, e.g. 'School case file'.")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taken_for = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    given_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by")
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["given_on", "recorded_at"]
        indexes = [models.Index(fields=["child", "given_on"]), models.Index(fields=["review_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(given_by="child") | Q(sufficient_understanding=True),
                name="child_consents_only_with_sufficient_understanding",
            ),
            models.CheckConstraint(
                condition=~Q(decision="given") | Q(review_on__isnull=False), name="given_consent_has_review_date"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expires_after_given",
            ),
        ]


class ParentConfidentiality(TimeStampedModel, KindsCovered):
    """A child of sufficient understanding asks that something is not shared with their
    parents or carers. Honoured wherever a parent could see it (policy rule `family.see`)."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="parent_confidentialities")
    agency = models.ForeignKey(
        "accounts.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Only this agency's information (e.g. a clinic); empty means all of the chosen kinds.",
    )
    request = models.CharField(max_length=500, help_text="What the child asked, in their words.")
    sufficient_understanding = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sufficient_understanding=True), name="confidentiality_needs_sufficient_understanding"
            ),
        ]


class LawfulBasis(models.TextChoices):
    CHILD_PROTECTION = "child_protection", "Child protection (Children Act 1989, section 47)"
    SIGNIFICANT_HARM = "significant_harm", "Risk of significant harm to the child"
    COURT_ORDER = "court_order", "A court order"
    CRIME = "crime", "Prevention or detection of serious crime"
    VITAL_INTERESTS = "vital_interests", "Vital interests (life at risk)"
    STATUTORY_DUTY = "statutory_duty", "Another statutory duty"


class ReviewStatus(models.TextChoices):
    AWAITING = "awaiting", "Awaiting review"
    UPHELD = "upheld", "Reviewed: upheld"
    REJECTED = "rejected", "Reviewed: not upheld"


class LawfulBasisRecord(TimeStampedModel, KindsCovered):
    """Sharing without consent on a recorded lawful basis, with a mandatory justification.
    Every one is flagged to the central team for review; one not upheld stops applying."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="lawful_bases")
    basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    justification = models.TextField()
    all_agencies = models.BooleanField(default=False)
    agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_for = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    ends_on = models.DateField(null=True, blank=True)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.AWAITING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["review_status", "recorded_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""), name="lawful_basis_has_justification"),
            models.CheckConstraint(
                condition=Q(review_status="awaiting", reviewed_at__isnull=True)
                | (~Q(review_status="awaiting") & Q(reviewed_at__isnull=False, reviewed_by__isnull=False)),
                name="lawful_basis_review_complete",
            ),
        ]


class AgreementKind(models.TextChoices):
    PROTOCOL = "protocol", "Information sharing protocol"
    ARRANGEMENT = "arrangement", "Information sharing arrangement"
    DPA = "dpa", "Data processing agreement"


class AccessLevel(models.TextChoices):
    """What an agreement lets the parties see of each other's information (SEC-03, SEC-04)."""

    BASIC = "basic", "Basic details only"
    SUMMARY = "summary", "Which agency holds information and its phone number"
    FULL = "full", "The information in full, with the practitioner's contact details"


ACCESS_ORDER = {AccessLevel.BASIC: 0, AccessLevel.SUMMARY: 1, AccessLevel.FULL: 2}


class SharingAgreement(TimeStampedModel, KindsCovered):
    """An information-sharing agreement between agencies (SEC-06), with its signed copy."""

    kind = models.CharField(max_length=12, choices=AgreementKind.choices)
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=60, blank=True)
    parties = models.ManyToManyField("accounts.Agency", related_name="sharing_agreements")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    access_level = models.CharField(max_length=10, choices=AccessLevel.choices, default=AccessLevel.SUMMARY)
    signed_copy = models.FileField(upload_to="agreements/%Y/", blank=True)
    signed_copy_name = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="agreement_ends_after_start"
            ),
        ]


class InclusionDecision(models.TextChoices):
    OPTS_OUT = "opts_out", "The family opts out of the index (C1)"
    OBJECTS = "objects", "The family objects to the record being shown (C2, C3)"
    WITHDRAWS_OBJECTION = "withdraws", "The family withdraws its opt-out or objection"
    CONSENTS = "consents", "The family consents to the child being on the index (C4 referral)"


class InclusionRecord(TimeStampedModel):
    """A family's decision about the child being on the index at all; what it does depends
    on the deployment's consent model (profile `consent.model`)."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="inclusion_records")
    decision = models.CharField(max_length=12, choices=InclusionDecision.choices)
    given_by = models.CharField(max_length=10, choices=GivenBy.choices)
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    evidence_location = models.CharField(max_length=200)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["child", "recorded_at"])]


class NoticeChannel(models.TextChoices):
    SCHOOL = "school", "Through schools"
    CLINIC = "clinic", "Through clinics"
    GP = "gp", "Posted in GP practices"
    PUBLIC = "public", "Libraries and leisure centres"
    POST = "post", "By post"
    EMAIL = "email", "By e-mail"


class FairProcessingNotice(TimeStampedModel):
    """One version of the notice text families receive (CON-01)."""

    version = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    text = models.TextField()
    published_on = models.DateField()
    reissue_after_months = models.PositiveSmallIntegerField(default=12)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-published_on", "-version"]


class NoticeIssue(TimeStampedModel):
    """When and how one version was issued to one cohort of families, and when it is due again."""

    notice = models.ForeignKey(FairProcessingNotice, on_delete=models.PROTECT, related_name="issues")
    cohort = models.CharField(max_length=200, help_text="e.g. 'Reception intake 2026, Riverside Primary'.")
    channel = models.CharField(max_length=10, choices=NoticeChannel.choices)
    issued_on = models.DateField()
    families = models.PositiveIntegerField(null=True, blank=True)
    due_again_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-issued_on"]
        indexes = [models.Index(fields=["cohort", "issued_on"])]


class ToolkitKind(models.TextChoices):
    FRAMEWORK = "framework", "Information-sharing questions"
    PROCEDURE = "procedure", "An agency's consent procedure"
    GUIDANCE = "guidance", "Other guidance"


class ToolkitPage(TimeStampedModel):
    """A page of local guidance, edited by the central team; every edit is a new revision."""

    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=12, choices=ToolkitKind.choices)
    title = models.CharField(max_length=200)
    agency = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "title"]

    @property
    def current(self) -> ToolkitRevision | None:
        return self.revisions.order_by("-saved_at").first()


class ToolkitRevision(models.Model):
    id = models.BigAutoField(primary_key=True)
    page = models.ForeignKey(ToolkitPage, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(help_text="Plain text; a blank line starts a new paragraph, a line starting '- ' a list item.")
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-saved_at"]

    @property
    def blocks(self) -> list[tuple[str, list[str]]]:
        """The body as ("p", [text]) paragraphs and ("ul", [items]) lists, for the template."""
        blocks: list[tuple[str, list[str]]] = []
        for chunk in self.body.replace("\r\n", "\n").split("\n\n"):
            lines = [line.strip() for line in chunk.split("\n") if line.strip()]
            items = [line[2:] for line in lines if line.startswith("- ")]
            if lines and len(items) == len(lines):
                blocks.append(("ul", items))
            elif lines:
                blocks.append(("p", [" ".join(lines)]))
        return blocks
