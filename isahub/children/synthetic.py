"""Synthetic children for testing and benchmarking the matcher, and a model of how practitioners
get their details wrong. Every name and child here is made up. Deterministic for a given seed.

`generate_children(n, seed)` builds households with realistic structure: siblings share a surname
and postcode, twins share a date of birth, about 10% of children have a previous surname or an
alias, about 30% a previous postcode, about 5% a double-barrelled surname, some accented or
apostrophe names. Surnames follow national frequencies for the 500 commonest (Faker's en_GB table,
about 40% of people) with a long synthetic tail; postcodes have a realistic density (about 6 children
a postcode, 950 a sector, 3,800 a district), so keys on postcodes are as broad here as nationally.

`corrupt(record, rng)` returns the query a practitioner might type for that child: one of the two
minimum shapes (surname + date of birth, or surname + forename + postcode), with 0 to 2 slips or
differences (typos, phonetic spellings, short forms, swapped names or day/month, a digit wrong, an
old postcode, an alias or previous name, a new surname) and harmless noise (case, spacing, accents).

Pure Python (random.Random only); Faker's en_GB data is read once for name and area lists.
About 1,000,000 children in 15 to 30 seconds.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import itertools
import random
from dataclasses import dataclass

from .matching import _CURATED_GROUPS, ChildRecord, NameRecord, Query, normalise_name

REFERENCE_DATE = datetime.date(2026, 1, 1)  # "today" for the synthetic population (ages 0 to 17)
AGE_SPAN_DAYS = int(18 * 365.25)

# Forenames common among UK children (rough rank order), with Faker's adult names as a tail.
_GIRLS = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Lily",
    "Freya",
    "Ivy",
    "Florence",
    "Willow",
    "Mia",
    "Isabella",
    "Sophia",
    "Grace",
    "Evie",
    "Poppy",
    "Ella",
    "Rosie",
    "Sophie",
    "Daisy",
    "Emily",
    "Charlotte",
    "Sienna",
    "Elsie",
    "Isabelle",
    "Harper",
    "Evelyn",
    "Matilda",
    "Ruby",
    "Alice",
    "Phoebe",
    "Maya",
    "Millie",
    "Ellie",
    "Aurora",
    "Hallie",
    "Layla",
    "Esme",
    "Emilia",
    "Maisie",
    "Eva",
    "Bonnie",
    "Luna",
    "Arabella",
    "Elizabeth",
    "Hannah",
    "Jessica",
    "Chloe",
    "Megan",
    "Holly",
    "Amber",
    "Lucy",
    "Zara",
    "Aisha",
    "Fatima",
    "Maryam",
    "Zainab",
    "Amira",
    "Aaliyah",
    "Hafsa",
    "Nur",
    "Khadija",
    "Imogen",
    "Harriet",
    "Lola",
    "Penelope",
    "Georgia",
    "Eleanor",
    "Annabelle",
    "Orla",
    "Niamh",
    "Aoife",
    "Erin",
    "Katie",
    "Lacey",
    "Scarlett",
    "Violet",
    "Iris",
    "Edith",
    "Margot",
    "Thea",
    "Beatrice",
    "Clara",
    "Abigail",
    "Rebecca",
    "Victoria",
    "Natalie",
    "Jasmine",
    "Samantha",
    "Alexandra",
    "Katherine",
    "Catherine",
    "Kathryn",
    "Mary",
    "Anna",
    "Molly",
]
_BOYS = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Muhammad",
    "Leo",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Theodore",
    "Freddie",
    "Jack",
    "Charlie",
    "Theo",
    "Alfie",
    "Jacob",
    "Thomas",
    "Finley",
    "Arlo",
    "William",
    "Lucas",
    "Roman",
    "Tommy",
    "Isaac",
    "Teddy",
    "Edward",
    "Joshua",
    "James",
    "Alexander",
    "Max",
    "Hugo",
    "Albie",
    "Reggie",
    "Elijah",
    "Ronnie",
    "Louie",
    "Ezra",
    "Mason",
    "Jude",
    "Hunter",
    "Ethan",
    "Samuel",
    "Reuben",
    "Rory",
    "Ralph",
    "Benjamin",
    "Daniel",
    "Joseph",
    "Harrison",
    "Dylan",
    "Jaxon",
    "Riley",
    "Toby",
    "Sebastian",
    "Frederick",
    "Alfred",
    "Ibrahim",
    "Yusuf",
    "Hamza",
    "Omar",
    "Ali",
    "Musa",
    "Zayn",
    "Adam",
    "Ayaan",
    "Mohammed",
    "Mohammad",
    "Callum",
    "Connor",
    "Kian",
    "Liam",
    "Ryan",
    "Nathan",
    "Matthew",
    "Michael",
    "Christopher",
    "Jonathan",
    "John",
    "Robert",
    "David",
    "Luke",
    "Owen",
    "Jamie",
    "Harvey",
    "Lewis",
    "Louis",
    "Aaron",
    "Tyler",
    "Kai",
    "Caleb",
    "Finn",
    "Felix",
    "Stanley",
    "Jesse",
    "Jenson",
    "Nicholas",
    "Anthony",
]
_ACCENTED_GIRLS = (
    "Zoë",
    "Chloé",
    "Anaïs",
    "Renée",
    "Élodie",
    "Léa",
    "Inès",
    "Maëlle",
    "Noémie",
    "Siobhán",
    "Róisín",
    "Zofia",
    "Aurélie",
)
_ACCENTED_BOYS = (
    "José",
    "Andrés",
    "Jesús",
    "Seán",
    "Ciarán",
    "Oisín",
    "Eóin",
    "Björn",
    "Søren",
    "Łukasz",
    "Noël",
    "Maël",
    "Rónán",
)
_HYPHEN_GIRLS = ("Lily-Rose", "Mary-Jane", "Ella-Rose", "Lacey-Mae", "Ruby-Leigh", "Evie-Mae", "Amelia-Rose")
_HYPHEN_BOYS = ("Jean-Luc", "Jay-Jay", "Tommy-Lee", "Alfie-James", "Leo-James")
_MIDDLES_GIRLS = ("Rose", "Grace", "May", "Louise", "Jane", "Elizabeth", "Anne", "Mae", "Lily", "Marie")
_MIDDLES_BOYS = ("James", "John", "Thomas", "William", "Edward", "Lee", "Jack", "David", "George", "Alexander")

# Surnames to add to Faker's en_GB table (where it lacks them), with rough shares of the population in percent.
_OTHER_SURNAMES = {
    "Patel": 0.2, "Khan": 0.2, "Singh": 0.15, "Ahmed": 0.12, "Ali": 0.12, "Hussain": 0.12, "Begum": 0.1,
    "Kaur": 0.08, "Shah": 0.06, "Rahman": 0.06, "Islam": 0.05, "Akhtar": 0.04, "Iqbal": 0.04, "Malik": 0.04,
    "Mahmood": 0.03, "Chowdhury": 0.03, "Uddin": 0.03, "Sharma": 0.03, "Nowak": 0.03, "Kowalski": 0.02,
    "Wiśniewski": 0.01, "Wójcik": 0.01, "Okafor": 0.02, "Adeyemi": 0.02, "Mensah": 0.02, "Osei": 0.02,
    "Boateng": 0.02, "Adebayo": 0.02, "Nguyen": 0.02, "Chen": 0.02, "Wang": 0.02, "Li": 0.02, "Silva": 0.02,
    "Santos": 0.02, "Ferreira": 0.01, "Popescu": 0.01, "García": 0.01, "Rodríguez": 0.01, "Fernández": 0.01,
    "Müller": 0.01, "Schmidt": 0.01, "Jäger": 0.005, "Nuñez": 0.005, "Søndergaard": 0.003, "Brontë": 0.002,
    "O'Brien": 0.04, "O'Connor": 0.04, "O'Neill": 0.04, "O'Sullivan": 0.03, "O'Reilly": 0.02, "O'Donnell": 0.02,
    "D'Souza": 0.01, "D'Arcy": 0.005, "McDonald": 0.05, "MacDonald": 0.04, "McCarthy": 0.03, "MacLeod": 0.02,
    "McKenzie": 0.03, "De Souza": 0.005, "Van der Berg": 0.003, "Da Silva": 0.005, "Le Roux": 0.002, "St John": 0.003,
}  # fmt: skip
_TAIL_SHARE = 0.55  # the rest of the population: rare surnames
_TAIL_HEADS = [
    "Ash",
    "Black",
    "Brad",
    "Bram",
    "Brock",
    "Carl",
    "Chad",
    "Cliff",
    "Cole",
    "Crom",
    "Dal",
    "Dar",
    "Dun",
    "Elm",
    "Fair",
    "Farn",
    "Fen",
    "Gar",
    "Glad",
    "Gold",
    "Green",
    "Hal",
    "Ham",
    "Hart",
    "Hay",
    "Hol",
    "Horn",
    "Hud",
    "Kel",
    "Ken",
    "Kings",
    "Lang",
    "Lath",
    "Lid",
    "Lock",
    "Mar",
    "Mel",
    "Mid",
    "Mor",
    "Nor",
    "Oak",
    "Pad",
    "Pen",
    "Rad",
    "Ram",
    "Red",
    "Rod",
    "Roth",
    "Sal",
    "Sand",
    "Shel",
    "Sher",
    "Stan",
    "Stock",
    "Stain",
    "Sum",
    "Sut",
    "Tal",
    "Thorn",
    "Tre",
    "Wal",
    "War",
    "Wat",
    "Wed",
    "Wen",
    "West",
    "Whit",
    "Wick",
    "Win",
    "Wol",
    "Wyn",
    "Yar",
    "Ather",
    "Bel",
    "Bur",
    "Cal",
    "Dray",
    "Fell",
    "Grim",
    "Hack",
    "Lan",
    "Mal",
    "Pres",
    "Sef",
    "Tam",
    "Ull",
    "Ven",
    "Brack",
    "Cran",
    "Dew",
    "Eg",
    "Fos",
    "Gow",
]
_TAIL_MIDDLES = ("", "", "", "er", "ing", "le", "ow", "en", "is", "an")
_TAIL_ENDS = [
    "ley",
    "ton",
    "wood",
    "field",
    "worth",
    "by",
    "ham",
    "ford",
    "well",
    "more",
    "ridge",
    "shaw",
    "stone",
    "croft",
    "hurst",
    "man",
    "son",
    "combe",
    "dale",
    "bury",
    "wick",
    "land",
    "den",
    "don",
    "ing",
    "er",
    "ell",
    "itt",
    "low",
    "mere",
    "ock",
    "sey",
    "thorpe",
    "wright",
    "ney",
    "brook",
    "cott",
    "ington",
    "ard",
    "ick",
]
# A tail of made-up forenames (real names are spread over thousands of rare ones).
_GIRL_HEADS = "Ama Bel Cal Dar Ela Fay Gia Ila Jes Kay Lei Mai Nai Ori Pey Rai Sel Tay Vie Wyn Yas Zel Ari Bry Cor Dal Emi Han Kia Lor Mar Nel Ros Sia Tam"
_GIRL_ENDS = "na ra lia nia lyn ette ina isha elle ya ley anne ah iah issa ene ora"
_BOY_HEADS = "Ar Bra Cal Dar El Fin Gar Hal Jar Kay Lor Mal Nor Or Ray Sol Tor Val Wes Zan Bro Cor Dex Ed Kel Lan Mar Ros Tam Ty"
_BOY_ENDS = "an en on ius el ias ley ton den ric var ick in o iel us ard"
_FALLBACK_AREAS = ("AB", "B", "BD", "BS", "CF", "DE", "G", "HU", "L", "LE", "LS", "M", "NE", "NG", "S", "SE", "SW", "YO")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class _Pools:
    girls: tuple[str, ...]
    girls_cum: tuple[float, ...]
    boys: tuple[str, ...]
    boys_cum: tuple[float, ...]
    surnames: tuple[str, ...]
    surnames_cum: tuple[float, ...]
    areas: tuple[str, ...]
    short_forms: dict[str, tuple[str, ...]]


def _made_up(heads: str, ends: str) -> list[str]:
    return [(head + end).capitalize() for head in heads.split() for end in ends.split()]


def _zipf(names: list[str], exponent: float = 0.9) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(len(names))]


def _cumulative(weights: list[float]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


@functools.cache
def _pools() -> _Pools:
    """Name and area lists (the same for every seed; the seed drives sampling)."""
    from faker import Faker

    fake = Faker("en_GB")
    person = fake.provider("faker.providers.person")
    address = fake.provider("faker.providers.address")
    faker_surnames: dict[str, float] = dict(person.last_names)
    faker_girls = [n for n in person.first_names_female if n not in _GIRLS]
    faker_boys = [n for n in person.first_names_male if n not in _BOYS]

    def forenames(main: list[str], accented: tuple[str, ...], hyphened: tuple[str, ...], older: list[str], made_up: list[str]):
        # The common names take 45% (the commonest about 2% of the sex, as in England and Wales);
        # the rest is a long tail of rarer names.
        names = list(main)
        weights = [w * 0.45 / sum(_zipf(main, 0.5)) for w in _zipf(main, 0.5)]
        for group, share in ((accented, 0.02), (hyphened, 0.03), (older, 0.10), (made_up, 0.40)):
            group = [n for n in dict.fromkeys(group) if n not in names]
            names.extend(group)
            weights.extend([share / len(group)] * len(group))
        return tuple(names), _cumulative(weights)

    girls, girls_cum = forenames(_GIRLS, _ACCENTED_GIRLS, _HYPHEN_GIRLS, faker_girls, _made_up(_GIRL_HEADS, _GIRL_ENDS))
    boys, boys_cum = forenames(_BOYS, _ACCENTED_BOYS, _HYPHEN_BOYS, faker_boys, _made_up(_BOY_HEADS, _BOY_ENDS))

    rng = random.Random(20260101)  # the synthetic tail is fixed, whatever the seed
    tail = set()
    known = {normalise_name(n) for n in itertools.chain(faker_surnames, _OTHER_SURNAMES)}
    for head in _TAIL_HEADS:
        for middle in _TAIL_MIDDLES:
            for end in _TAIL_ENDS:
                if rng.random() < 0.6:
                    name = (head + middle + end).capitalize()
                    if normalise_name(name) not in known:
                        tail.add(name)
    tail_names = sorted(tail)
    others = {name: share for name, share in _OTHER_SURNAMES.items() if name not in faker_surnames}
    surnames = list(faker_surnames) + list(others) + tail_names
    weights = list(faker_surnames.values()) + list(others.values())
    named = sum(weights)
    weights += [_TAIL_SHARE * named / (1 - _TAIL_SHARE) / len(tail_names)] * len(tail_names)

    areas = tuple(a for a in getattr(address, "POSTAL_ZONES", _FALLBACK_AREAS) if a.isalpha() and len(a) <= 2)
    # What a practitioner might type instead: a full name's short forms; a short form's full name,
    # or (when the short form belongs to one name only) another short form of it (Katie for Kate).
    groups_of: dict[str, int] = {}
    for group in _CURATED_GROUPS:
        for name in group:
            groups_of[name] = groups_of.get(name, 0) + 1
    short_forms: dict[str, list[str]] = {}
    for group in _CURATED_GROUPS:
        full, *others = group
        short_forms.setdefault(full, []).extend(others)
        for name in others:
            short_forms.setdefault(name, []).append(full)
            if groups_of[name] == 1:
                short_forms[name].extend(n for n in others if n != name)
    return _Pools(
        girls=girls,
        girls_cum=girls_cum,
        boys=boys,
        boys_cum=boys_cum,
        surnames=tuple(surnames),
        surnames_cum=_cumulative(weights),
        areas=areas or _FALLBACK_AREAS,
        short_forms={k: tuple(dict.fromkeys(v)) for k, v in short_forms.items()},
    )


def _pick(rng: random.Random, names: tuple[str, ...], cum: tuple[float, ...]) -> str:
    return names[bisect.bisect(cum, rng.random() * cum[-1])]


class _Geography:
    """Districts of four sectors, each of 150 unit postcodes; sized so densities match the country."""

    def __init__(self, n: int, rng: random.Random, areas: tuple[str, ...]) -> None:
        self.rng = rng
        self.areas = areas
        self.districts: list[str] = []
        seen = set()
        while len(self.districts) < max(2, round(n / 3800)):
            district = f"{rng.choice(areas)}{rng.randint(1, 40)}"
            if district not in seen:
                seen.add(district)
                self.districts.append(district)
        self.units: dict[str, list[str]] = {}
        for district in self.districts:
            units = []
            for digit in rng.sample("0123456789", 4):
                letters = set()
                while len(letters) < 150:
                    letters.add(rng.choice(_INWARD_LETTERS) + rng.choice(_INWARD_LETTERS))
                units.extend(f"{district} {digit}{pair}" for pair in sorted(letters))
            self.units[district] = units

    def anywhere(self) -> str:
        return self.rng.choice(self.units[self.rng.choice(self.districts)])

    def near(self, postcode: str) -> str:
        return self.rng.choice(self.units[postcode.split(" ")[0]])

    def far(self) -> str:
        """An address outside the synthetic area (the family moved in)."""
        rng = self.rng
        return f"{rng.choice(self.areas)}{rng.randint(41, 99)} {rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"


def _double_barrel(rng: random.Random, pools: _Pools, first: str) -> str:
    second = _pick(rng, pools.surnames, pools.surnames_cum)
    while second == first:
        second = _pick(rng, pools.surnames, pools.surnames_cum)
    return f"{first}-{second}" if rng.random() < 0.85 else f"{first} {second}"


def _forename(rng: random.Random, pools: _Pools, sex: str, taken: set[str]) -> str:
    female = sex == "female" or (sex not in ("female", "male") and rng.random() < 0.5)
    names, cum = (pools.girls, pools.girls_cum) if female else (pools.boys, pools.boys_cum)
    for _ in range(8):
        name = _pick(rng, names, cum)
        if name not in taken:
            break
    if rng.random() < 0.2:
        middles = _MIDDLES_GIRLS if female else _MIDDLES_BOYS
        name = f"{name} {rng.choice(middles)}"
    return name


def _sex(rng: random.Random) -> str:
    roll = rng.random()
    return "female" if roll < 0.485 else "male" if roll < 0.97 else "unknown" if roll < 0.995 else "other"


def generate_children(n: int, seed: int) -> list[ChildRecord]:
    """`n` synthetic children in households, deterministic for the seed. names[0] is the legal name;
    postcodes[0] the current postcode."""
    rng = random.Random(seed)
    pools = _pools()
    geography = _Geography(n, rng, pools.areas)
    children: list[ChildRecord] = []
    while len(children) < n:
        surname = _pick(rng, pools.surnames, pools.surnames_cum)
        if rng.random() < 0.05:
            surname = _double_barrel(rng, pools, surname)
        home = geography.anywhere()
        history = [home]
        if rng.random() < 0.3:
            roll = rng.random()
            history.append(geography.near(home) if roll < 0.6 else geography.anywhere() if roll < 0.85 else geography.far())
        size = rng.choices((1, 2, 3, 4, 5), weights=(45, 35, 13, 5, 2))[0]
        age = rng.randrange(AGE_SPAN_DAYS)
        taken: set[str] = set()
        twin_next = False
        for _ in range(size):
            if len(children) >= n:
                break
            if taken and not twin_next:  # the next sibling, one to five years older or younger
                gap = rng.randint(330, 1800)
                options = [a for a in (age - gap, age + gap) if 0 <= a < AGE_SPAN_DAYS]
                age = rng.choice(options) if options else rng.randrange(AGE_SPAN_DAYS)
            twin_next = rng.random() < 0.015
            dob = REFERENCE_DATE - datetime.timedelta(days=age + 1)
            sex = _sex(rng)
            given = _forename(rng, pools, sex, taken)
            taken.add(given.split(" ")[0])
            names = [NameRecord(given=given, family=surname)]
            roll = rng.random()
            if roll < 0.06:  # an earlier surname (a parent's, before a change)
                names.append(NameRecord(given=given, family=_pick(rng, pools.surnames, pools.surnames_cum)))
            elif roll < 0.10:  # an alias: a known-as forename, or another surname used at school
                short = pools.short_forms.get(normalise_name(given.split(" ")[0]))
                if short and rng.random() < 0.7:
                    names.append(NameRecord(given=rng.choice(short).capitalize(), family=surname))
                else:
                    names.append(NameRecord(given=given, family=_pick(rng, pools.surnames, pools.surnames_cum)))
            postcodes = list(history)
            if rng.random() < 0.03:  # this child alone lived elsewhere (kinship care, foster care)
                postcodes.append(geography.anywhere())
            children.append(
                ChildRecord(names=tuple(names), date_of_birth=dob, sex=sex, postcodes=tuple(dict.fromkeys(postcodes)))
            )
    return children


# --------------------------------------------------------------------------------------------
# The corruption model

_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_KEYBOARD):
    for _c, _ch in enumerate(_row):
        near = [_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_KEYBOARD):
                near += [_KEYBOARD[_other][i] for i in (_c - 1, _c, _c + 1) if 0 <= i < len(_KEYBOARD[_other])]
        _NEIGHBOURS[_ch] = "".join(near)

# Spellings that sound the same (pattern, replacement); one that applies is chosen at random.
_SPELLINGS = (
    ("mps", "ms"), ("ms", "mps"), ("ph", "f"), ("th", "t"), ("y", "i"), ("i", "y"), ("ey", "y"), ("ie", "y"),
    ("ll", "l"), ("tt", "t"), ("nn", "n"), ("ss", "s"), ("rr", "r"), ("ck", "k"), ("ks", "x"), ("son", "sen"),
    ("ei", "ie"), ("ou", "ow"), ("mac", "mc"), ("mc", "mac"), ("ai", "ay"), ("ee", "ea"), ("c", "k"), ("z", "s"),
)  # fmt: skip


def _typo(text: str, rng: random.Random) -> str:
    """One typing slip: a neighbouring key, a doubled or extra letter, a dropped letter, two letters swapped."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    # slips at the first letter are rarer than elsewhere
    pos = letters[0] if rng.random() < 0.05 else rng.choice(letters[1:])
    ch = text[pos]
    lower = ch.lower()
    kind = rng.choices(("substitute", "insert", "delete", "transpose"), weights=(35, 20, 20, 25))[0]
    if kind == "substitute":
        new = rng.choice(_NEIGHBOURS.get(lower, "aeiou")) if rng.random() < 0.75 else rng.choice("abcdefghijklmnopqrstuvwxyz")
        new = new.upper() if ch.isupper() else new
        return text[:pos] + new + text[pos + 1 :]
    if kind == "insert":
        new = ch if rng.random() < 0.5 else rng.choice(_NEIGHBOURS.get(lower, "e"))
        return text[:pos] + new + text[pos:]
    if kind == "delete" and len(letters) > 3:
        return text[:pos] + text[pos + 1 :]
    nxt = pos + 1 if pos + 1 < len(text) and text[pos + 1].isalpha() else pos - 1
    if nxt < 0 or not text[nxt].isalpha() or text[nxt].lower() == lower:
        return text[:pos] + (rng.choice(_NEIGHBOURS.get(lower, "e"))) + text[pos + 1 :]
    a, b = sorted((pos, nxt))
    swapped = text[b].lower() if a == 0 else text[b]
    first = swapped.upper() if text[a].isupper() else swapped
    second = text[a].lower() if a == 0 else text[a]
    return text[:a] + first + second + text[b + 1 :]


def _respell(text: str, rng: random.Random) -> str | None:
    lower = text.lower()
    options = [(p, r) for p, r in _SPELLINGS if p in lower[1:] or (p in ("mac", "mc") and lower.startswith(p))]
    if lower.endswith("e") and len(lower) > 4:
        options.append(("e$", ""))
    elif lower[-1:] in "kn" and len(lower) > 3:
        options.append(("$", "e"))
    if not options:
        return None
    pattern, replacement = rng.choice(options)
    if pattern == "e$":
        result = lower[:-1]
    elif pattern == "$":
        result = lower + "e"
    else:
        start = lower.find(pattern, 0 if pattern in ("mac", "mc") else 1)
        result = lower[:start] + replacement + lower[start + len(pattern) :]
    return result.capitalize() if text[:1].isupper() else result


def _slip_date(d: datetime.date, rng: random.Random) -> datetime.date | None:
    text = f"{d.year:04d}{d.month:02d}{d.day:02d}"
    for _ in range(30):
        pos = rng.choice((2, 3, 3, 4, 5, 5, 6, 7, 7, 7))
        digit = rng.choice([c for c in "0123456789" if c != text[pos]])
        new = text[:pos] + digit + text[pos + 1 :]
        try:
            other = datetime.date(int(new[:4]), int(new[4:6]), int(new[6:]))
        except ValueError:
            continue
        if other <= REFERENCE_DATE and abs(other.year - d.year) <= 10:
            return other
    return None


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _noise(text: str, rng: random.Random) -> str:
    """How the same name gets typed differently without being wrong."""
    roll = rng.random()
    if roll < 0.15:
        text = text.upper()
    elif roll < 0.25:
        text = text.lower()
    if not text.isascii() and rng.random() < 0.6:
        text = _strip_accents(text)
    if "'" in text and rng.random() < 0.5:
        text = text.replace("'", "" if rng.random() < 0.5 else " ")
    if "-" in text and rng.random() < 0.3:
        text = text.replace("-", " ")
    if rng.random() < 0.05:
        text = f" {text}  "
    return text


def _postcode_noise(postcode: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        postcode = postcode.replace(" ", "")
    if rng.random() < 0.3:
        postcode = postcode.lower()
    return postcode


# Corruptions with relative frequencies (among queries that have one).
_CORRUPTIONS = {
    "surname typo": 16, "surname two typos": 3, "surname spelling": 7, "forename typo": 9, "short form": 9,
    "one part of double surname": 5, "names swapped": 4, "day and month swapped": 5, "date one digit out": 9,
    "old postcode": 6, "moved, new postcode": 3, "new surname": 3,
}  # fmt: skip


_CLASHES = {
    "names swapped": ("new surname",),
    # a new surname leaves one name to go on: nothing else is changed with it
    "new surname": tuple(k for k in _CORRUPTIONS if k != "new surname"),
    "day and month swapped": ("date one digit out",),
    "date one digit out": ("day and month swapped",),
    "old postcode": ("moved, new postcode",),
    "moved, new postcode": ("old postcode",),
    "short form": ("forename typo",),
    "forename typo": ("short form",),
    "surname two typos": ("surname typo",),
    "surname typo": ("surname two typos",),
}


def corrupt_labelled(record: ChildRecord, rng: random.Random) -> tuple[Query, tuple[str, ...]]:
    """Like `corrupt`, also naming what was changed (for recall by kind of slip)."""
    pools = _pools()
    labels: list[str] = []
    name = record.names[0]
    if len(record.names) > 1 and rng.random() < 0.3:
        name = rng.choice(record.names[1:])
        labels.append("alias or previous name")
    given_tokens = name.given.split(" ")
    forename = given_tokens[0] if rng.random() < 0.85 else name.given
    surname = name.family
    dob: datetime.date | None = record.date_of_birth
    postcode = record.postcodes[0] if record.postcodes else ""
    shape_a = not postcode or rng.random() < 0.65
    if shape_a:  # surname + date of birth, maybe more
        keep_forename = rng.random() < 0.75
        keep_postcode = bool(postcode) and rng.random() < 0.2
    else:  # surname + forename + postcode
        keep_forename, keep_postcode, dob = True, True, None
        labels.append("no date of birth")
    sex = record.sex if record.sex in ("female", "male") and rng.random() < 0.5 else ""

    count = rng.choices((0, 1, 2), weights=(50, 40, 10))[0]
    if not keep_forename:  # with two identifying details, at most one is wrong (else nothing identifies the child)
        count = min(count, 1)
    applicable = dict(_CORRUPTIONS)
    if not keep_forename:
        for kind in ("forename typo", "short form", "names swapped", "new surname"):
            applicable.pop(kind)
    if not pools.short_forms.get(normalise_name(forename.split(" ")[0].split("-")[0])):
        applicable.pop("short form", None)
    if not any(sep in surname.strip() for sep in ("-", " ")):
        applicable.pop("one part of double surname")
    if dob is None:
        applicable.pop("day and month swapped")
        applicable.pop("date one digit out")
    elif dob.day > 12 or dob.day == dob.month:
        applicable.pop("day and month swapped")
    if not keep_postcode:
        applicable.pop("old postcode")
        applicable.pop("moved, new postcode")
    elif len(record.postcodes) < 2:
        applicable.pop("old postcode")
    chosen: list[str] = []
    for _ in range(count):
        options = [k for k in applicable if k not in chosen]
        if not options:
            break
        kind = rng.choices(options, weights=[applicable[k] for k in options])[0]
        chosen.append(kind)
        if "new surname" in chosen or len(chosen) == count:
            break
        applicable.pop("new surname", None)
        for clash in _CLASHES.get(kind, ()):  # never two changes of the same kind to one detail
            applicable.pop(clash, None)

    order = list(_CORRUPTIONS)  # whole-name changes before slips in them
    for kind in sorted(
        chosen, key=lambda k: (k not in ("short form", "new surname", "one part of double surname"), order.index(k))
    ):
        if kind == "surname typo":
            surname = _typo(surname, rng)
        elif kind == "surname two typos":
            surname = _typo(_typo(surname, rng), rng)
        elif kind == "surname spelling":
            surname = _respell(surname, rng) or _typo(surname, rng)
        elif kind == "forename typo":
            forename = _typo(forename, rng)
        elif kind == "short form":
            short = pools.short_forms[normalise_name(forename.split(" ")[0].split("-")[0])]
            forename = rng.choice(short).capitalize()
        elif kind == "one part of double surname":
            parts = surname.replace("-", " ").split()
            roll = rng.random()
            surname = rng.choice(parts) if roll < 0.7 else " ".join(reversed(parts)) if roll < 0.85 else " ".join(parts)
        elif kind == "day and month swapped" and dob is not None:
            dob = datetime.date(dob.year, dob.day, dob.month)
        elif kind == "date one digit out" and dob is not None:
            dob = _slip_date(dob, rng) or dob
        elif kind == "old postcode":
            postcode = rng.choice(record.postcodes[1:])
        elif kind == "moved, new postcode":
            district = postcode.split(" ")[0]
            postcode = f"{district} {rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        elif kind == "new surname":
            surname = _pick(rng, pools.surnames, pools.surnames_cum)
    labels.extend(chosen)
    if "names swapped" in chosen:
        surname, forename = forename, surname
    query = Query(
        surname=_noise(surname, rng),
        forename=_noise(forename, rng) if keep_forename else "",
        date_of_birth=dob,
        sex=sex,
        postcode=_postcode_noise(postcode, rng) if keep_postcode else "",
    )
    if not keep_forename:
        labels.append("no forename")
    return query, tuple(labels)


def corrupt(record: ChildRecord, rng: random.Random) -> Query:
    """A query a practitioner might type for this child: one of the two minimum shapes (surname and
    date of birth; or surname, forename and postcode), with up to two slips and harmless noise."""
    return corrupt_labelled(record, rng)[0]


def make_labelled_query_set(records: list[ChildRecord], n: int, seed: int) -> list[tuple[Query, int, tuple[str, ...]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        index = rng.randrange(len(records))
        query, labels = corrupt_labelled(records[index], rng)
        out.append((query, index, labels))
    return out


def make_query_set(records: list[ChildRecord], n: int, seed: int) -> list[tuple[Query, int]]:
    """`n` corrupted queries with the index of the child each was made from."""
    return [(query, index) for query, index, _ in make_labelled_query_set(records, n, seed)]
