"""Build the synthetic demo borough. Every name here is made up."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Agency, AgencyKind, Role, User
from isahub.accounts.validators import DEMO_PASSWORD

AGENCIES = [
    # (name, kind, parent, sensitive, phone)
    ("Northbrook Multi-Agency Hub", AgencyKind.HUB, None, False, "01632 960000"),
    ("Northbrook Children's Social Care", AgencyKind.SOCIAL_CARE, "Northbrook Multi-Agency Hub", False, "01632 960001"),
    ("Northbrook Early Help Team", AgencyKind.SOCIAL_CARE, "Northbrook Multi-Agency Hub", False, "01632 960002"),
    ("Riverside Primary School", AgencyKind.SCHOOL, None, False, "01632 960010"),
    ("Northbrook Academy", AgencyKind.SCHOOL, None, False, "01632 960011"),
    ("Northbrook Health Visiting Service", AgencyKind.HEALTH_VISITING, None, False, "01632 960020"),
    ("Elm Street Surgery", AgencyKind.GP, None, False, "01632 960021"),
    ("Northbrook CAMHS", AgencyKind.CAMHS, None, True, "01632 960022"),
    ("Northbrook Police Safeguarding Unit", AgencyKind.POLICE, "Northbrook Multi-Agency Hub", False, "01632 960030"),
    ("Northbrook Youth Offending Team", AgencyKind.YOUTH_OFFENDING, None, False, "01632 960031"),
    ("Family Friends Northbrook", AgencyKind.VOLUNTARY, None, False, "01632 960040"),
]

USERS = [
    # (username, first, last, role, agency, job title)
    ("practitioner1", "Alex", "Fenwick", Role.PRACTITIONER, "Riverside Primary School", "Designated safeguarding lead"),
    ("practitioner2", "Priya", "Nandakumar", Role.PRACTITIONER, "Northbrook Health Visiting Service", "Health visitor"),
    ("practitioner3", "Tom", "Okafor", Role.PRACTITIONER, "Northbrook Police Safeguarding Unit", "Detective constable"),
    ("central1", "Jo", "Marsh", Role.CENTRAL_TEAM, "Northbrook Multi-Agency Hub", "ISA co-ordinator"),
    ("central2", "Sam", "Whitlock", Role.CENTRAL_TEAM, "Northbrook Early Help Team", "Early help co-ordinator"),
    ("chair1", "Morgan", "Ellery", Role.PANEL_CHAIR, "Northbrook Multi-Agency Hub", "Panel chair"),
    ("chair2", "Rowan", "Baptiste", Role.PANEL_CHAIR, "Northbrook Children's Social Care", "Team manager"),
    ("agencyadmin1", "Chris", "Dunmore", Role.AGENCY_ADMINISTRATOR, "Riverside Primary School", "School business manager"),
    ("agencyadmin2", "Lee", "Harcourt", Role.AGENCY_ADMINISTRATOR, "Northbrook Health Visiting Service", "Service administrator"),
    ("datamanager1", "Pat", "Ostrowski", Role.DATA_MANAGER, "Northbrook Children's Social Care", "Data manager"),
    ("datamanager2", "Ash", "Kellaway", Role.DATA_MANAGER, "Northbrook Multi-Agency Hub", "Information officer"),
    ("auditor1", "Dana", "Fairweather", Role.AUDITOR, "Northbrook Children's Social Care", "Information governance officer"),
    ("auditor2", "Kit", "Amberley", Role.AUDITOR, "Northbrook Multi-Agency Hub", "Data protection officer"),
    ("sysadmin1", "Robin", "Castellan", Role.SYSTEM_ADMINISTRATOR, "Northbrook Children's Social Care", "System administrator"),
    ("sysadmin2", "Jamie", "Lindqvist", Role.SYSTEM_ADMINISTRATOR, "Northbrook Multi-Agency Hub", "Application support"),
]

# One account whose training has lapsed, to show the vetting refusal.
LAPSED_USER = ("lapsed1", "Casey", "Pellow", Role.PRACTITIONER, "Family Friends Northbrook", "Family support worker")


class Command(BaseCommand):
    help = "Create the synthetic demo borough (idempotent: running it again changes nothing)."

    def handle(self, *args, **options):
        today = timezone.localdate()
        with transaction.atomic():
            agencies = self._agencies()
            created = 0
            for spec in USERS:
                created += self._user(spec, agencies, vetted_on=today - dt.timedelta(days=90))
            created += self._user(
                LAPSED_USER, agencies, vetted_on=today - dt.timedelta(days=90), training_on=today - dt.timedelta(days=3 * 365)
            )
        self.stdout.write(f"Demo borough ready: {len(agencies)} agencies, {len(USERS) + 1} users ({created} new).")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (every password is: {DEMO_PASSWORD})")
        for username, first, last, role, agency, _ in [*USERS, LAPSED_USER]:
            label = Role(role).label + (" (training lapsed: shows the vetting refusal)" if username == LAPSED_USER[0] else "")
            self.stdout.write(f"  {username:<14} {first} {last}, {label}, {agency}")

    def _agencies(self) -> dict[str, Agency]:
        agencies: dict[str, Agency] = {}
        for name, kind, parent, sensitive, phone in AGENCIES:
            agency, _ = Agency.objects.update_or_create(
                name=name,
                defaults={"kind": kind, "parent": agencies.get(parent), "is_sensitive_service": sensitive, "phone": phone},
            )
            agencies[name] = agency
        return agencies

    def _user(self, spec, agencies, *, vetted_on, training_on=None) -> int:
        username, first, last, role, agency, title = spec
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "agency": agencies[agency],
                "job_title": title,
                "email": f"{username}@northbrook.example",
                "is_demo": True,
                "dbs_checked_on": vetted_on,
                "training_completed_on": training_on or vetted_on,
                "user_agreement_signed_on": vetted_on,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return int(created)
