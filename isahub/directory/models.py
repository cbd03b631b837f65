"""The service directory, following Open Referral UK 3.0 (the UK profile of HSDS 3.0).

Table and field names follow the standard wherever it has one (organization, service,
location, service_at_location, contact, phone, schedule, cost_option, language,
accessibility, service_area, taxonomy, taxonomy_term, attribute) and every record has a
UUID id, as the standard requires, so an export can be re-imported and matched by id.

What the product adds on top (DOMAIN.md §13; research DIR-4, DIR-7, DIR-13, SD-05):
referral route and thresholds, who's-who roles, remit, consent procedure, mission
statement, the last verified date and by whom, and the organisation's agreement to keep its
entries current (the inclusion gate). Needs served and Assessment Framework domains and
dimensions are taxonomy terms in their own taxonomies, linked to services as ORUK
attributes, so they travel in the standard's own shape.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from isahub.accounts.models import AgencyKind


class Vocabulary(models.TextChoices):
    """The taxonomies the product itself reads (a loaded directory may bring others)."""

    SERVICE_TYPE = "service_type", _("Service type")
    NEED = "need", _("Needs")
    ASSESSMENT_FRAMEWORK = "assessment_framework", _("Assessment Framework")
    OTHER = "other", _("Other")


class Taxonomy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField()
    uri = models.URLField(blank=True)
    version = models.CharField(max_length=50, blank=True)
    vocabulary = models.CharField(max_length=40, choices=Vocabulary.choices, default=Vocabulary.OTHER)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "taxonomies"
        constraints = [
            # The product's own vocabularies exist once each; imported ones are "other".
            models.UniqueConstraint(
                fields=["vocabulary"], condition=~Q(vocabulary="other"), name="directory_one_taxonomy_per_vocabulary"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    code = models.CharField(max_length=100, help_text="The term's code in its taxonomy (ORUK 'term').")
    name = models.CharField(max_length=200)
    description = models.TextField()
    term_uri = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="directory_term_code_unique_in_taxonomy"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="directory_term_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=250)
    description = models.TextField()
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    logo = models.CharField(max_length=500, blank=True)
    uri = models.URLField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="member_organizations")
    kind = models.CharField(max_length=40, choices=AgencyKind.choices, default=AgencyKind.VOLUNTARY)
    agency = models.ForeignKey(
        "accounts.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_organizations",
        help_text="The agency whose administrators keep this organisation's entries current.",
    )
    mission_statement = models.TextField(blank=True)
    remit = models.TextField(blank=True, help_text="What the agency does and does not do (its core business).")
    consent_procedure = models.TextField(blank=True, help_text="How the agency asks families for consent to share.")
    agreed_to_keep_current_on = models.DateField(
        null=True, blank=True, help_text="When it agreed to keep its entries current. Not shown publicly until it has."
    )
    agreed_by = models.CharField(max_length=200, blank=True)
    last_modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="directory_organization_not_own_parent"),
            models.CheckConstraint(
                condition=Q(agreed_to_keep_current_on__isnull=True) | ~Q(agreed_by=""),
                name="directory_agreement_names_who_agreed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_listed(self) -> bool:
        return self.agreed_to_keep_current_on is not None


class OrganizationIdentifier(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="identifiers")
    identifier_scheme = models.CharField(max_length=50, blank=True)
    identifier_type = models.CharField(max_length=100)
    identifier = models.CharField(max_length=100)


class WhosWhoRole(models.Model):
    """A role, not a person: the knowledge survives staff turnover (research DIR-13)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200)
    responsibilities = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email=""), name="directory_role_has_phone_or_email"),
        ]


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


PUBLIC_STATUSES = (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED)


class ReferralRoute(models.TextChoices):
    SELF = "self", _("Families can contact the service themselves")
    PROFESSIONAL = "professional", _("A professional must refer")
    SELF_OR_PROFESSIONAL = "self_or_professional", _("Families can contact it themselves or a professional can refer")
    PANEL = "panel", _("Through a multi-agency panel")


class Service(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=30, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    fees = models.TextField(blank=True, help_text="ORUK 'fees': a plain description of any cost.")
    accreditations = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    alert = models.TextField(blank=True)
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = models.EmailField(blank=True)
    # The product's additions.
    referral_route = models.CharField(max_length=30, choices=ReferralRoute.choices, default=ReferralRoute.SELF_OR_PROFESSIONAL)
    how_to_refer = models.TextField(blank=True)
    referral_thresholds = models.TextField(blank=True, help_text="Constraints, priorities and thresholds for referrals.")
    last_verified_on = models.DateField(null=True, blank=True)
    last_verified_by = models.CharField(max_length=200, blank=True)
    last_modified = models.DateTimeField(auto_now=True)
    terms = models.ManyToManyField(TaxonomyTerm, through="ServiceAttribute", related_name="services")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="directory_service_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True) | Q(maximum_age__isnull=True) | Q(minimum_age__lte=models.F("maximum_age")),
                name="directory_service_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(last_verified_on__isnull=True) | ~Q(last_verified_by=""),
                name="directory_verification_names_who",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceAttribute(models.Model):
    """ORUK attribute: links a service to a taxonomy term (service type, need, AF dimension)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    taxonomy_term = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes")
    link_type = models.CharField(max_length=50, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "taxonomy_term"], name="directory_attribute_once")]


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    POSTAL = "postal", _("Postal")
    VIRTUAL = "virtual", _("Virtual")


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="locations")
    location_type = models.CharField(max_length=20, choices=LocationType.choices, default=LocationType.PHYSICAL)
    name = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    directions = models.TextField(blank=True, help_text="How to get there: buses, trains, parking.")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    external_identifier = models.CharField(max_length=100, blank=True)
    external_identifier_type = models.CharField(max_length=50, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__isnull=False, longitude__isnull=False)
                    & Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180)
                ),
                name="directory_location_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.id)


class Address(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=200, blank=True)
    address_1 = models.CharField(max_length=250)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    state_province = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, default="GB")
    address_type = models.CharField(max_length=20, choices=LocationType.choices, default=LocationType.PHYSICAL)


class Accessibility(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="accessibility")
    description = models.TextField()
    details = models.TextField(blank=True)
    url = models.URLField(blank=True)

    class Meta:
        verbose_name_plural = "accessibility"


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_at_locations")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="directory_service_at_location_once")]


class Contact(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=40)
    description = models.CharField(max_length=250, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(contact__isnull=False) | Q(location__isnull=False),
                name="directory_phone_belongs_somewhere",
            ),
        ]


class Frequency(models.TextChoices):
    WEEKLY = "WEEKLY", _("Weekly")
    MONTHLY = "MONTHLY", _("Monthly")


class Schedule(models.Model):
    """Opening hours, in the standard's iCalendar-like shape (freq, byday, opens/closes)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules")
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    freq = models.CharField(max_length=10, choices=Frequency.choices, blank=True)
    interval = models.PositiveSmallIntegerField(null=True, blank=True)
    byday = models.CharField(max_length=40, blank=True, help_text="e.g. MO,TU,WE")
    bymonthday = models.CharField(max_length=40, blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    description = models.TextField(blank=True)
    attending_type = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(service_at_location__isnull=False), name="directory_schedule_belongs"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(opens_at__lt=models.F("closes_at")),
                name="directory_schedule_opens_before_closing",
            ),
        ]


class CostOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = models.CharField(max_length=250, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    amount_description = models.CharField(max_length=250, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="directory_cost_not_negative"),
        ]


class Language(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="languages")
    phone = models.ForeignKey(Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="languages")
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=10, blank=True, help_text="ISO 639 code.")
    note = models.CharField(max_length=250, blank=True)


class ServiceArea(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=30, blank=True)
    uri = models.CharField(max_length=500, blank=True)


class Postcode(models.Model):
    """Postcode centroids. The demo ships a synthetic, offline table for its made-up borough
    (data/postcodes.csv); a real deployment loads the ONS Postcode Directory instead."""

    postcode = models.CharField(max_length=8, primary_key=True, help_text="Normalised: upper case, one space.")
    latitude = models.FloatField()
    longitude = models.FloatField()
    area = models.CharField(max_length=100, blank=True, help_text="The locality or ward.")


class ServiceToken(models.Model):
    """The keyword index: one row per (service, stemmed word) with a weight. Works the same
    on SQLite and PostgreSQL; rebuilt whenever a service changes."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=60)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["token", "service"], name="directory_token_service")]
        constraints = [models.UniqueConstraint(fields=["service", "token"], name="directory_token_once_per_service")]


# --- Keeping the directory current -----------------------------------------------------------


class DirectoryOfficer(models.Model):
    """A named person who approves changes made by people outside the owning agency."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_officer")
    appointed_on = models.DateField()


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChangeRequest(models.Model):
    """A proposed edit to a service by someone outside its owning agency. The proposal holds
    only the edit form's answers; the service is changed when the officer approves it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="change_requests")
    proposed = models.JSONField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="directory_changes")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="directory_decisions"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="directory_change_decided_consistently",
            ),
        ]


class LinkCheckResult(models.TextChoices):
    OK = "ok", _("Working")
    BROKEN = "broken", _("Broken")
    UNREACHABLE = "unreachable", _("Could not be reached")
    OFF_HOST = "off_host", _("Redirects to another site")
    TOO_MANY_REDIRECTS = "too_many_redirects", _("Too many redirects")


class LinkCheck(models.Model):
    """The latest check of one website link or e-mail domain in the directory."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="link_checks")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="link_checks")
    kind = models.CharField(max_length=10, choices=[("url", "Website"), ("email", "E-mail domain")])
    target = models.CharField(max_length=500)
    result = models.CharField(max_length=30, choices=LinkCheckResult.choices)
    detail = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_at"]


# --- Toolkit ----------------------------------------------------------------------------------


class GlossaryTerm(models.Model):
    """A plain-language explanation, and the words different agencies use for the same thing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    term = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    meaning = models.TextField()

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class GlossaryAlias(models.Model):
    """Another agency's word for a glossary term (e.g. health's "key worker")."""

    term = models.ForeignKey(GlossaryTerm, on_delete=models.CASCADE, related_name="aliases")
    word = models.CharField(max_length=100, unique=True)
    used_by = models.CharField(max_length=40, choices=AgencyKind.choices, blank=True)

    class Meta:
        ordering = ["word"]
