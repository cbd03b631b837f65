"""The demo borough's agencies and users. Every name here is made up."""

import datetime as dt

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


EXTRA_PRACTITIONERS = [
    # People the demo children's records mention; they can sign in too.
    ("teacher.academy", "Hana", "Valdés", Role.PRACTITIONER, "Northbrook Academy", "Head of year 7"),
    ("nurse1", "Owen", "Trevelyan", Role.PRACTITIONER, "Northbrook Health Visiting Service", "School nurse"),
    ("gp1", "Ruth", "Abernathy", Role.PRACTITIONER, "Elm Street Surgery", "GP"),
    ("camhs1", "Idris", "Mwangi", Role.PRACTITIONER, "Northbrook CAMHS", "Mental health practitioner"),
    ("social1", "Bea", "Lindgren", Role.PRACTITIONER, "Northbrook Children's Social Care", "Social worker"),
    ("earlyhelp1", "Marcus", "Oyelaran", Role.PRACTITIONER, "Northbrook Early Help Team", "Family support worker"),
    ("yot1", "Sunita", "Rahman", Role.PRACTITIONER, "Northbrook Youth Offending Team", "Case manager"),
]


def seed_accounts(stdout) -> dict[str, User]:
    today = timezone.localdate()
    with transaction.atomic():
        agencies = _agencies()
        users = {}
        for spec in [*USERS, *EXTRA_PRACTITIONERS]:
            users[spec[0]] = _user(spec, agencies, vetted_on=today - dt.timedelta(days=90))
        users[LAPSED_USER[0]] = _user(
            LAPSED_USER, agencies, vetted_on=today - dt.timedelta(days=90), training_on=today - dt.timedelta(days=3 * 365)
        )
    stdout.write(f"Demo borough: {len(agencies)} agencies, {len(users)} users.")
    return users


def print_logins(stdout) -> None:
    stdout.write("")
    stdout.write(f"Demo logins (every password is: {DEMO_PASSWORD})")
    for username, first, last, role, agency, _ in [*USERS, LAPSED_USER]:
        label = Role(role).label + (" (training lapsed: shows the vetting refusal)" if username == LAPSED_USER[0] else "")
        stdout.write(f"  {username:<16} {first} {last}, {label}, {agency}")
    stdout.write(
        f"  and {len(EXTRA_PRACTITIONERS)} more practitioners named in the demo records: "
        + ", ".join(s[0] for s in EXTRA_PRACTITIONERS)
    )


def _agencies() -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    for name, kind, parent, sensitive, phone in AGENCIES:
        agency, _ = Agency.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "parent": agencies.get(parent), "is_sensitive_service": sensitive, "phone": phone},
        )
        agencies[name] = agency
    return agencies


def _user(spec, agencies, *, vetted_on, training_on=None) -> User:
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
            "phone": agencies[agency].phone,
            "dbs_checked_on": vetted_on,
            "training_completed_on": training_on or vetted_on,
            "user_agreement_signed_on": vetted_on,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user
