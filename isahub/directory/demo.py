"""The demo borough's service directory: made-up organisations and services in Northbrook.

`seed_directory()` loads the synthetic postcode table, the vocabularies, 80 organisations
and 320 services (by default) with locations, opening hours, costs, languages,
accessibility, who's-who roles and taxonomy terms. Ids are UUID5s of the generator's
inputs, so running it again finds everything already there and changes nothing.
`generate_directory()` is also what the benchmark uses, at larger scales.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Agency, AgencyKind

from .indexing import index_services
from .models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    DirectoryOfficer,
    Frequency,
    GlossaryAlias,
    GlossaryTerm,
    Language,
    Location,
    Organization,
    Phone,
    Postcode,
    ReferralRoute,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceStatus,
    WhosWhoRole,
)
from .vocabularies import NEEDS, ensure_vocabularies

DEMO = uuid.UUID("0d1e2c3b-4a59-4687-9a0b-1c2d3e4f5a6b")
POSTCODES_CSV = Path(__file__).parent / "data" / "postcodes.csv"
PLACES = ["Hollins Park", "Eastgate", "Millbrook", "Ashford Green", "Kingsmead", "Riverside", "Elm Vale", "Stonebridge"]
STREETS = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Victoria Road",
    "Brook Street",
    "Elm Street",
]
LANGUAGES = [
    ("Polish", "pl"),
    ("Urdu", "ur"),
    ("Punjabi", "pa"),
    ("Somali", "so"),
    ("Romanian", "ro"),
    ("Arabic", "ar"),
    ("Bengali", "bn"),
]
ACCESS = [
    "Step-free access from the street and an accessible toilet.",
    "Hearing loop at reception.",
    "Lift to all floors; accessible parking bays by the entrance.",
    "Ground floor only; quiet room available on request.",
]
DAYS = ["MO,TU,WE,TH,FR", "MO,WE,FR", "TU,TH", "SA", "MO,TU,WE,TH", "WE"]


@dataclass(frozen=True)
class Template:
    name: str
    service_type: str
    needs: tuple[str, ...]
    ages: tuple[int | None, int | None]
    route: str
    description: str
    cost: Decimal | None = None


T = Template
TEMPLATES: dict[str, list[Template]] = {
    AgencyKind.SOCIAL_CARE: [
        T(
            "Children's Social Care Front Door",
            "Social care",
            ("Domestic abuse", "Parenting support"),
            (0, 17),
            ReferralRoute.PROFESSIONAL,
            "Takes referrals where a child may be in need or at risk of significant harm.",
        ),
        T(
            "Early Help Family Support",
            "Family support",
            ("Parenting support", "Family relationships", "School attendance"),
            (0, 18),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "A family support worker helps the whole family with routines, school and relationships.",
        ),
        T(
            "Short Breaks for Disabled Children",
            "Disability support",
            ("Special educational needs and disability",),
            (0, 18),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Play schemes and overnight breaks for disabled children, giving carers a rest.",
        ),
        T(
            "Fostering Information Service",
            "Social care",
            ("Family relationships",),
            (None, None),
            ReferralRoute.SELF,
            "Information for people thinking about fostering a child.",
        ),
    ],
    AgencyKind.EDUCATION: [
        T(
            "Education Welfare Service",
            "Education support",
            ("School attendance",),
            (5, 16),
            ReferralRoute.PROFESSIONAL,
            "Education welfare officers work with families where a child is missing school.",
        ),
        T(
            "SEND Information and Advice",
            "Education support",
            ("Special educational needs and disability",),
            (0, 25),
            ReferralRoute.SELF,
            "Impartial advice for parents about special educational needs and disability.",
        ),
        T(
            "Educational Psychology Consultation",
            "Education support",
            ("Special educational needs and disability", "Behaviour"),
            (0, 25),
            ReferralRoute.PROFESSIONAL,
            "Educational psychologists advise schools and families on learning and behaviour.",
        ),
    ],
    AgencyKind.SCHOOL: [
        T(
            "Breakfast Club",
            "Early years and childcare",
            ("Physical health",),
            (4, 11),
            ReferralRoute.SELF,
            "A healthy breakfast and calm start to the school day.",
            Decimal("1.50"),
        ),
        T(
            "Pastoral Support",
            "Education support",
            ("Emotional wellbeing", "Bullying", "Behaviour"),
            (4, 16),
            ReferralRoute.SELF,
            "The pastoral team helps pupils with worries, friendships and behaviour.",
        ),
        T(
            "After-School Homework Club",
            "Education support",
            ("School attendance",),
            (7, 16),
            ReferralRoute.SELF,
            "Quiet space and help with homework after school.",
        ),
        T(
            "Parent Drop-In",
            "Parenting programme",
            ("Parenting support",),
            (None, None),
            ReferralRoute.SELF,
            "An informal morning for parents to meet staff and each other.",
        ),
    ],
    AgencyKind.EARLY_YEARS: [
        T(
            "Stay and Play",
            "Early years and childcare",
            ("Early development", "Isolation"),
            (0, 4),
            ReferralRoute.SELF,
            "Play sessions for babies and toddlers with their parents or carers.",
        ),
        T(
            "Baby Massage Course",
            "Parenting programme",
            ("Early development", "Parenting support"),
            (0, 1),
            ReferralRoute.SELF,
            "A five-week course for parents and babies.",
        ),
        T(
            "Funded Nursery Places",
            "Early years and childcare",
            ("Early development",),
            (2, 4),
            ReferralRoute.SELF,
            "Free early education for eligible two, three and four year olds.",
        ),
        T(
            "Chatterbox Speech Group",
            "Speech and language therapy",
            ("Speech and language delay",),
            (1, 5),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Small groups to help young children's talking and listening.",
        ),
    ],
    AgencyKind.HEALTH_VISITING: [
        T(
            "Health Visiting Team",
            "Health visiting",
            ("Early development", "Physical health", "Parenting support"),
            (0, 5),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Health visitors support families from pregnancy until a child starts school.",
        ),
        T(
            "Child Health Clinic",
            "Health visiting",
            ("Physical health", "Early development"),
            (0, 5),
            ReferralRoute.SELF,
            "Weighing, development checks and advice; no appointment needed.",
        ),
        T(
            "Infant Feeding Support",
            "Health visiting",
            ("Physical health", "Early development"),
            (0, 2),
            ReferralRoute.SELF,
            "Help with breastfeeding and bottle feeding.",
        ),
    ],
    AgencyKind.SCHOOL_NURSING: [
        T(
            "School Nursing Drop-In",
            "School nursing",
            ("Physical health", "Emotional wellbeing", "Sexual health"),
            (5, 19),
            ReferralRoute.SELF,
            "Confidential drop-in with a school nurse.",
        ),
        T(
            "ChatHealth Text Service",
            "School nursing",
            ("Emotional wellbeing", "Physical health"),
            (11, 19),
            ReferralRoute.SELF,
            "Young people can text a school nurse for confidential advice.",
        ),
    ],
    AgencyKind.GP: [
        T(
            "GP Appointments",
            "GP and primary care",
            ("Physical health",),
            (None, None),
            ReferralRoute.SELF,
            "Appointments with a family doctor or practice nurse.",
        ),
        T(
            "Childhood Immunisations",
            "GP and primary care",
            ("Physical health",),
            (0, 5),
            ReferralRoute.SELF,
            "Routine vaccinations for babies and young children.",
        ),
    ],
    AgencyKind.HOSPITAL: [
        T(
            "Children's Emergency Department",
            "GP and primary care",
            ("Physical health", "Self-harm"),
            (0, 16),
            ReferralRoute.SELF,
            "Emergency care for children and young people, open all day and night.",
        ),
        T(
            "Paediatric Community Nursing",
            "Disability support",
            ("Physical health", "Special educational needs and disability"),
            (0, 18),
            ReferralRoute.PROFESSIONAL,
            "Nurses caring for children with complex health needs at home.",
        ),
    ],
    AgencyKind.CAMHS: [
        T(
            "CAMHS Single Point of Access",
            "Mental health",
            ("Emotional wellbeing", "Self-harm"),
            (0, 18),
            ReferralRoute.PROFESSIONAL,
            "Specialist assessment and treatment for children's mental health.",
        ),
        T(
            "Mental Health Support Team in Schools",
            "Mental health",
            ("Emotional wellbeing", "Behaviour"),
            (5, 18),
            ReferralRoute.PROFESSIONAL,
            "Low-intensity therapy for mild to moderate anxiety and low mood, delivered in school.",
        ),
    ],
    AgencyKind.SEXUAL_HEALTH: [
        T(
            "Young People's Sexual Health Clinic",
            "Sexual health clinic",
            ("Sexual health",),
            (13, 25),
            ReferralRoute.SELF,
            "Confidential contraception, testing and advice for young people.",
        ),
    ],
    AgencyKind.SUBSTANCE_MISUSE: [
        T(
            "Young People's Drug and Alcohol Service",
            "Substance misuse support",
            ("Substance misuse",),
            (10, 18),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Confidential help for young people worried about drugs or alcohol.",
        ),
        T(
            "Hidden Harm Family Service",
            "Substance misuse support",
            ("Substance misuse", "Family relationships"),
            (5, 18),
            ReferralRoute.PROFESSIONAL,
            "Support for children affected by a parent's drinking or drug use.",
        ),
    ],
    AgencyKind.POLICE: [
        T(
            "Police Safeguarding Referrals",
            "Police safeguarding",
            ("Domestic abuse",),
            (0, 17),
            ReferralRoute.PROFESSIONAL,
            "The police team that protects children and shares information with partners.",
        ),
        T(
            "Schools Police Officer",
            "Police safeguarding",
            ("Offending", "Bullying"),
            (11, 18),
            ReferralRoute.PROFESSIONAL,
            "Officers who work with secondary schools on safety and crime prevention.",
        ),
    ],
    AgencyKind.YOUTH_OFFENDING: [
        T(
            "Youth Justice Service",
            "Youth justice",
            ("Offending",),
            (10, 17),
            ReferralRoute.PROFESSIONAL,
            "Works with young people who have offended, and their families.",
        ),
        T(
            "Prevention and Diversion",
            "Youth justice",
            ("Offending", "Behaviour"),
            (8, 17),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Early work with young people at risk of getting into trouble.",
        ),
    ],
    AgencyKind.YOUTH_SERVICE: [
        T(
            "Youth Club",
            "Youth club and activities",
            ("Isolation", "Identity and belonging"),
            (11, 19),
            ReferralRoute.SELF,
            "Evening youth club with sport, music and trips.",
        ),
        T(
            "Detached Youth Work",
            "Youth club and activities",
            ("Offending", "Isolation"),
            (11, 19),
            ReferralRoute.SELF,
            "Youth workers meeting young people on the streets and in parks.",
        ),
        T(
            "LGBTQ+ Youth Group",
            "Youth club and activities",
            ("Identity and belonging", "Emotional wellbeing"),
            (13, 21),
            ReferralRoute.SELF,
            "A safe, friendly group for LGBTQ+ young people.",
        ),
    ],
    AgencyKind.HOUSING: [
        T(
            "Housing Options",
            "Housing advice",
            ("Housing problems",),
            (None, None),
            ReferralRoute.SELF,
            "Advice if you are homeless or at risk of losing your home.",
        ),
        T(
            "Tenancy Sustainment",
            "Housing advice",
            ("Housing problems", "Money and debt"),
            (16, None),
            ReferralRoute.PROFESSIONAL,
            "Help for tenants to keep their home.",
        ),
    ],
    AgencyKind.VOLUNTARY: [
        T(
            "Parenting Together Course",
            "Parenting programme",
            ("Parenting support", "Behaviour"),
            (None, None),
            ReferralRoute.SELF,
            "A ten-week course for parents of children aged 3 to 12.",
        ),
        T(
            "Young Carers Project",
            "Young carers support",
            ("Young carer", "Isolation"),
            (8, 18),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Breaks, activities and someone to talk to for young carers.",
        ),
        T(
            "Counselling for Young People",
            "Counselling",
            ("Emotional wellbeing", "Bereavement", "Self-harm"),
            (11, 25),
            ReferralRoute.SELF,
            "Free, confidential counselling with a trained counsellor.",
        ),
        T(
            "Family Counselling",
            "Counselling",
            ("Family relationships", "Emotional wellbeing"),
            (None, None),
            ReferralRoute.SELF,
            "Counselling for families going through separation or conflict.",
            Decimal("10.00"),
        ),
        T(
            "Domestic Abuse Outreach",
            "Domestic abuse support",
            ("Domestic abuse",),
            (None, None),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Safety planning and support for people affected by domestic abuse, and their children.",
        ),
        T(
            "Debt and Benefits Advice",
            "Money and benefits advice",
            ("Money and debt",),
            (16, None),
            ReferralRoute.SELF,
            "Free advice on debt, benefits and budgeting.",
        ),
        T(
            "Food Bank",
            "Money and benefits advice",
            ("Money and debt", "Physical health"),
            (None, None),
            ReferralRoute.PROFESSIONAL,
            "Emergency food parcels; a voucher from a professional is needed.",
        ),
        T(
            "Home Visiting Volunteers",
            "Family support",
            ("Isolation", "Parenting support"),
            (0, 5),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "Trained volunteers visit families with young children at home every week.",
        ),
        T(
            "Bereavement Support for Children",
            "Bereavement support",
            ("Bereavement",),
            (4, 18),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "One-to-one and group support for children after a death.",
        ),
        T(
            "Autism Family Support Group",
            "Disability support",
            ("Special educational needs and disability",),
            (None, None),
            ReferralRoute.SELF,
            "A monthly group for parents of autistic children.",
        ),
        T(
            "Youth Mentoring",
            "Training and employment",
            ("Education, employment and training", "Behaviour"),
            (13, 19),
            ReferralRoute.SELF_OR_PROFESSIONAL,
            "A volunteer mentor meets a young person every week.",
        ),
        T(
            "Holiday Activities and Food",
            "Youth club and activities",
            ("Money and debt", "Isolation"),
            (5, 16),
            ReferralRoute.SELF,
            "Free holiday activities with a healthy meal for children on free school meals.",
        ),
        T(
            "Anti-Bullying Peer Support",
            "Counselling",
            ("Bullying", "Emotional wellbeing"),
            (8, 16),
            ReferralRoute.SELF,
            "Trained peer mentors and an online chat for children being bullied.",
        ),
    ],
    AgencyKind.HUB: [
        T(
            "Multi-Agency Panel",
            "Family support",
            ("Family relationships", "School attendance", "Behaviour"),
            (0, 18),
            ReferralRoute.PANEL,
            "A weekly panel that agrees a lead professional and plan for families with several needs.",
        ),
        T(
            "ISA Information Line",
            "Family support",
            ("Family relationships",),
            (None, None),
            ReferralRoute.PROFESSIONAL,
            "Practitioners can call to find out who else is working with a family and how to refer.",
        ),
    ],
}

ORGANISATIONS: list[tuple[str, str, str | None]] = [
    # (name, kind, the demo agency of the same name, if any)
    ("Northbrook Multi-Agency Hub", AgencyKind.HUB, "Northbrook Multi-Agency Hub"),
    ("Northbrook Children's Social Care", AgencyKind.SOCIAL_CARE, "Northbrook Children's Social Care"),
    ("Northbrook Early Help Team", AgencyKind.SOCIAL_CARE, "Northbrook Early Help Team"),
    ("Riverside Primary School", AgencyKind.SCHOOL, "Riverside Primary School"),
    ("Northbrook Academy", AgencyKind.SCHOOL, "Northbrook Academy"),
    ("Northbrook Health Visiting Service", AgencyKind.HEALTH_VISITING, "Northbrook Health Visiting Service"),
    ("Elm Street Surgery", AgencyKind.GP, "Elm Street Surgery"),
    ("Northbrook CAMHS", AgencyKind.CAMHS, "Northbrook CAMHS"),
    ("Northbrook Police Safeguarding Unit", AgencyKind.POLICE, "Northbrook Police Safeguarding Unit"),
    ("Northbrook Youth Offending Team", AgencyKind.YOUTH_OFFENDING, "Northbrook Youth Offending Team"),
    ("Family Friends Northbrook", AgencyKind.VOLUNTARY, "Family Friends Northbrook"),
    ("Northbrook Education Welfare and SEND", AgencyKind.EDUCATION, None),
    ("Northbrook School Nursing Team", AgencyKind.SCHOOL_NURSING, None),
    ("Northbrook General Hospital", AgencyKind.HOSPITAL, None),
    ("Northbrook Sexual Health", AgencyKind.SEXUAL_HEALTH, None),
    ("Compass Young People's Service", AgencyKind.SUBSTANCE_MISUSE, None),
    ("Northbrook Housing Options", AgencyKind.HOUSING, None),
]
GENERATED_KINDS = [
    (AgencyKind.SCHOOL, ["{} Primary School", "{} High School", "St Anne's {} Junior School"]),
    (AgencyKind.EARLY_YEARS, ["{} Children's Centre", "{} Community Nursery"]),
    (AgencyKind.GP, ["{} Medical Centre", "{} Family Practice"]),
    (AgencyKind.YOUTH_SERVICE, ["{} Youth Centre", "{} Youth Project"]),
    (AgencyKind.HOUSING, ["{} Housing Association"]),
    (
        AgencyKind.VOLUNTARY,
        ["{} Family Action", "{} Community Trust", "Brighter Days {}", "{} Carers' Network", "{} Parents Together"],
    ),
]


def _id(*parts) -> uuid.UUID:
    return uuid.uuid5(DEMO, ":".join(str(p) for p in parts))


def demo_directory_present() -> bool:
    return Organization.objects.filter(pk=_id("org", 0)).exists()


def load_postcodes() -> int:
    if Postcode.objects.exists():
        return 0
    with POSTCODES_CSV.open(newline="") as handle:
        rows = [
            Postcode(postcode=r["postcode"], latitude=float(r["latitude"]), longitude=float(r["longitude"]), area=r["area"])
            for r in csv.DictReader(handle)
        ]
    Postcode.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def organisation_names(count: int, rng: random.Random) -> list[tuple[str, str, str | None]]:
    names = list(ORGANISATIONS[:count])
    used = {n for n, _, _ in names}
    index = 0
    while len(names) < count:
        kind, patterns = GENERATED_KINDS[index % len(GENERATED_KINDS)]
        place = PLACES[(index // len(GENERATED_KINDS)) % len(PLACES)]
        pattern = patterns[(index // (len(GENERATED_KINDS) * len(PLACES))) % len(patterns)]
        name = pattern.format(place)
        round_ = index // (len(GENERATED_KINDS) * len(PLACES) * len(patterns))
        if round_:
            name = f"{name} {round_ + 1}"
        if name not in used:
            used.add(name)
            names.append((name, kind, None))
        index += 1
    return names


@transaction.atomic
def generate_directory(*, organisations: int = 80, services: int = 320, seed: int = 2026, today: dt.date | None = None) -> dict:
    """Create the synthetic directory in bulk. Returns counts."""
    rng = random.Random(seed)  # noqa: S311 # nosec B311 # synthetic demo data, not security
    today = today or timezone.localdate()
    load_postcodes()
    vocab = ensure_vocabularies()
    postcodes = list(Postcode.objects.order_by("postcode").values_list("postcode", "latitude", "longitude", "area"))
    agencies = {a.name: a for a in Agency.objects.all()}
    orgs, roles, locations, addresses, access, phones = [], [], [], [], [], []
    org_locations: dict[uuid.UUID, list[tuple[Location, str]]] = {}
    for i, (name, kind, agency_name) in enumerate(organisation_names(organisations, rng)):
        slug = "".join(c for c in name.lower() if c.isalnum())[:30]
        # Nine in ten have agreed to keep their entries current; the rest are not listed yet.
        agreed = i < len(ORGANISATIONS) or rng.random() < 0.9
        org = Organization(
            id=_id("org", i),
            name=name,
            kind=kind,
            description=f"{name} works with children, young people and families in Northbrook.",
            email=f"enquiries@{slug}.example",
            website=f"https://www.{slug}.example/",
            agency=agencies.get(agency_name or ""),
            mission_statement=f"{name} helps every child in Northbrook to be healthy, safe and to achieve.",
            remit=f"{AgencyKind(kind).label}: {TEMPLATES[kind][0].description}",
            consent_procedure="We ask the family's consent before sharing, unless a child is at risk of significant harm.",
            agreed_to_keep_current_on=today - dt.timedelta(days=rng.randint(30, 700)) if agreed else None,
            agreed_by="Service manager" if agreed else "",
        )
        orgs.append(org)
        roles.append(
            WhosWhoRole(
                id=_id("role", i, 0),
                organization=org,
                title="Duty manager",
                responsibilities="First contact for practitioners and referrals.",
                phone=f"01632 96{i:04d}"[:12],
                email=f"duty@{slug}.example",
            )
        )
        roles.append(
            WhosWhoRole(
                id=_id("role", i, 1),
                organization=org,
                title="Safeguarding lead",
                responsibilities="Advice on safeguarding concerns.",
                email=f"safeguarding@{slug}.example",
            )
        )
        org_locations[org.id] = []
        for j in range(1 + (i % 3 == 0)):
            pc, lat, lon, area = postcodes[rng.randrange(len(postcodes))]
            location = Location(
                id=_id("loc", i, j),
                organization=org,
                name=f"{name}, {area}" if j else name,
                description=f"Our base in {area}.",
                latitude=lat,
                longitude=lon,
                directions=f"Buses {rng.randint(1, 40)} and {rng.randint(41, 90)} stop outside. "
                f"{area} station is a {rng.randint(3, 15)} minute walk.",
            )
            locations.append(location)
            org_locations[org.id].append((location, pc))
            addresses.append(
                Address(
                    id=_id("addr", i, j),
                    location=location,
                    address_1=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                    city=area,
                    state_province="Northbrook",
                    postal_code=pc,
                    country="GB",
                )
            )
            access.append(Accessibility(id=_id("acc", i, j), location=location, description=rng.choice(ACCESS)))
            phones.append(
                Phone(
                    id=_id("locphone", i, j), location=location, number=f"01632 97{(i * 3 + j):04d}"[:12], description="Reception"
                )
            )
    Organization.objects.bulk_create(orgs, batch_size=500)
    WhosWhoRole.objects.bulk_create(roles, batch_size=500)
    Location.objects.bulk_create(locations, batch_size=500)
    Address.objects.bulk_create(addresses, batch_size=500)
    Accessibility.objects.bulk_create(access, batch_size=500)
    Phone.objects.bulk_create(phones, batch_size=500)

    made = dict.fromkeys(["services", "attributes", "sal", "schedules", "costs", "languages", "contacts", "phones", "areas"], 0)
    batch: dict[str, list] = {k: [] for k in made}
    for n in range(services):
        org = orgs[n % len(orgs)]
        templates = TEMPLATES[org.kind]
        template = templates[(n // len(orgs)) % len(templates)]
        location, postcode = org_locations[org.id][n % len(org_locations[org.id])]
        repeat = n // (len(orgs) * len(templates))
        name = template.name if template.name.startswith(org.name.split()[0]) else f"{template.name} – {org.name}"
        if repeat:
            name = f"{name} ({PLACES[repeat % len(PLACES)]})"
        verified_days = rng.choice([10, 40, 90, 150, 200, 260, 400]) + rng.randint(0, 20)
        status = ServiceStatus.TEMPORARILY_CLOSED if rng.random() < 0.02 else ServiceStatus.ACTIVE
        service = Service(
            id=_id("svc", n),
            organization=org,
            name=name,
            status=status,
            description=f"{template.description} Run by {org.name}.",
            url=f"{org.website}services/{n}",
            email=org.email,
            minimum_age=template.ages[0],
            maximum_age=template.ages[1],
            referral_route=template.route,
            how_to_refer=_how_to_refer(template.route, org),
            referral_thresholds="For families who need more than universal services; no threshold for advice."
            if template.route != ReferralRoute.SELF
            else "",
            eligibility_description=_eligibility(template.ages),
            fees="Free" if template.cost is None else f"£{template.cost} a session",
            last_verified_on=today - dt.timedelta(days=verified_days),
            last_verified_by="Directory officer",
            alert="This service is closed for refurbishment until further notice." if status != ServiceStatus.ACTIVE else "",
        )
        batch["services"].append(service)
        wanted = [vocab["service_type"][template.service_type]]
        wanted += [vocab["need"][need] for need in template.needs if need in vocab["need"]]
        dimensions = {d for need in template.needs if need in NEEDS for d in NEEDS[need][1]}
        wanted += [vocab["assessment_framework"][d] for d in sorted(dimensions)]
        for k, term in enumerate(wanted):
            batch["attributes"].append(ServiceAttribute(id=_id("attr", n, k), service=service, taxonomy_term=term))
        sal = ServiceAtLocation(id=_id("sal", n), service=service, location=location)
        batch["sal"].append(sal)
        opens = dt.time(rng.choice([8, 9, 10, 13, 16]), rng.choice([0, 30]))
        closes = dt.time(min(opens.hour + rng.choice([2, 3, 4, 8]), 21), opens.minute)
        batch["schedules"].append(
            Schedule(
                id=_id("sch", n),
                service_at_location=sal,
                freq=Frequency.WEEKLY,
                interval=1,
                byday=rng.choice(DAYS),
                opens_at=opens,
                closes_at=closes,
                description="Closed on bank holidays.",
            )
        )
        if template.cost is not None:
            batch["costs"].append(
                CostOption(
                    id=_id("cost", n),
                    service=service,
                    option="Per session",
                    amount=template.cost,
                    amount_description="Ask about reduced prices.",
                )
            )
        batch["languages"].append(Language(id=_id("lang", n, 0), service=service, name="English", code="en"))
        for k, (lang, code) in enumerate(rng.sample(LANGUAGES, rng.choice([0, 0, 1, 2]))):
            batch["languages"].append(
                Language(id=_id("lang", n, k + 1), service=service, name=lang, code=code, note="Staff speak it")
            )
        contact = Contact(id=_id("contact", n), service=service, title="Referrals co-ordinator", email=org.email)
        batch["contacts"].append(contact)
        batch["phones"].append(
            Phone(
                id=_id("phone", n),
                service=service,
                contact=contact,
                number=f"01632 98{n % 10000:04d}",
                description="Referrals and enquiries",
            )
        )
        batch["areas"].append(
            ServiceArea(
                id=_id("area", n),
                service=service,
                name="Northbrook" if n % 4 else postcode.split()[0],
                description="The whole borough of Northbrook." if n % 4 else f"Families living in {postcode.split()[0]}.",
            )
        )
    models_for = {
        "services": Service,
        "attributes": ServiceAttribute,
        "sal": ServiceAtLocation,
        "schedules": Schedule,
        "costs": CostOption,
        "languages": Language,
        "contacts": Contact,
        "phones": Phone,
        "areas": ServiceArea,
    }
    for key, model in models_for.items():
        model.objects.bulk_create(batch[key], batch_size=500)
        made[key] = len(batch[key])
    index_services([s.pk for s in batch["services"]])
    return {"organisations": len(orgs), **made}


def _how_to_refer(route: str, org: Organization) -> str:
    if route == ReferralRoute.SELF:
        return f"Phone or e-mail {org.name}, or just come along."
    if route == ReferralRoute.PANEL:
        return "A practitioner sends a referral with a completed common assessment to the panel co-ordinator."
    if route == ReferralRoute.PROFESSIONAL:
        return "A practitioner phones the duty line and follows up with a referral form, with the family's consent."
    return f"Families can phone {org.name} themselves; practitioners can refer with the family's consent."


def _eligibility(ages: tuple[int | None, int | None]) -> str:
    low, high = ages
    if low is None and high is None:
        return "Anyone living in Northbrook."
    if high is None:
        return f"People aged {low} and over living in Northbrook."
    return f"Children and young people aged {low or 0} to {high} living in Northbrook, and their families."


GLOSSARY: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Lead professional",
        "The one practitioner who co-ordinates the help a child and family get, and is their main contact.",
        [
            ("key worker", AgencyKind.HEALTH_VISITING),
            ("key contact", AgencyKind.SCHOOL),
            ("support co-ordinator", AgencyKind.EDUCATION),
            ("main contact", AgencyKind.VOLUNTARY),
        ],
    ),
    (
        "Common assessment",
        "A shared way of writing down a child's needs and strengths, with the family, so they tell their story once.",
        [("CAF", AgencyKind.SOCIAL_CARE), ("early help assessment", AgencyKind.HUB)],
    ),
    (
        "Team around the child",
        "The practitioners working with one child, meeting with the family to agree a plan.",
        [("TAC", AgencyKind.SCHOOL), ("team around the family", AgencyKind.SOCIAL_CARE)],
    ),
    (
        "Referral",
        "Asking another service to help a child or family, usually with the family's agreement.",
        [("signposting", AgencyKind.VOLUNTARY)],
    ),
    (
        "Self-referral",
        "Contacting a service yourself, without a professional asking on your behalf.",
        [("drop-in", AgencyKind.YOUTH_SERVICE)],
    ),
    (
        "Safeguarding",
        "Protecting children from harm and making sure they grow up safely.",
        [("child protection", AgencyKind.POLICE)],
    ),
    (
        "Special educational needs",
        "When a child needs extra help to learn compared with others of the same age.",
        [("SEND", AgencyKind.EDUCATION), ("additional needs", AgencyKind.EARLY_YEARS)],
    ),
    ("Consent", "Agreeing, knowing what it means, to information about you being shared or to a service helping you.", []),
    (
        "Threshold",
        "The level of need at which a service will accept a referral.",
        [("eligibility criteria", AgencyKind.SOCIAL_CARE)],
    ),
    (
        "Early help",
        "Support given as soon as a problem appears, before it becomes serious.",
        [("targeted support", AgencyKind.YOUTH_SERVICE)],
    ),
    (
        "Young carer",
        "A child or young person who looks after someone in their family who is ill, disabled or misuses drugs or alcohol.",
        [],
    ),
    (
        "CAMHS",
        "Child and Adolescent Mental Health Services: the NHS's specialist mental health services for children.",
        [("mental health team", AgencyKind.SCHOOL)],
    ),
]


def seed_glossary() -> int:
    made = 0
    from django.utils.text import slugify

    for term, meaning, aliases in GLOSSARY:
        entry, created = GlossaryTerm.objects.get_or_create(term=term, defaults={"slug": slugify(term), "meaning": meaning})
        made += created
        for word, kind in aliases:
            GlossaryAlias.objects.get_or_create(word=word, defaults={"term": entry, "used_by": kind})
    return made


def seed_directory(*, stdout, users: dict | None = None) -> None:
    seed_glossary()
    if demo_directory_present():
        stdout.write("The demo directory is already there: nothing to add.")
    else:
        counts = generate_directory()
        stdout.write(f"Demo directory: {counts['organisations']} organisations, {counts['services']} services.")
    officer = (users or {}).get("central1")
    if officer is not None:
        DirectoryOfficer.objects.get_or_create(user=officer, defaults={"appointed_on": timezone.localdate()})
