"""The demo borough's consent story: agreements in force and one expired, consents (one
limited to a few agencies, one given by a young person, one withdrawn), a lawful basis
awaiting review, a child's request not to tell a parent, fair processing notices with a
cohort due a re-issue, and the toolkit. Idempotent: a second run changes nothing.

Written through the real services where a user does it (so the audit trail is real), and
straight to the tables for the crowd of synthetic children."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Agency, User
from isahub.children.demo import DEMO_SOURCE
from isahub.children.models import Child, ChildName, HiddenRecordProbe, NameKind

from . import services
from .models import (
    KIND_FIELDS,
    AccessLevel,
    ConsentMethod,
    ConsentRecord,
    GivenBy,
    InclusionDecision,
    InclusionRecord,
    InformationKind,
    SharingAgreement,
)

PROTOCOL = "Northbrook Children's Information Sharing Protocol"
ALL_KINDS = [k.value for k in InformationKind]

FRAMEWORK = "\n".join(
    [
        "Before you share information about a child, ask yourself:",
        "",
        "- Is there a clear and legitimate purpose for sharing?",
        "- Does the information enable a person to be identified?",
        "- Is the information confidential?",
        "- If it is confidential, do you have consent to share it?",
        (
            "- If consent is refused, or asking would put a child at risk, is there a lawful basis to share "
            "without it (child protection, risk of significant harm, a court order)?"
        ),
        "- Are you sharing only what is needed, with the people who need it, securely?",
        "- Have you recorded what you shared, with whom and why?",
        "",
        (
            "If in doubt, talk to your designated safeguarding lead or the ISA central team on 01632 960000 "
            "before you share. Never let a doubt about sharing stop you acting to protect a child."
        ),
    ]
)

SCHOOL_PROCEDURE = "\n".join(
    [
        (
            "Riverside Primary School asks parents for consent at the start of any extra support, at a "
            "meeting with the designated safeguarding lead."
        ),
        "",
        "- Written consent is kept in the pupil's safeguarding file.",
        "- Verbal consent is recorded in the file on the same day, with who gave it.",
        (
            "- Pupils in years 5 and 6 are asked for their own views, and the DSL records whether they "
            "understand what sharing means."
        ),
        "- Consent is reviewed every school year, or sooner if the family asks.",
    ]
)

HEALTH_PROCEDURE = "\n".join(
    [
        "Northbrook Health Visiting Service records consent in the child's electronic health record.",
        "",
        (
            "- Young people aged 13 and over who are judged to understand (Fraser guidelines) may consent "
            "for themselves and may ask that a parent is not told."
        ),
        "- Consent to share with the police is asked for separately.",
    ]
)

WITHOUT_CONSENT = "\n".join(
    [
        ("You may share without consent where the law allows it, for example when a child is at risk of significant harm."),
        "",
        "- Record the lawful basis and your justification in isahub when you share.",
        "- The central team reviews every record of sharing without consent.",
        "- Tell the family you have shared, unless telling them would put the child at risk.",
    ]
)


def _kinds(kinds) -> dict[str, bool]:
    chosen = {InformationKind(k) for k in kinds}
    return {name: kind in chosen for kind, name in KIND_FIELDS.items()}


def _story(family: str) -> Child | None:
    name = (
        ChildName.objects.filter(family_name=family, kind=NameKind.LEGAL, child__source=DEMO_SOURCE)
        .select_related("child")
        .first()
    )
    return name.child if name else None


def seed_consent(*, users: dict[str, User], stdout) -> None:
    if SharingAgreement.objects.filter(title=PROTOCOL).exists():
        stdout.write("Demo consent and agreements are already there: nothing to add.")
        return
    today = timezone.localdate()
    agencies = {a.name: a for a in Agency.objects.all()}
    central = users["central1"]
    with transaction.atomic():
        _agreements(central, agencies, today)
        _stories(users, agencies, today)
        _crowd(users, today)
        _notices(central, today)
        _toolkit(central, agencies)
    stdout.write(
        "Demo consent: a protocol and a police arrangement in force, a lapsed data processing agreement; consents "
        "(Delacroix-Hill limited to the team, Okonkwo-Reid given by Kai himself, Whitcombe withdrawn), a lawful basis "
        "awaiting review, and fair processing notices with a cohort due a re-issue."
    )


def _agreements(central: User, agencies: dict[str, Agency], today: dt.date) -> None:
    protocol_parties = [
        "Northbrook Multi-Agency Hub",
        "Northbrook Children's Social Care",
        "Northbrook Early Help Team",
        "Riverside Primary School",
        "Northbrook Academy",
        "Northbrook Health Visiting Service",
        "Elm Street Surgery",
        "Northbrook CAMHS",
        "Northbrook Youth Offending Team",
    ]
    specs: list[tuple[str, str, str, list[str], dt.date, dt.date | None, str, list[str]]] = [
        (
            "protocol",
            PROTOCOL,
            "ISP-2025-01",
            protocol_parties,
            today - dt.timedelta(days=700),
            None,
            AccessLevel.FULL,
            ALL_KINDS,
        ),
        (
            "arrangement",
            "Police safeguarding information sharing arrangement",
            "ISA-POL-03",
            [
                "Northbrook Police Safeguarding Unit",
                "Northbrook Multi-Agency Hub",
                "Northbrook Children's Social Care",
                "Riverside Primary School",
                "Northbrook Academy",
                "Northbrook Youth Offending Team",
            ],
            today - dt.timedelta(days=400),
            None,
            AccessLevel.SUMMARY,
            [InformationKind.INVOLVEMENT.value],
        ),
        (
            "dpa",
            "Family Friends data processing agreement 2024",
            "DPA-FF-2024",
            ["Family Friends Northbrook", "Northbrook Multi-Agency Hub", "Riverside Primary School"],
            today - dt.timedelta(days=800),
            today - dt.timedelta(days=90),
            AccessLevel.FULL,
            [InformationKind.INVOLVEMENT.value],
        ),
    ]
    for kind, title, reference, parties, starts, ends, level, kinds in specs:
        services.agreement_save(
            actor=central,
            details=services.AgreementDetails(
                kind=kind,
                title=title,
                reference=reference,
                parties=[agencies[p] for p in parties],
                starts_on=starts,
                ends_on=ends,
                access_level=level,
                kinds=kinds,
            ),
        )


def _consent(actor: User, child: Child, **fields) -> None:
    services.consent_record(actor=actor, child=child, details=services.ConsentDetails(**fields))


def _stories(users: dict[str, User], agencies: dict[str, Agency], today: dt.date) -> None:
    leo, mason, kai = _story("Marchetti"), _story("Delacroix-Hill"), _story("Okonkwo-Reid")
    freya, isla = _story("Whitcombe"), _story("Penhaligon")
    if leo:  # written consent for everything, due for review soon: on the dashboard
        _consent(
            users["teacher.academy"],
            leo,
            decision="given",
            given_by=GivenBy.PARENT,
            giver_name="Ms Marchetti (mother)",
            method=ConsentMethod.WRITTEN,
            evidence_location="Northbrook Academy safeguarding file",
            given_on=today - dt.timedelta(days=340),
            review_on=today + dt.timedelta(days=20),
            all_agencies=True,
            kinds=ALL_KINDS,
        )
    if mason:  # verbal consent limited to the team around the child
        _consent(
            users["earlyhelp1"],
            mason,
            decision="given",
            given_by=GivenBy.PARENT,
            giver_name="Mr Delacroix (father)",
            method=ConsentMethod.VERBAL,
            evidence_location="Early help case notes",
            given_on=today - dt.timedelta(days=118),
            review_on=today + dt.timedelta(days=180),
            agencies=[
                agencies[n]
                for n in (
                    "Riverside Primary School",
                    "Northbrook Early Help Team",
                    "Northbrook Children's Social Care",
                    "Elm Street Surgery",
                )
            ],
            kinds=[InformationKind.INVOLVEMENT, InformationKind.MEETINGS],
        )
    if kai:  # a young person's own consent, a request not to tell a parent, a lawful basis
        _consent(
            users["camhs1"],
            kai,
            decision="given",
            given_by=GivenBy.CHILD,
            sufficient_understanding=True,
            method=ConsentMethod.WRITTEN,
            evidence_location="CAMHS clinical record",
            given_on=today - dt.timedelta(days=40),
            review_on=today + dt.timedelta(days=140),
            agencies=[agencies[n] for n in ("Northbrook Academy", "Northbrook CAMHS", "Northbrook Youth Offending Team")],
            kinds=[InformationKind.INVOLVEMENT],
        )
        services.parent_confidentiality_record(
            actor=users["camhs1"],
            child=kai,
            request="Kai asked that his dad is not told he sees CAMHS.",
            kinds=[InformationKind.INVOLVEMENT],
            agency=agencies["Northbrook CAMHS"],
            sufficient_understanding=True,
        )
        services.lawful_basis_record(
            actor=users["yot1"],
            child=kai,
            basis="crime",
            justification=(
                "Kai is at risk of criminal exploitation; the police need to know the youth offending team works with him."
            ),
            kinds=[InformationKind.INVOLVEMENT],
            agencies=[agencies["Northbrook Police Safeguarding Unit"]],
        )
    if freya:  # consent given, then withdrawn: a new record, the history kept
        _consent(
            users["practitioner1"],
            freya,
            decision="given",
            given_by=GivenBy.PARENT,
            method=ConsentMethod.WRITTEN,
            evidence_location="Pupil file",
            given_on=today - dt.timedelta(days=190),
            review_on=today + dt.timedelta(days=170),
            all_agencies=True,
            kinds=ALL_KINDS,
        )
        _consent(
            users["practitioner1"],
            freya,
            decision="withdrawn",
            given_by=GivenBy.PARENT,
            giver_name="Mrs Whitcombe (mother)",
            method=ConsentMethod.VERBAL,
            evidence_location="Pupil file, phone note",
            given_on=today - dt.timedelta(days=12),
            note="Mother asked that nothing more is shared while the family moves house.",
        )
    if isla:  # the family objected (C2): recorded, and a few searches that would have found her
        InclusionRecord.objects.create(
            child=isla,
            decision=InclusionDecision.OBJECTS,
            given_by=GivenBy.PARENT,
            method=ConsentMethod.WRITTEN,
            evidence_location="Letter to the ISA central team",
            recorded_by=users["central1"],
            recorded_at=timezone.now() - dt.timedelta(days=300),
        )
        for days in (9, 4, 1):
            HiddenRecordProbe.objects.create(
                child=isla, searched_by=users["practitioner3"], searched_at=timezone.now() - dt.timedelta(days=days)
            )


def _crowd(users: dict[str, User], today: dt.date) -> None:
    """Most synthetic families agreed to share involvement with every agency taking part."""
    rng = random.Random(11)  # noqa: S311 # nosec B311 # synthetic demo data, not security
    taker = users["central1"]
    ids = list(Child.objects.filter(source=DEMO_SOURCE, consents__isnull=True).values_list("pk", flat=True))
    records = []
    for child_id in ids:
        if rng.random() < 0.7:
            given = today - dt.timedelta(days=rng.randint(20, 360))
            records.append(
                ConsentRecord(
                    child_id=child_id,
                    decision="given",
                    given_by=GivenBy.PARENT,
                    method=rng.choice([ConsentMethod.WRITTEN, ConsentMethod.VERBAL]),
                    evidence_location="Agency case file",
                    taken_by=taker,
                    taken_for=taker.agency,
                    given_on=given,
                    review_on=given + dt.timedelta(days=365),
                    all_agencies=True,
                    recorded_at=timezone.now(),
                    **_kinds([InformationKind.INVOLVEMENT]),
                )
            )
    ConsentRecord.objects.bulk_create(records, batch_size=2000)


def _notices(central: User, today: dt.date) -> None:
    old = services.notice_create(
        actor=central,
        version="2024-1",
        title="Your child's details on the Northbrook children's index",
        text=(
            "Northbrook's children's services keep a list of children in the area with their basic details, so that "
            "the people working with your child can find each other.\n\nYou are not being singled out: every family "
            "receives this notice. You can ask what is held, who has looked at it and why."
        ),
        published_on=today - dt.timedelta(days=760),
        reissue_after_months=12,
    )
    new = services.notice_create(
        actor=central,
        version="2025-1",
        title="Your child's details on the Northbrook children's index",
        text=(
            "Northbrook's children's services keep a list of children in the area with their basic details. Anything "
            "more is shared only with your agreement, or where the law requires it to keep a child safe.\n\n"
            "You are not being singled out: every family receives this notice."
        ),
        published_on=today - dt.timedelta(days=380),
        reissue_after_months=12,
    )
    services.notice_issue_record(
        actor=central,
        notice=old,
        cohort="Reception intake, Riverside Primary School",
        channel="school",
        issued_on=today - dt.timedelta(days=700),
        families=58,
    )
    services.notice_issue_record(
        actor=central,
        notice=new,
        cohort="Year 7, Northbrook Academy",
        channel="school",
        issued_on=today - dt.timedelta(days=60),
        families=180,
    )
    services.notice_issue_record(
        actor=central,
        notice=new,
        cohort="Families registered at Elm Street Surgery",
        channel="gp",
        issued_on=today - dt.timedelta(days=350),
    )


def _toolkit(central: User, agencies: dict[str, Agency]) -> None:
    pages = [
        ("before-you-share", "Before you share: seven questions", "framework", FRAMEWORK, None),
        ("sharing-without-consent", "Sharing without consent", "guidance", WITHOUT_CONSENT, None),
        (
            "consent-riverside-primary",
            "How Riverside Primary School asks for consent",
            "procedure",
            SCHOOL_PROCEDURE,
            agencies["Riverside Primary School"],
        ),
        (
            "consent-health-visiting",
            "How the health visiting service asks for consent",
            "procedure",
            HEALTH_PROCEDURE,
            agencies["Northbrook Health Visiting Service"],
        ),
    ]
    for slug, title, kind, body, agency in pages:
        services.toolkit_page_save(actor=central, slug=slug, title=title, kind=kind, body=body, agency=agency)
