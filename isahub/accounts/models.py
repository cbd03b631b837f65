from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class AgencyKind(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care"
    EDUCATION = "education", "Local authority education"
    SCHOOL = "school", "School"
    EARLY_YEARS = "early_years", "Early years"
    HEALTH_VISITING = "health_visiting", "Health visiting"
    SCHOOL_NURSING = "school_nursing", "School nursing"
    GP = "gp", "GP practice"
    HOSPITAL = "hospital", "Hospital"
    CAMHS = "camhs", "Child and adolescent mental health"
    SEXUAL_HEALTH = "sexual_health", "Sexual health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    POLICE = "police", "Police"
    YOUTH_OFFENDING = "youth_offending", "Youth offending"
    YOUTH_SERVICE = "youth_service", "Youth service"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary and community"
    HUB = "hub", "Multi-agency hub"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text="The hub or umbrella body this agency belongs to.",
    )
    is_sensitive_service = models.BooleanField(
        default=False,
        help_text="Its involvement is shown to others only as 'a service is involved'.",
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="agency_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    CENTRAL_TEAM = "central_team", "Central team"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    AGENCY_ADMINISTRATOR = "agency_administrator", "Agency administrator"
    DATA_MANAGER = "data_manager", "Data manager"
    AUDITOR = "auditor", "Auditor"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"


class User(AbstractUser):
    """A person who signs in: always a member of one agency, with one role."""

    agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=40, choices=Role.choices, default=Role.PRACTITIONER)
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    dbs_checked_on = models.DateField(null=True, blank=True, verbose_name="DBS check date")
    training_completed_on = models.DateField(null=True, blank=True)
    user_agreement_signed_on = models.DateField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Created by seed_demo; refused in production.")

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            # Everyone who can sign in belongs to an agency; only inactive accounts may lack one.
            models.CheckConstraint(condition=Q(agency__isnull=False) | Q(is_active=False), name="active_user_has_agency"),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def vetting_problems(self, *, today: dt.date, max_age_days: dict[str, int]) -> list[str]:
        """What is missing or out of date, in words the user can act on."""
        checks = [
            ("dbs", self.dbs_checked_on, "DBS check"),
            ("training", self.training_completed_on, "information-sharing training"),
            ("agreement", self.user_agreement_signed_on, "signed user agreement"),
        ]
        problems = []
        for key, when, label in checks:
            if when is None:
                problems.append(f"There is no record of your {label}.")
            elif when > today:
                problems.append(f"The date of your {label} is in the future ({when:%d %B %Y}).")
            elif (today - when).days > max_age_days[key]:
                problems.append(f"Your {label} ({when:%d %B %Y}) is out of date.")
        return problems


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
