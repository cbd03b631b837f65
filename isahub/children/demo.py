"""The demo borough's children: a few thousand synthetic records and the stories a visitor
can follow. Every name is made up (generated, or chosen to be unusual)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Agency, User

from . import matching, synthetic
from .indexing import rebuild_search_keys
from .models import Child, ChildAddress, ChildName, NameKind, RecordStatus, SchoolStatus, SearchKey

DEMO_SOURCE = "demo"
STREETS = [
    "Mill Lane",
    "Station Road",
    "Church Street",
    "Victoria Road",
    "Park Avenue",
    "Queens Road",
    "Orchard Close",
    "Brook Street",
]
TOWN = "Northbrook"


def demo_children_present() -> bool:
    return Child.objects.filter(source=DEMO_SOURCE).exists()


def _provenance(user: User | None) -> dict:
    return {
        "recorded_by": user,
        "recorded_for": getattr(user, "agency", None),
        "recorded_at": timezone.now(),
        "source": DEMO_SOURCE,
    }


def _school_status(dob: dt.date, today: dt.date) -> str:
    age = (today - dob).days // 365
    return SchoolStatus.ATTENDING if 4 <= age <= 16 else SchoolStatus.NOT_OF_SCHOOL_AGE


def bulk_children(count: int, *, recorded_by: User, schools: list[Agency], gp: Agency, seed: int = 2026) -> list[Child]:
    """Many children at once: three bulk inserts and one for their blocking keys."""
    rng = random.Random(seed)  # nosec B311 # synthetic demo data, not security
    today = timezone.localdate()
    records = synthetic.generate_children(count, seed=seed)
    children: list[Child] = []
    names: list[ChildName] = []
    addresses: list[ChildAddress] = []
    keys: list[SearchKey] = []
    for record in records:
        status = _school_status(record.date_of_birth, today)
        child = Child(
            date_of_birth=record.date_of_birth,
            sex=record.sex,
            school_status=status,
            school=rng.choice(schools) if status == SchoolStatus.ATTENDING else None,
            gp_practice=gp,
            **_provenance(recorded_by),
        )
        children.append(child)
        for index, name in enumerate(record.names):
            kind = NameKind.LEGAL if index == 0 else NameKind.PREVIOUS
            valid_to = None if index == 0 else today - dt.timedelta(days=rng.randint(200, 2000))
            names.append(
                ChildName(
                    child=child,
                    kind=kind,
                    given_names=name.given,
                    family_name=name.family,
                    valid_to=valid_to,
                    **_provenance(recorded_by),
                )
            )
        for index, postcode in enumerate(record.postcodes):
            addresses.append(
                ChildAddress(
                    child=child,
                    line_1=f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
                    town=TOWN,
                    postcode=postcode,
                    valid_to=None if index == 0 else today - dt.timedelta(days=rng.randint(100, 3000)),
                    **_provenance(recorded_by),
                )
            )
        keys.extend(SearchKey(child=child, key=key) for key in matching.record_keys(record))
    with transaction.atomic():
        Child.objects.bulk_create(children, batch_size=1000)
        ChildName.objects.bulk_create(names, batch_size=2000)
        ChildAddress.objects.bulk_create(addresses, batch_size=2000)
        SearchKey.objects.bulk_create(keys, batch_size=5000)
    return children


def story_child(
    *,
    given: str,
    family: str,
    dob: dt.date,
    sex: str,
    postcode: str,
    line_1: str,
    recorded_by: User,
    school: Agency | None = None,
    gp: Agency | None = None,
    status: str = RecordStatus.ACTIVE,
) -> Child:
    child = Child.objects.create(
        date_of_birth=dob,
        sex=sex,
        status=status,
        school_status=SchoolStatus.ATTENDING if school else SchoolStatus.NOT_OF_SCHOOL_AGE,
        school=school,
        gp_practice=gp,
        **_provenance(recorded_by),
    )
    ChildName.objects.create(child=child, kind=NameKind.LEGAL, given_names=given, family_name=family, **_provenance(recorded_by))
    ChildAddress.objects.create(
        child=child, line_1=line_1, town=TOWN, postcode=matching.normalise_postcode(postcode), **_provenance(recorded_by)
    )
    rebuild_search_keys(child)
    return child


def _years_ago(today: dt.date, years: int, days: int = 0) -> dt.date:
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def seed_children(*, users: dict[str, User], count: int, stdout) -> None:
    """The stories first (through the real services, so their audit trail is real), then the crowd."""
    from isahub.involvements.models import Involvement
    from isahub.involvements.services import involvement_end, involvement_register, lead_professional_assign

    from .services import child_change_fact

    today = timezone.localdate()
    agencies = {a.name: a for a in Agency.objects.all()}
    primary, academy, gp = agencies["Riverside Primary School"], agencies["Northbrook Academy"], agencies["Elm Street Surgery"]
    data_manager = users["datamanager1"]

    def involve(child, username, role, started, **kwargs):
        user = users[username]
        return involvement_register(
            actor=user, child=child, role=role, phone=user.phone or "01632 960000", started_on=started, **kwargs
        )

    with transaction.atomic():
        # A primary-to-secondary transfer: the primary school hands over to the academy.
        leo = story_child(
            given="Leo",
            family="Marchetti",
            dob=_years_ago(today, 11, 80),
            sex="male",
            postcode="NB1 2LP",
            line_1="7 Orchard Close",
            recorded_by=data_manager,
            school=primary,
            gp=gp,
        )
        dsl = involve(leo, "practitioner1", "Designated safeguarding lead", _years_ago(today, 2))
        involve(leo, "nurse1", "School nurse", _years_ago(today, 1))
        lead_professional_assign(
            actor=users["practitioner1"],
            child=leo,
            practitioner=users["practitioner1"],
            reason="Chosen by Leo's mother at the family meeting",
        )
        involve(leo, "teacher.academy", "Head of year 7", today - dt.timedelta(days=60))
        lead_professional_assign(
            actor=users["teacher.academy"],
            child=leo,
            practitioner=users["teacher.academy"],
            deputy=users["nurse1"],
            reason="Transition meeting agreed the academy leads from September",
        )
        involvement_end(actor=users["practitioner1"], involvement=dsl, reason="Leo moved to secondary school")
        child_change_fact(actor=data_manager, child=leo, field_name="school_id", value=academy.pk, source=DEMO_SOURCE)

        # A team around the child.
        mason = story_child(
            given="Mason",
            family="Delacroix-Hill",
            dob=_years_ago(today, 8, 30),
            sex="male",
            postcode="NB3 5QT",
            line_1="22 Brook Street",
            recorded_by=data_manager,
            school=primary,
            gp=gp,
        )
        for username, role in (
            ("practitioner1", "Designated safeguarding lead"),
            ("earlyhelp1", "Family support worker"),
            ("social1", "Social worker"),
            ("gp1", "GP"),
        ):
            involve(mason, username, role, today - dt.timedelta(days=120))
        lead_professional_assign(
            actor=users["central1"],
            child=mason,
            practitioner=users["earlyhelp1"],
            deputy=users["practitioner1"],
            reason="Team around the child meeting chose early help to lead",
            decided_by="meeting",
        )

        # A sensitive service: others see only that "a service is involved".
        kai = story_child(
            given="Kai",
            family="Okonkwo-Reid",
            dob=_years_ago(today, 14, 10),
            sex="male",
            postcode="NB2 8HD",
            line_1="41 Victoria Road",
            recorded_by=data_manager,
            school=academy,
            gp=gp,
        )
        involve(kai, "camhs1", "Mental health practitioner", today - dt.timedelta(days=45))
        involve(kai, "teacher.academy", "Head of year 9", today - dt.timedelta(days=300))
        involve(kai, "yot1", "Case manager", today - dt.timedelta(days=20))

        # Two records of one child, waiting for a data manager to merge them.
        freya = story_child(
            given="Freya",
            family="Whitcombe",
            dob=dt.date(today.year - 9, 5, 9),
            sex="female",
            postcode="NB2 3EF",
            line_1="3 Church Street",
            recorded_by=data_manager,
            school=primary,
            gp=gp,
        )
        involve(freya, "practitioner1", "Class teacher", today - dt.timedelta(days=200))
        freya_again = story_child(
            given="Freya",
            family="Whitcomb",
            dob=dt.date(today.year - 9, 5, 9),
            sex="female",
            postcode="NB4 1RW",
            line_1="19 Queens Road",
            recorded_by=users["datamanager2"],
            gp=gp,
        )
        involve(freya_again, "practitioner2", "Health visitor", today - dt.timedelta(days=900))

        # A family who object: the record is hidden; searches that would find it are counted.
        story_child(
            given="Isla",
            family="Penhaligon",
            dob=_years_ago(today, 6, 15),
            sex="female",
            postcode="NB5 6JP",
            line_1="8 Park Avenue",
            recorded_by=data_manager,
            school=primary,
            gp=gp,
            status=RecordStatus.HIDDEN,
        )

    crowd = bulk_children(count, recorded_by=data_manager, schools=[primary, academy], gp=gp)
    rng = random.Random(7)  # nosec B311 # synthetic demo data, not security
    pool = [
        "practitioner1",
        "practitioner2",
        "practitioner3",
        "teacher.academy",
        "nurse1",
        "gp1",
        "earlyhelp1",
        "social1",
        "yot1",
    ]
    involvements = []
    for child in crowd:
        if rng.random() < 0.4:
            for username in rng.sample(pool, rng.randint(1, 2)):
                user = users[username]
                involvements.append(
                    Involvement(
                        child=child,
                        practitioner=user,
                        agency=user.agency,
                        role=user.job_title,
                        phone=user.phone or "01632 960000",
                        email=user.email,
                        started_on=today - dt.timedelta(days=rng.randint(10, 700)),
                        recorded_by=user,
                    )
                )
    Involvement.objects.bulk_create(involvements, batch_size=2000)
    stdout.write(
        f"Demo children: {count} synthetic plus 6 stories (a school transfer, a team around the child, a sensitive service, "
        f"a duplicate pair, a hidden record); {len(involvements)} involvements."
    )


STORY_SURNAMES = ("Marchetti", "Delacroix-Hill", "Okonkwo-Reid", "Whitcombe")


def print_story_hints(stdout) -> None:
    for family in STORY_SURNAMES:
        name = (
            ChildName.objects.filter(family_name=family, kind=NameKind.LEGAL, child__source=DEMO_SOURCE)
            .select_related("child")
            .first()
        )
        if name:
            stdout.write(f"  Try searching: surname {family}, date of birth {name.child.date_of_birth:%d/%m/%Y}")
    stdout.write(
        "  (Marchetti moved to secondary school; Whitcombe has a duplicate to merge; Okonkwo-Reid sees a sensitive service.)"
    )
