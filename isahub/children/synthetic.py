"""Synthetic children for testing and benchmarking the matcher, and a model of how practitioners get
a child's details wrong. Every child here is made up; nothing is real. Deterministic for a seed.

`generate_children(n, seed)` builds households: siblings share a surname and postcodes, twins a
date of birth; about 10% of children have a previous surname or an alias, 30% a previous postcode,
5% a double-barrelled surname; some names have accents or apostrophes. Surnames follow national
frequencies for the 500 commonest (Faker's en_GB table: about 40% of people, Smith 1.2%) with a
long made-up tail; the commonest forenames are about 2% of their sex, as in England and Wales.
Postcodes are as dense as the country's (about 6 children a postcode, 950 a sector, 3,800 a
district), so keys on places are as broad here as they would be nationally; keys on dates of birth
grow with n.

`corrupt(record, rng)` is what a practitioner might type for that child: one of the two minimum
shapes (surname and date of birth, perhaps with more; or surname, forename and postcode), with up
to two slips (typos, sound-alike spellings, short forms, names or day and month swapped, a digit
wrong, an old or a new postcode, an alias, half a double-barrelled name, a new surname) and
harmless noise (case, spacing, accents, apostrophes). `make_query_set` pairs queries with the
index of the child each came from.

Pure Python: Faker's en_GB tables supply real-world name frequencies and postcode areas; a seeded
random.Random does the sampling (fast, and the same output for a seed whatever Faker's version).
A million children take 15 to 30 seconds.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import itertools
import random
import unicodedata
from dataclasses import dataclass

from .matching import _CURATED_GROUPS, ChildRecord, NameRecord, Query, normalise_name

REFERENCE_DATE = datetime.date(2026, 1, 1)  # "today" for the synthetic population, aged 0 to 17
AGE_SPAN_DAYS = int(18 * 365.25)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Forenames common among children in the UK, roughly commonest first.
_GIRLS = _words("""
    Olivia Amelia Isla Ava Lily Freya Ivy Florence Willow Mia Isabella Sophia Grace Evie Poppy Ella Rosie Sophie Daisy
    Emily Charlotte Sienna Elsie Isabelle Harper Evelyn Matilda Ruby Alice Phoebe Maya Millie Ellie Aurora Hallie Layla
    Esme Emilia Maisie Eva Bonnie Luna Arabella Elizabeth Hannah Jessica Chloe Megan Holly Amber Lucy Zara Aisha Fatima
    Maryam Zainab Amira Aaliyah Hafsa Nur Khadija Imogen Harriet Lola Penelope Georgia Eleanor Annabelle Orla Niamh Aoife
    Erin Katie Lacey Scarlett Violet Iris Edith Margot Thea Beatrice Clara Abigail Rebecca Victoria Natalie Jasmine
    Samantha Alexandra Katherine Catherine Kathryn Mary Anna Molly
""")
_BOYS = _words("""
    Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Theo Alfie Jacob Thomas
    Finley Arlo William Lucas Roman Tommy Isaac Teddy Edward Joshua James Alexander Max Hugo Albie Reggie Elijah Ronnie
    Louie Ezra Mason Jude Hunter Ethan Samuel Reuben Rory Ralph Benjamin Daniel Joseph Harrison Dylan Jaxon Riley Toby
    Sebastian Frederick Alfred Ibrahim Yusuf Hamza Omar Ali Musa Zayn Adam Ayaan Mohammed Mohammad Callum Connor Kian Liam
    Ryan Nathan Matthew Michael Christopher Jonathan John Robert David Luke Owen Jamie Harvey Lewis Louis Aaron Tyler Kai
    Caleb Finn Felix Stanley Jesse Jenson Nicholas Anthony
""")
_ACCENTED_GIRLS = _words("Zoë Chloé Anaïs Renée Élodie Léa Inès Maëlle Noémie Siobhán Róisín Zofia Aurélie")
_ACCENTED_BOYS = _words("José Andrés Jesús Seán Ciarán Oisín Eóin Björn Søren Łukasz Noël Maël Rónán")
_HYPHENED_GIRLS = _words("Lily-Rose Mary-Jane Ella-Rose Lacey-Mae Ruby-Leigh Evie-Mae Amelia-Rose")
_HYPHENED_BOYS = _words("Jean-Luc Jay-Jay Tommy-Lee Alfie-James Leo-James")
_MIDDLES_GIRLS = _words("Rose Grace May Louise Jane Elizabeth Anne Mae Lily Marie")
_MIDDLES_BOYS = _words("James John Thomas William Edward Lee Jack David George Alexander")
# A tail of made-up forenames (real ones are spread over thousands of rare names).
_GIRL_HEADS = _words("Ama Bel Cal Dar Ela Fay Gia Ila Jes Kay Lei Mai Nai Ori Pey Rai Sel Tay Vie Wyn Yas Zel Ari Bry Cor Dal")
_GIRL_HEADS += _words("Emi Han Kia Lor Mar Nel Ros Sia Tam")
_GIRL_ENDS = _words("na ra lia nia lyn ette ina isha elle ya ley anne ah iah issa ene ora")
_BOY_HEADS = _words(
    "Ar Bra Cal Dar El Fin Gar Hal Jar Kay Lor Mal Nor Or Ray Sol Tor Val Wes Zan Bro Cor Dex Ed Kel Lan Mar Ros Tam Ty"
)
_BOY_ENDS = _words("an en on ius el ias ley ton den ric var ick in o iel us ard")

# Surnames Faker's en_GB table lacks (or has, in which case its share is used), with rough shares in percent.
_OTHER_SURNAMES = """
    Patel .2 Khan .2 Singh .15 Ahmed .12 Ali .12 Hussain .12 Begum .1 Kaur .08 Shah .06 Rahman .06 Islam .05 Akhtar .04
    Iqbal .04 Malik .04 Mahmood .03 Chowdhury .03 Uddin .03 Sharma .03 Nowak .03 Kowalski .02 Wiśniewski .01 Wójcik .01
    Okafor .02 Adeyemi .02 Mensah .02 Osei .02 Boateng .02 Adebayo .02 Nguyen .02 Chen .02 Wang .02 Li .02 Silva .02
    Santos .02 Ferreira .01 Popescu .01 García .01 Rodríguez .01 Fernández .01 Müller .01 Schmidt .01 Jäger .005
    Nuñez .005 Søndergaard .003 Brontë .002 O'Brien .04 O'Connor .04 O'Neill .04 O'Sullivan .03 O'Reilly .02
    O'Donnell .02 D'Souza .01 D'Arcy .005 McDonald .05 MacDonald .04 McCarthy .03 MacLeod .02 McKenzie .03
    De_Souza .005 Van_der_Berg .003 Da_Silva .005 Le_Roux .002 St_John .003
"""
_TAIL_SHARE = 0.55  # the rest of the population has rarer surnames: made up from these pieces
_TAIL_HEADS = _words("""
    Ash Black Brad Bram Brock Carl Chad Cliff Cole Crom Dal Dar Dun Elm Fair Farn Fen Gar Glad Gold Green Hal Ham Hart Hay
    Hol Horn Hud Kel Ken Kings Lang Lath Lid Lock Mar Mel Mid Mor Nor Oak Pad Pen Rad Ram Red Rod Roth Sal Sand Shel Sher
    Stan Stock Stain Sum Sut Tal Thorn Tre Wal War Wat Wed Wen West Whit Wick Win Wol Wyn Yar Ather Bel Bur Cal Dray Fell
    Grim Hack Lan Mal Pres Sef Tam Ull Ven Brack Cran Dew Eg Fos Gow
""")
_TAIL_MIDDLES = ("", "", "", "er", "ing", "le", "ow", "en", "is", "an")
_TAIL_ENDS = _words("""
    ley ton wood field worth by ham ford well more ridge shaw stone croft hurst man son combe dale bury wick land den don
    ing er ell itt low mere ock sey thorpe wright ney brook cott ington ard ick
""")
_FALLBACK_AREAS = _words("AB B BD BS CF DE G HU L LE LS M NE NG S SE SW YO")
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
    short_forms: dict[str, tuple[str, ...]]  # what might be typed instead of a forename


def _zipf(count: int, exponent: float) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


def _forename_pool(main, accented, hyphened, older, made_up) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The common names take 45% (the commonest about 2% of the sex); the rest is a long tail."""
    names = list(main)
    weights = [w * 0.45 / sum(_zipf(len(main), 0.5)) for w in _zipf(len(main), 0.5)]
    for group, share in ((accented, 0.02), (hyphened, 0.03), (older, 0.10), (made_up, 0.40)):
        fresh = [n for n in dict.fromkeys(group) if n not in names]
        names.extend(fresh)
        weights.extend([share / len(fresh)] * len(fresh))
    return tuple(names), tuple(itertools.accumulate(weights))


@functools.cache
def _pools() -> _Pools:
    """Name and area tables (the same for every seed; the seed drives the sampling)."""
    from faker.providers.address.en_GB import Provider as Addresses
    from faker.providers.person.en_GB import Provider as People

    faker_surnames: dict[str, float] = dict(People.last_names)
    girls = _forename_pool(
        _GIRLS,
        _ACCENTED_GIRLS,
        _HYPHENED_GIRLS,
        People.first_names_female,
        [(h + e).capitalize() for h in _GIRL_HEADS for e in _GIRL_ENDS],
    )
    boys = _forename_pool(
        _BOYS,
        _ACCENTED_BOYS,
        _HYPHENED_BOYS,
        People.first_names_male,
        [(h + e).capitalize() for h in _BOY_HEADS for e in _BOY_ENDS],
    )

    pairs = _OTHER_SURNAMES.split()
    others = {name.replace("_", " "): float(share) for name, share in zip(pairs[::2], pairs[1::2], strict=True)}
    others = {name: share for name, share in others.items() if name not in faker_surnames}
    known = {normalise_name(n) for n in itertools.chain(faker_surnames, others)}
    rng = random.Random(20260101)  # the made-up tail is the same whatever the seed  # nosec B311
    tail = sorted(
        {
            (head + middle + end).capitalize()
            for head in _TAIL_HEADS
            for middle in _TAIL_MIDDLES
            for end in _TAIL_ENDS
            if rng.random() < 0.6 and normalise_name(head + middle + end) not in known
        }
    )
    named = sum(faker_surnames.values()) + sum(others.values())
    weights = [*faker_surnames.values(), *others.values()] + [_TAIL_SHARE * named / (1 - _TAIL_SHARE) / len(tail)] * len(tail)

    # Instead of a forename a practitioner might type: for a full name, a short form of it; for a
    # short form, its full name or (if it belongs to one name only) another short form (Katie, Kate).
    groups_of: dict[str, int] = {}
    for group in _CURATED_GROUPS:
        for name in group:
            groups_of[name] = groups_of.get(name, 0) + 1
    short_forms: dict[str, list[str]] = {}
    for full, *others_in_group in _CURATED_GROUPS:
        short_forms.setdefault(full, []).extend(others_in_group)
        for name in others_in_group:
            short_forms.setdefault(name, []).append(full)
            if groups_of[name] == 1:
                short_forms[name].extend(n for n in others_in_group if n != name)

    areas = tuple(a for a in getattr(Addresses, "POSTAL_ZONES", ()) if a.isalpha() and len(a) <= 2) or _FALLBACK_AREAS
    return _Pools(
        girls=girls[0],
        girls_cum=girls[1],
        boys=boys[0],
        boys_cum=boys[1],
        surnames=(*faker_surnames, *others, *tail),
        surnames_cum=tuple(itertools.accumulate(weights)),
        areas=areas,
        short_forms={k: tuple(dict.fromkeys(v)) for k, v in short_forms.items()},
    )


def _pick(rng: random.Random, names: tuple[str, ...], cum: tuple[float, ...]) -> str:
    return names[bisect.bisect(cum, rng.random() * cum[-1])]


class _Geography:
    """Districts of four sectors of 150 postcodes each, one district for every 3,800 children."""

    def __init__(self, n: int, rng: random.Random, areas: tuple[str, ...]) -> None:
        self.rng = rng
        self.areas = areas
        districts: dict[str, None] = {}
        while len(districts) < max(2, round(n / 3800)):
            districts[f"{rng.choice(areas)}{rng.randint(1, 40)}"] = None
        self.districts = list(districts)
        self.units: dict[str, list[str]] = {}
        for district in self.districts:
            units = []
            for digit in rng.sample("0123456789", 4):
                letters: set[str] = set()
                while len(letters) < 150:
                    letters.add(rng.choice(_INWARD_LETTERS) + rng.choice(_INWARD_LETTERS))
                units.extend(f"{district} {digit}{pair}" for pair in sorted(letters))
            self.units[district] = units

    def anywhere(self) -> str:
        return self.rng.choice(self.units[self.rng.choice(self.districts)])

    def near(self, postcode: str) -> str:
        return self.rng.choice(self.units[postcode.split(" ")[0]])

    def far(self) -> str:
        """A postcode outside the synthetic area (the family moved in from elsewhere)."""
        rng = self.rng
        return f"{rng.choice(self.areas)}{rng.randint(41, 99)} {rng.randint(0, 9)}{_inward_letters(rng)}"


def _inward_letters(rng: random.Random) -> str:
    return rng.choice(_INWARD_LETTERS) + rng.choice(_INWARD_LETTERS)


def _surname(rng: random.Random, pools: _Pools) -> str:
    return _pick(rng, pools.surnames, pools.surnames_cum)


def _forename(rng: random.Random, pools: _Pools, sex: str, taken: set[str]) -> str:
    female = sex == "female" or (sex != "male" and rng.random() < 0.5)
    names, cum = (pools.girls, pools.girls_cum) if female else (pools.boys, pools.boys_cum)
    for _ in range(8):  # brothers and sisters have different names
        name = _pick(rng, names, cum)
        if name not in taken:
            break
    if rng.random() < 0.2:
        name = f"{name} {rng.choice(_MIDDLES_GIRLS if female else _MIDDLES_BOYS)}"
    return name


def _sex(rng: random.Random) -> str:
    roll = rng.random()
    return "female" if roll < 0.485 else "male" if roll < 0.97 else "unknown" if roll < 0.995 else "other"


def generate_children(n: int, seed: int) -> list[ChildRecord]:
    """`n` synthetic children in households, the same for the same seed. names[0] is the legal
    (current) name, postcodes[0] the current postcode."""
    rng = random.Random(seed)  # nosec B311 # synthetic people, not security
    pools = _pools()
    geography = _Geography(n, rng, pools.areas)
    children: list[ChildRecord] = []
    while len(children) < n:
        surname = _surname(rng, pools)
        if rng.random() < 0.05:  # double-barrelled, mostly with a hyphen
            second = _surname(rng, pools)
            surname = f"{surname}-{second}" if rng.random() < 0.85 else f"{surname} {second}"
        home = geography.anywhere()
        household_postcodes = [home]
        if rng.random() < 0.3:  # the family moved: nearby, elsewhere in the area, or from outside it
            roll = rng.random()
            household_postcodes.append(
                geography.near(home) if roll < 0.6 else geography.anywhere() if roll < 0.85 else geography.far()
            )
        size = rng.choices((1, 2, 3, 4, 5), weights=(45, 35, 13, 5, 2))[0]
        age = rng.randrange(AGE_SPAN_DAYS)
        taken: set[str] = set()
        twin_next = False
        for _ in range(size):
            if len(children) >= n:
                break
            if taken and not twin_next:  # the next brother or sister, one to five years apart
                gap = rng.randint(330, 1800)
                options = [a for a in (age - gap, age + gap) if 0 <= a < AGE_SPAN_DAYS]
                age = rng.choice(options) if options else rng.randrange(AGE_SPAN_DAYS)
            twin_next = rng.random() < 0.015
            sex = _sex(rng)
            given = _forename(rng, pools, sex, taken)
            taken.add(given.split(" ")[0])
            names = [NameRecord(given=given, family=surname)]
            roll = rng.random()
            if roll < 0.06:  # an earlier surname (before a change of name)
                names.append(NameRecord(given=given, family=_surname(rng, pools)))
            elif roll < 0.10:  # an alias: a known-as forename, or another surname used somewhere
                short = pools.short_forms.get(normalise_name(given.split(" ")[0]))
                if short and rng.random() < 0.7:
                    names.append(NameRecord(given=rng.choice(short).capitalize(), family=surname))
                else:
                    names.append(NameRecord(given=given, family=_surname(rng, pools)))
            postcodes = list(household_postcodes)
            if rng.random() < 0.03:  # this child alone lived elsewhere (kinship or foster care)
                postcodes.append(geography.anywhere())
            dob = REFERENCE_DATE - datetime.timedelta(days=age + 1)
            children.append(
                ChildRecord(names=tuple(names), date_of_birth=dob, sex=sex, postcodes=tuple(dict.fromkeys(postcodes)))
            )
    return children


# --------------------------------------------------------------------------------------------
# The corruption model

_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    neighbours = {}
    for r, row in enumerate(_KEYBOARD):
        for c, ch in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            for other in (r - 1, r + 1):
                if 0 <= other < len(_KEYBOARD):
                    near += [_KEYBOARD[other][i] for i in (c - 1, c, c + 1) if 0 <= i < len(_KEYBOARD[other])]
            neighbours[ch] = "".join(near)
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()
# Spellings that sound alike, as pattern>replacement; one that applies is chosen at random.
_SPELLING_RULES = (
    "mps>ms ms>mps ph>f th>t y>i i>y ey>y ie>y ll>l tt>t nn>n ss>s rr>r ck>k ks>x son>sen ei>ie ou>ow ai>ay ee>ea c>k z>s"
)
_SPELLINGS = tuple(tuple(rule.split(">")) for rule in _SPELLING_RULES.split())


def _typo(text: str, rng: random.Random) -> str:
    """One typing slip: a neighbouring key, a doubled or extra letter, a dropped letter, or two
    letters swapped. Slips at the first letter are rarer (5%) than elsewhere."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    pos = letters[0] if rng.random() < 0.05 else rng.choice(letters[1:])
    ch = text[pos]
    lower = ch.lower()
    nearby = _NEIGHBOURS.get(lower, "aeiou")
    kind = rng.choices(("substitute", "insert", "delete", "transpose"), weights=(35, 20, 20, 25))[0]
    if kind == "substitute":
        new = rng.choice(nearby) if rng.random() < 0.75 else rng.choice("abcdefghijklmnopqrstuvwxyz")
        return text[:pos] + (new.upper() if ch.isupper() else new) + text[pos + 1 :]
    if kind == "insert":
        return text[:pos] + (ch if rng.random() < 0.5 else rng.choice(nearby)) + text[pos:]
    if kind == "delete" and len(letters) > 3:
        return text[:pos] + text[pos + 1 :]
    other = pos + 1 if pos + 1 < len(text) and text[pos + 1].isalpha() else pos - 1
    if other < 0 or not text[other].isalpha() or text[other].lower() == lower:  # nothing to swap with
        return text[:pos] + rng.choice(nearby) + text[pos + 1 :]
    a, b = sorted((pos, other))
    first, second = text[b], text[a]
    if a == 0:  # keep the capital at the front
        first = first.upper() if text[a].isupper() else first
        second = second.lower()
    return text[:a] + first + second + text[b + 1 :]


def _respell(text: str, rng: random.Random) -> str | None:
    """The same name spelt another way that sounds the same (Smith/Smyth, Clark/Clarke), if there is one."""
    lower = text.lower()
    options = [(p, r) for p, r in _SPELLINGS if p in lower[1:]]
    options += [("mac", "mc")] if lower.startswith("mac") else [("mc", "mac")] if lower.startswith("mc") else []
    if lower.endswith("e") and len(lower) > 4:
        options.append(("drop the final e", ""))
    elif lower[-1:] in ("k", "n") and len(lower) > 3:
        options.append(("add a final e", ""))
    if not options:
        return None
    pattern, replacement = rng.choice(options)
    if pattern == "drop the final e":
        result = lower[:-1]
    elif pattern == "add a final e":
        result = lower + "e"
    else:
        start = lower.find(pattern, 0 if pattern in ("mac", "mc") else 1)
        result = lower[:start] + replacement + lower[start + len(pattern) :]
    return result.capitalize() if text[:1].isupper() else result


def _slip_date(d: datetime.date, rng: random.Random) -> datetime.date | None:
    """One digit of the date wrong (more often the day's or the year's last digit)."""
    text = f"{d.year:04d}{d.month:02d}{d.day:02d}"
    for _ in range(30):
        pos = rng.choice((2, 3, 3, 4, 5, 5, 6, 7, 7, 7))
        new = text[:pos] + rng.choice([c for c in "0123456789" if c != text[pos]]) + text[pos + 1 :]
        try:
            other = datetime.date(int(new[:4]), int(new[4:6]), int(new[6:]))
        except ValueError:
            continue
        if other <= REFERENCE_DATE and abs(other.year - d.year) <= 10:
            return other
    return None


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _noise(text: str, rng: random.Random) -> str:
    """The same name typed differently without being wrong."""
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
    if rng.random() < 0.3:
        postcode = postcode.replace(" ", "")
    if rng.random() < 0.3:
        postcode = postcode.lower()
    return postcode


# The kinds of slip or difference, with how often each is chosen.
_CORRUPTIONS = {"surname typo": 16, "surname two typos": 3, "surname spelling": 7, "forename typo": 9, "short form": 9}
_CORRUPTIONS |= {"one part of double surname": 5, "names swapped": 4, "day and month swapped": 5, "date one digit out": 9}
_CORRUPTIONS |= {"old postcode": 6, "moved, new postcode": 3, "new surname": 3}
# Never two of these to one detail. A new surname comes alone: it leaves only the forename to go on.
_CLASHES = {
    "names swapped": ("new surname",),
    "day and month swapped": ("date one digit out",),
    "date one digit out": ("day and month swapped",),
    "old postcode": ("moved, new postcode",),
    "moved, new postcode": ("old postcode",),
    "short form": ("forename typo",),
    "forename typo": ("short form",),
    "surname two typos": ("surname typo",),
    "surname typo": ("surname two typos",),
}
_WHOLE_NAME_CHANGES = ("short form", "new surname", "one part of double surname")  # made before slips in them


def _short_form_key(forename: str) -> str:
    return normalise_name(forename.split(" ")[0].split("-")[0])


def corrupt_labelled(record: ChildRecord, rng: random.Random) -> tuple[Query, tuple[str, ...]]:
    """Like `corrupt`, also naming what differs from the record (for recall by kind of slip)."""
    pools = _pools()
    labels: list[str] = []
    name = record.names[0]
    if len(record.names) > 1 and rng.random() < 0.3:
        name = rng.choice(record.names[1:])
        labels.append("alias or previous name")
    forename = name.given.split(" ")[0] if rng.random() < 0.85 else name.given
    surname = name.family
    dob: datetime.date | None = record.date_of_birth
    postcode = record.postcodes[0] if record.postcodes else ""
    if not postcode or rng.random() < 0.65:  # surname and date of birth, perhaps more
        keep_forename = rng.random() < 0.75
        keep_postcode = bool(postcode) and rng.random() < 0.2
    else:  # surname, forename and postcode
        keep_forename, keep_postcode, dob = True, True, None
        labels.append("no date of birth")
    sex = record.sex if record.sex in ("female", "male") and rng.random() < 0.5 else ""

    count = rng.choices((0, 1, 2), weights=(50, 40, 10))[0]
    if not keep_forename:  # with only two details, at most one is wrong (or nothing identifies the child)
        count = min(count, 1)
    applicable = dict(_CORRUPTIONS)
    drop = set()
    if not keep_forename:
        drop |= {"forename typo", "short form", "names swapped", "new surname"}
    if not pools.short_forms.get(_short_form_key(forename)):
        drop.add("short form")
    if "-" not in surname and " " not in surname.strip():
        drop.add("one part of double surname")
    if dob is None:
        drop |= {"day and month swapped", "date one digit out"}
    elif dob.day > 12 or dob.day == dob.month:
        drop.add("day and month swapped")
    if not keep_postcode:
        drop |= {"old postcode", "moved, new postcode"}
    elif len(record.postcodes) < 2:
        drop.add("old postcode")
    for kind in drop:
        applicable.pop(kind, None)
    chosen: list[str] = []
    while len(chosen) < count and applicable:
        kind = rng.choices(list(applicable), weights=list(applicable.values()))[0]
        chosen.append(kind)
        if kind == "new surname":
            break
        for clash in (kind, "new surname", *_CLASHES.get(kind, ())):
            applicable.pop(clash, None)

    for kind in sorted(chosen, key=lambda k: (k not in _WHOLE_NAME_CHANGES, list(_CORRUPTIONS).index(k))):
        if kind == "surname typo":
            surname = _typo(surname, rng)
        elif kind == "surname two typos":
            surname = _typo(_typo(surname, rng), rng)
        elif kind == "surname spelling":
            surname = _respell(surname, rng) or _typo(surname, rng)
        elif kind == "forename typo":
            forename = _typo(forename, rng)
        elif kind == "short form":
            forename = rng.choice(pools.short_forms[_short_form_key(forename)]).capitalize()
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
        elif kind == "moved, new postcode":  # not yet known to the index
            postcode = f"{postcode.split(' ')[0]} {rng.randint(0, 9)}{_inward_letters(rng)}"
        elif kind == "new surname":  # not yet known to the index
            surname = _surname(rng, pools)
    labels.extend(chosen)
    if "names swapped" in chosen:
        surname, forename = forename, surname
    if not keep_forename:
        labels.append("no forename")
    query = Query(
        surname=_noise(surname, rng),
        forename=_noise(forename, rng) if keep_forename else "",
        date_of_birth=dob,
        sex=sex,
        postcode=_postcode_noise(postcode, rng) if keep_postcode else "",
    )
    return query, tuple(labels)


def corrupt(record: ChildRecord, rng: random.Random) -> Query:
    """A query a practitioner might type for this child: one of the two minimum shapes (surname and
    date of birth; or surname, forename and postcode), with up to two slips and harmless noise."""
    return corrupt_labelled(record, rng)[0]


def make_labelled_query_set(records: list[ChildRecord], n: int, seed: int) -> list[tuple[Query, int, tuple[str, ...]]]:
    """(query, index of the true record, what was changed), `n` of them, the same for the same seed."""
    rng = random.Random(seed)  # nosec B311 # synthetic people, not security
    out = []
    for _ in range(n):
        index = rng.randrange(len(records))
        query, labels = corrupt_labelled(records[index], rng)
        out.append((query, index, labels))
    return out


def make_query_set(records: list[ChildRecord], n: int, seed: int) -> list[tuple[Query, int]]:
    """`n` corrupted queries, each with the index of the child it was made from."""
    return [(query, index) for query, index, _ in make_labelled_query_set(records, n, seed)]
