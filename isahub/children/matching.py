"""The child index matcher: blocking keys and a Fellegi–Sunter-style scorer. Pure Python.

No Django and no database here. The search service stores `record_keys(child)` (one row per key,
a B-tree index on the key), looks the query's keys up (`query_key_tiers`: tier 0 first, tier 1
only while under the candidate cap; `query_keys` is both at once), then ranks the candidates
with `score`.

Blocking keys. Each pairs two pieces of identity so that none is broad. The last column is the
most children expected to share one key in a national index of 11 million (synthetic population
with real name frequencies and postcode densities):

    d:<surname sound>:<YYYYMMDD>          surname and date of birth                          25
    f:<forename sound>:<YYYYMMDD>         forename and date of birth (the surname misspelt   25
                                          beyond recognition, or changed)
    n:<surname initial><forename initial>:<YYYYMMDD>
                                          both names misspelt; without a forename, all 27    20
                                          are looked up in tier 1 (about 175 children in all)
    ym|yd|md:<surname initial>:<forename sound>:<two of year, month and day>
                                          a slip in one part of the date, even with a        80|30|45
                                          misspelt surname
    p:<surname initial><forename initial>:<postcode sector>
                                          where the child lives or lived (a sector is about  30
                                          950 children)
    t:<forename sound>:<postcode district>
                                          the surname wrong, or a new postcode in the same   70
                                          district (about 3,800 children)

A "sound" is a metaphone code after folding spellings English treats alike (th/t, mps/ms,
mac/mc): Smith, Smyth and Smtih are all SMT. A forename is filed under its "root": an unambiguous
short form's full name (Bill -> william, Alfie -> alfred), so one stored key serves every form
of the name. A double-barrelled surname gives keys for each part, so either part alone finds the
child. One name and one postcode make 8 keys; two postcodes in different districts, 10.

The scorer adds field agreement weights (log2 m/u, see WEIGHTS) for surname, forename, date of
birth, sex and postcode, trying the names as entered and swapped, taking the best over the
record's names and postcodes, and divides by the most the query's fields could earn: 1.0 means
everything given agrees exactly.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import jellyfish
from rapidfuzz.distance import OSA, JaroWinkler

__all__ = [
    "WEIGHTS",
    "ChildRecord",
    "KeyIndex",
    "NameRecord",
    "PreparedQuery",
    "Query",
    "date_slips",
    "explain",
    "forename_equivalents",
    "forename_roots",
    "normalise_name",
    "normalise_postcode",
    "postcode_district",
    "postcode_sector",
    "prepare",
    "query_key_tiers",
    "query_keys",
    "rank",
    "record_keys",
    "score",
    "sound",
    "surname_forms",
]


# --------------------------------------------------------------------------------------------
# Records and queries


@dataclass(frozen=True)
class NameRecord:
    """One name a child has or had."""

    given: str  # forename(s), e.g. "Mary-Jane Louise"
    family: str  # surname, e.g. "O'Brien-Smith"


@dataclass(frozen=True)
class ChildRecord:
    """What the index knows about a child, for keys and scoring."""

    names: tuple[NameRecord, ...]  # legal, preferred, aliases, previous names
    date_of_birth: datetime.date
    sex: str  # "female" | "male" | "other" | "unknown"
    postcodes: tuple[str, ...]  # current and previous


@dataclass(frozen=True)
class Query:
    surname: str = ""
    forename: str = ""
    date_of_birth: datetime.date | None = None
    sex: str = ""
    postcode: str = ""


# --------------------------------------------------------------------------------------------
# Normalisation

_APOSTROPHES = frozenset("'`\u00b4\u2018\u2019\u201b\u02bb\u02bc\u02bd\u2032\uff07")
# Letters that Unicode does not decompose into a base letter and an accent.
_SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ł": "l", "ŀ": "l"}
    | {"ŧ": "t", "ĸ": "k", "ŋ": "n", "ſ": "s", "þ": "th", "æ": "ae", "œ": "oe"}
)
_ASCII_FOLD = str.maketrans(
    {chr(c): " " for c in range(128) if not chr(c).isalpha()}
    | {chr(c): chr(c + 32) for c in range(65, 91)}
    | {"'": None, "`": None}
)


def _normalise_once(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_SPECIAL_LETTERS)
    out = []
    for ch in text:
        if ch in _APOSTROPHES or unicodedata.combining(ch):
            continue
        out.append(ch if ch.isalpha() else " ")
    return " ".join("".join(out).split())


@functools.lru_cache(maxsize=262_144)
def normalise_name(text: str) -> str:
    """Lower case, accents stripped (é -> e), apostrophes removed (O'Brien -> obrien), hyphens and
    any other non-letters turned into single spaces. Letters of other scripts are kept, lower-cased."""
    if text.isascii():
        return " ".join(text.translate(_ASCII_FOLD).split())
    result = _normalise_once(text)
    for _ in range(6):  # a few characters settle only on a second pass (ℌ -> H -> h)
        again = _normalise_once(result)
        if again == result:
            break
        result = again
    return result


_OUTWARD_PATTERN = r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9](?:[0-9ABEHMNPRV-Y])?|[0-9][A-HJKPS-UW])"
_POSTCODE = re.compile(rf"^(?:(GIR)(0AA)|({_OUTWARD_PATTERN})([0-9][ABD-HJLNP-UW-Z]{{2}}))$")
_OUTWARD = re.compile(rf"^(?:GIR|{_OUTWARD_PATTERN})$")
_NOT_A_POSTCODE = "Not a UK postcode: expected an outward code, a space, a digit and two letters, like 'SW1A 1AA'."


@functools.lru_cache(maxsize=65_536)
def normalise_postcode(text: str) -> str:
    """'sw1a1aa ' -> 'SW1A 1AA'. Checks the national format only, not that the postcode exists."""
    compact = "".join(str(text).split()).upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise ValueError(_NOT_A_POSTCODE)
    outward = match.group(1) or match.group(3)
    inward = match.group(2) or match.group(4)
    return f"{outward} {inward}"


def postcode_district(postcode: str) -> str:
    """'SW1A 1AA' -> 'SW1A' (the outward code). An outward code on its own is returned as it is."""
    compact = "".join(str(postcode).split()).upper()
    if _OUTWARD.match(compact):
        return compact
    return normalise_postcode(postcode).split(" ")[0]


def postcode_sector(postcode: str) -> str:
    """'SW1A 1AA' -> 'SW1A 1' (a few streets: about 3,000 people, 950 children)."""
    return normalise_postcode(postcode)[:-2]


def _area(district: str) -> str:
    return district[:2] if district[1:2].isalpha() else district[:1]


@functools.lru_cache(maxsize=65_536)
def _safe_postcode(text: str) -> tuple[str, str, str] | None:
    """(postcode, sector, district); ("", "", district) for an outward code alone; None for anything else."""
    if not text or not text.strip():
        return None
    try:
        full = normalise_postcode(text)
    except ValueError:
        compact = "".join(text.split()).upper()
        return ("", "", compact) if _OUTWARD.match(compact) else None
    return (full, full[:-2], full.split(" ")[0])


# --------------------------------------------------------------------------------------------
# Names: sounds, surname parts, forename short forms

_PARTICLE_WORDS = "al ap ben bin da das de del della den der di do dos du el la le st ten ter van von y"
_PARTICLES = frozenset(_PARTICLE_WORDS.split())


@functools.lru_cache(maxsize=262_144)
def sound(token: str) -> str:
    """A phonetic code for one normalised name: metaphone after folding spellings that English
    treats alike. Smith, Smyth and Smtih -> SMT; Thomson, Thompson -> TMSN; Catherine, Kathryn -> KTRN.
    Names in other scripts are their own code. At most 10 characters."""
    word = token.replace(" ", "")
    if word.startswith("mac"):
        word = "mc" + word[3:]
    word = word.replace("mps", "ms").replace("th", "t")
    code = jellyfish.metaphone(word) if word.isascii() else ""
    return (code or word).upper()[:10]


@functools.lru_cache(maxsize=262_144)
def surname_forms(normalised: str) -> tuple[str, ...]:
    """The forms of a normalised surname a search may use: each part of a double-barrelled or
    several-word name (particles such as 'van' or 'de' are not parts on their own) and, for a name
    of several words, the words run together ('o brien' -> 'obrien', 'de souza' -> 'desouza')."""
    tokens = normalised.split()
    if not tokens:
        return ()
    forms = dict.fromkeys(t for t in tokens if len(t) > 1 and t not in _PARTICLES)
    if len(tokens) > 1:
        forms["".join(tokens)] = None
    return tuple(forms) or (normalised,)


# The curated table of UK short forms: one group a line, the full name first, then other spellings
# of it and its short forms. A name in several groups (alex, sam, harry...) is ambiguous.
_CURATED_TABLE = """
william will wills bill billy billie willie willy liam
katherine catherine kathryn katharine catharine kate katie katy kat kath kathy cathy cath kitty kit kay
alfred alf alfie alfy fred freddie freddy
frederick frederic fred freddie freddy
elizabeth elisabeth liz lizzie lizzy beth betty bess bessie betsy eliza elsie libby lisa liza
john jack johnny jonny jon
jonathan jon jonny jonty
james jim jimmy jamie jem
thomas tom tommy thom tomos
robert rob robbie robby bob bobby bert
richard rich richie rick ricky dick
edward ed eddie eddy ted teddy ned
henry harry hal hank
harold harry hal
harrison harry
charles charlie charley chas chaz chuck
charlotte charlie lottie lotty lotte
alexander alex alec alexis sandy xander lex sasha
alexandra alex alexa lexi lexie sandra sasha ally allie
samuel sam sammy sammie
samantha sam sammy sammie
daniel dan danny dani
danielle dani ellie
benjamin ben benji benjy benny
joseph joe joey jo
josephine jo josie
michael mike mikey mick micky mickey
matthew matt matty
christopher chris kit topher
christina christine chris chrissie chrissy tina
nicholas nick nicky nico nic
nicola nicole nicky nikki nic
anthony antony tony ant
andrew andy drew
david dave davey davy dai
peter pete
stephen steven steve stevie
timothy tim timmy
patrick pat paddy
jacob jake
joshua josh
nathan nathaniel nate nat
oliver olly ollie oli
olivia liv livvy livvie
theodore theo ted teddy
archibald archie archy
leonard leonardo leo len lenny
sebastian seb
maximilian max maxi
maxwell max
zachary zach zack zak zac
isaac zac ike
gabriel gabe gabby
gabriella gabrielle gabby gabi
jessica jess jessie jessy
rebecca becky becca bex becs
victoria vicky vicki tori tory
margaret maggie meg peggy maisie greta madge
mary molly polly mae may
amelia millie milly amy mel
emily em emmy emmie millie milly
emma em emmy emmie
eleanor elinor eleanore elenor ellie elly nell nellie elle nora norah
ellen helen ellie nell nellie
isabella isabel isabelle isobel izzy izzie issy bella belle
abigail abbie abby abi gail
sophia sophie soph sofia
jennifer jen jenny
susan susannah susanna sue susie suzy
deborah debbie debs deb
patricia pat patty trish tricia
florence flo flossie florrie
matilda tilly tillie tilda
penelope penny poppy
georgina georgia georgie gina
george georgie
evelyn evie eve
genevieve evie gen
imogen immy imi
harriet hattie hatty
jacqueline jackie jacqui
frances francesca fran frankie
francis frank frankie
natalie natasha nat tash tasha
annabel annabelle annabella bella annie
anna anne ann annie
muhammad mohammed mohammad mohamed muhammed mohamad mo
aisha ayesha aysha
zoe zoey
louis lewis louie lou
louise louisa lou
lucy lucia lu
rose rosie rosa
arthur art artie
albert al bert bertie alby
ronald ron ronnie
kenneth ken kenny
raymond ray
geoffrey jeffrey geoff jeff
dominic dom
tobias toby
finlay finley finn
edith edie
lily lilly lillie lilian lillian
jasmine jasmin jazmin jas yasmin
"""
_CURATED_GROUPS: tuple[tuple[str, ...], ...] = tuple(tuple(line.split()) for line in _CURATED_TABLE.strip().splitlines())


@functools.cache
def _curated() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(name -> every name sharing a group with it, name -> the full names of its groups)."""
    members: dict[str, set[str]] = {}
    fulls: dict[str, set[str]] = {}
    for group in _CURATED_GROUPS:
        for name in group:
            members.setdefault(name, set()).update(group)
            fulls.setdefault(name, set()).add(group[0])
    return {k: frozenset(v) for k, v in members.items()}, {k: frozenset(v) for k, v in fulls.items()}


@functools.cache
def _nicknamer():
    from nicknames import NickNamer

    return NickNamer()


@functools.lru_cache(maxsize=65_536)
def _package_equivalents(token: str) -> frozenset[str]:
    """Every name sharing a (full name, its short forms) group with `token` in the nicknames package."""
    namer = _nicknamer()
    found = {token} | namer.nicknames_of(token)
    for canonical in namer.canonicals_of(token):
        found.add(canonical)
        found |= namer.nicknames_of(canonical)
    return frozenset(normalise_name(n) for n in found)


@functools.lru_cache(maxsize=65_536)
def _strong_equivalents(token: str) -> frozenset[str]:
    return _curated()[0].get(token, frozenset({token}))


@functools.lru_cache(maxsize=65_536)
def _weak_equivalents(token: str) -> frozenset[str]:
    return _package_equivalents(token) | _strong_equivalents(token)


def forename_equivalents(given: str) -> set[str]:
    """Full and short forms of each forename (Bill ~ William ~ Will ~ Liam, Kate ~ Katherine, Alfie ~
    Alfred, Liz ~ Elizabeth, Jack ~ John), normalised, from the curated UK table and the `nicknames`
    package. For single names the relation is symmetric: b is among a's equivalents exactly when a
    is among b's."""
    normalised = normalise_name(given)
    found = {normalised} if normalised else set()
    for token in normalised.split():
        found |= _weak_equivalents(token)
    return found


@functools.lru_cache(maxsize=65_536)
def _key_root(token: str) -> str:
    """The one name a forename is filed under: an unambiguous short form's full name, else itself."""
    fulls = _curated()[1].get(token)
    return next(iter(fulls)) if fulls and len(fulls) == 1 else token


@functools.lru_cache(maxsize=65_536)
def forename_roots(token: str) -> tuple[str, ...]:
    """The names under which a child called `token` may be filed: its own root, the full names it can
    stand for (sam -> samuel, samantha) and the ambiguous short forms of it (samuel -> sam, sammy)."""
    roots = {_key_root(token): None}
    members, fulls = _curated()
    for full in sorted(fulls.get(token, ())):
        roots[full] = None
    for member in sorted(members.get(token, ())):
        if _key_root(member) == member:
            roots[member] = None
    if token not in members:  # not in the curated table: one step up the package's table
        for canonical in sorted(_nicknamer().canonicals_of(token))[:3]:
            roots[_key_root(normalise_name(canonical))] = None
    return tuple(roots)


# --------------------------------------------------------------------------------------------
# Dates


def _date_or_none(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _swapped(d: datetime.date) -> datetime.date | None:
    return None if d.day > 12 or d.day == d.month else _date_or_none(d.year, d.day, d.month)


@functools.lru_cache(maxsize=16_384)
def date_slips(d: datetime.date) -> frozenset[datetime.date]:
    """Dates one keying slip away: one digit of YYYYMMDD changed, the two digits of the day, the
    month or the year's last two swapped, or the year one out (2019 for 2020). Not years more than
    ten out (1015 for 2015 is not a child), nor the date itself or its day and month swapped."""
    text = f"{d.year:04d}{d.month:02d}{d.day:02d}"
    candidates = {text[:i] + digit + text[i + 1 :] for i in range(8) for digit in "0123456789"}
    candidates |= {text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in (2, 4, 6)}
    found = {_date_or_none(int(c[:4]), int(c[4:6]), int(c[6:])) for c in candidates}
    found |= {_date_or_none(d.year + delta, d.month, d.day) for delta in (-1, 1)}
    found -= {None, d, _swapped(d)}
    return frozenset(other for other in found if other is not None and abs(other.year - d.year) <= 10)


def _ymd(d: datetime.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


# --------------------------------------------------------------------------------------------
# Blocking keys

_INITIALS = "abcdefghijklmnopqrstuvwxyz_"  # "_": no forename recorded


def _partial_date_keys(surname_initial: str, forename_sound: str, d: datetime.date) -> tuple[str, str, str]:
    stem = f"{surname_initial}:{forename_sound}:"
    return (f"ym:{stem}{d.year:04d}{d.month:02d}", f"yd:{stem}{d.year:04d}{d.day:02d}", f"md:{stem}{d.month:02d}{d.day:02d}")


def record_keys(record: ChildRecord) -> set[str]:
    """The blocking keys to store for a child. One name and one postcode: 8 keys; a second postcode
    adds one or two; a second name (not just a short form of the first) up to eight."""
    keys: set[str] = set()
    dob = _ymd(record.date_of_birth)
    places = [p for p in (_safe_postcode(pc) for pc in record.postcodes) if p and p[0]]
    for name in record.names:
        family = normalise_name(name.family)
        forms = surname_forms(family) if family else ()
        given = normalise_name(name.given)
        root = _key_root(given.split(" ", 1)[0]) if given else ""
        root_sound = sound(root) if root else ""
        forename_initial = root[:1] or "_"
        for form in forms:
            keys.add(f"d:{sound(form)}:{dob}")
            keys.add(f"n:{form[0]}{forename_initial}:{dob}")
            if len(form) >= 4:  # the first letter lost or mistyped: Almer, Maylor for Palmer, Taylor
                keys.add(f"x:{sound(form[1:])}:{dob}")
            for _full, sector, district in places:
                keys.add(f"p:{form[0]}{forename_initial}:{sector.replace(' ', '')}")
                keys.add(f"s:{sound(form)}:{district}")
        if root_sound:
            keys.add(f"f:{root_sound}:{dob}")
            for _full, _sector, district in places:
                keys.add(f"t:{root_sound}:{district}")
            if forms:  # first part only: a slip in the date and half a surname make two slips
                keys.update(_partial_date_keys(forms[0][0], root_sound, record.date_of_birth))
    return keys


@dataclass
class _NameKeyParts:
    surname_sounds: list[str] = field(default_factory=list)
    initials: list[str] = field(default_factory=list)  # of each surname form
    forename_sounds: list[str] = field(default_factory=list)  # every root the forename may be filed under
    forename_initials: list[str] = field(default_factory=list)  # the typed forename's and its roots'
    own_root: str = ""  # the sound of the typed forename's own root


def _name_key_parts(surname: str, forename: str) -> _NameKeyParts:
    family = normalise_name(surname)
    forms = surname_forms(family) if family else ()
    parts = _NameKeyParts(list(dict.fromkeys(sound(f) for f in forms)), list(dict.fromkeys(f[0] for f in forms)))
    given = normalise_name(forename)
    if given:
        tokens = given.split()
        sounds: dict[str, None] = {}
        initials = {tokens[0][0]: None}
        for position, token in enumerate(tokens[:2]):  # "Mary-Jane" -> mary, jane
            for root in forename_roots(token):
                sounds[sound(root)] = None
                if position == 0:
                    initials[root[0]] = None
        parts.forename_sounds = list(sounds)
        parts.forename_initials = list(initials)
        parts.own_root = sound(_key_root(tokens[0]))
    return parts


def _first_letter_variants(text: str) -> list[str]:
    """Undo a stray first letter or a swap of the first two: the slips at the start of a name that
    defeat keys made of sounds and initials."""
    name = normalise_name(text).replace(" ", "")
    return [name[1:], name[1] + name[0] + name[2:]] if len(name) >= 4 else []


def _first_letter_keys(surname: str, dob: datetime.date) -> list[str]:
    """Keys that find a surname whose first letter was dropped (Almer) or mistyped (Maylor)."""
    name = normalise_name(surname).replace(" ", "")
    if len(name) < 3:
        return []
    return list(dict.fromkeys(f"x:{sound(form)}:{_ymd(dob)}" for form in (name, name[1:]) if len(form) >= 3))


def query_key_tiers(query: Query) -> tuple[list[str], list[str]]:
    """The query's keys in two tiers, without repeats.

    Tier 0 (about 10 keys, at most about 50; nationally about 40 candidates on average, a few
    hundred at most) covers exact and near agreement, short forms, swapped names, swapped day and
    month, parts of double-barrelled names, and a slip in the date when a forename is given.
    Tier 1 holds the broad fall-backs for when one name has to carry the search: for a surname and
    date of birth without a forename, one-digit slips in the date (about 30 keys) and a misspelt
    surname (27 keys, about 175 children in all nationally); for a search without a date of birth,
    a slip in the first letter of either name. Fetch tier 0, then tier 1 only while under the cap."""
    tier0: dict[str, None] = {}
    tier1: dict[str, None] = {}
    dob = query.date_of_birth
    dates = [d for d in (dob, _swapped(dob)) if d] if dob else []
    place = _safe_postcode(query.postcode)
    has_forename = bool(normalise_name(query.forename))
    orientations = [(query.surname, query.forename)] + ([(query.forename, query.surname)] if has_forename else [])
    for surname, forename in orientations:
        parts = _name_key_parts(surname, forename)
        for d in dates:
            tier0.update({f"d:{s}:{_ymd(d)}": None for s in parts.surname_sounds})
            tier0.update({f"f:{f}:{_ymd(d)}": None for f in parts.forename_sounds})
        if dob and parts.own_root:
            tier0.update({f"n:{i}{j}:{_ymd(dob)}": None for i in parts.initials for j in parts.forename_initials})
            for initial in parts.initials:
                tier0.update(dict.fromkeys(_partial_date_keys(initial, parts.own_root, dob)))
        if place and place[1] and has_forename:
            sector = place[1].replace(" ", "")
            tier0.update({f"p:{i}{j}:{sector}": None for i in parts.initials for j in parts.forename_initials})
        if place:
            tier0.update({f"t:{f}:{place[2]}": None for f in parts.forename_sounds})
    if dob and not has_forename:
        parts = _name_key_parts(query.surname, "")
        for variant in _first_letter_variants(query.surname):
            tier1.update({f"d:{s}:{_ymd(dob)}": None for s in _name_key_parts(variant, "").surname_sounds})
        tier1.update(dict.fromkeys(_first_letter_keys(query.surname, dob)))
        tier1.update({f"n:{i}{j}:{_ymd(dob)}": None for i in parts.initials for j in _INITIALS})
    if dob:  # a slip in the date, with a slip in the forename (or none given): the surname carries it
        parts = _name_key_parts(query.surname, "")
        for slip in sorted(date_slips(dob)):  # the parts of a double-barrelled name suffice
            tier1.update({f"d:{s}:{_ymd(slip)}": None for s in parts.surname_sounds[:2]})
    if place and has_forename and not dob:
        parts = _name_key_parts(query.surname, query.forename)
        tier1.update({f"s:{s}:{place[2]}": None for s in parts.surname_sounds})  # moved, forename mistyped
        if place[1]:  # the first letter of one name wrong, lost or added, the other's right
            sector = place[1].replace(" ", "")
            tier1.update({f"p:{i}{j}:{sector}": None for i in parts.initials for j in _INITIALS})
            tier1.update({f"p:{i}{j}:{sector}": None for i in _INITIALS[:-1] for j in parts.forename_initials})
            for variant in _first_letter_variants(query.forename):
                tier1.update({f"t:{f}:{place[2]}": None for f in _name_key_parts("", variant).forename_sounds})
    return list(tier0), [key for key in tier1 if key not in tier0]


def query_keys(query: Query) -> set[str]:
    """Every key a search should look up (both tiers of `query_key_tiers`)."""
    tier0, tier1 = query_key_tiers(query)
    return set(tier0) | set(tier1)


class KeyIndex:
    """An in-memory key -> record ids index, for tests and benchmarks. Candidates come from key
    lookups only, as in the database: tier 0 keys first, then tier 1, up to the cap."""

    def __init__(self) -> None:
        self.keys: dict[str, list[int]] = {}

    def add(self, record_id: int, record: ChildRecord) -> None:
        for key in record_keys(record):
            self.keys.setdefault(key, []).append(record_id)

    def candidates(self, query: Query, *, cap: int = 500) -> list[int]:
        found: dict[int, None] = {}
        for tier in query_key_tiers(query):
            for key in tier:
                for record_id in self.keys.get(key, ()):
                    found[record_id] = None
                    if len(found) >= cap:
                        return list(found)
        return list(found)


# --------------------------------------------------------------------------------------------
# Scoring

WEIGHTS: Mapping[str, Mapping[str, float]] = {
    # log2(m/u), rounded: m = P(this level of agreement | same child), u = P(it | another child).
    "surname": {
        "exact": 10.0,  # m .85, u ~.0008 (the sum of squared surname shares)
        "part": 8.5,  # one part of a double-barrelled name
        "sound": 7.5,  # the same sound: Smith/Smyth, Thomson/Thompson (+ up to 0.8 the closer the spelling)
        "similar_max": 8.5,  # Jaro-Winkler: -3 at 0.80, 0 at 0.85, +6 at 0.95, capped here
        "one_edit": 5.0,  # at least this for one letter out (Jaro-Winkler is harsh on short names)
        "two_edits": 2.0,  # for names of six letters or more
        "disagree": -6.0,  # m ~.02, u ~.99
    },
    "forename": {
        "exact": 7.0,  # m .85, u ~.006
        "middle": 6.0,  # the query's name is a later given name
        "short_form": 6.0,  # curated table: Bill/William
        "short_form_weak": 4.5,  # the nicknames package only
        "sound": 5.0,  # + up to 0.8 the closer the spelling
        "similar_max": 6.0,  # Jaro-Winkler: -3 at 0.80, 0 at 0.86, +4.5 at 0.95, capped here
        "one_edit": 3.5,  # "Aav" for "Ava"
        "two_edits": 1.0,
        "initial": 2.0,  # "J" for James
        # m ~.01 gives -6.6 if fields were independent; stronger because twins and siblings share
        # every other field, and the forename is what tells them apart
        "disagree": -9.0,
    },
    "date_of_birth": {
        "exact": 12.0,  # m .9, u 1/6,575 (eighteen years of birthdays)
        "swapped": 8.0,  # 03/04 for 04/03: m .02, u 1/6,575
        "slip": 5.0,  # one digit out: m .05, u ~30/6,575
        "disagree": -5.0,
    },
    "sex": {"agree": 1.0, "disagree": -4.0},  # m .97, u .5; m .03, u .5. "other" or unknown: 0
    "postcode": {
        "exact": 10.0,  # any current or previous postcode; log2 m/u is higher, capped so names decide
        "sector": 6.0,  # moved nearby, or the last letters mistyped
        "district": 4.0,
        "area": 1.0,
        "disagree": -2.0,  # children move: m ~.15
    },
    "names_swapped": {"penalty": -1.5},  # added when the names fit better the other way round
}

_W_S = WEIGHTS["surname"]
_W_F = WEIGHTS["forename"]
_W_D = WEIGHTS["date_of_birth"]
_W_X = WEIGHTS["sex"]
_W_P = WEIGHTS["postcode"]
_SWAP_PENALTY = WEIGHTS["names_swapped"]["penalty"]
_NO_DATE = (_W_D["disagree"], "disagree")
_TRY_SWAP_BELOW = 4.0  # names as entered scoring below this may have been typed the wrong way round
_BINARY_SEX = frozenset({"female", "male"})
_jw = JaroWinkler.normalized_similarity
_osa = OSA.distance


class _FamilyName:
    """A surname, normalised, with its parts and sounds (one object for every child with it)."""

    __slots__ = ("full", "joined", "forms", "pairs", "sounds")

    def __init__(self, full: str) -> None:
        self.full = full
        self.joined = full.replace(" ", "")
        self.forms = surname_forms(full)
        self.pairs = tuple(dict.fromkeys((full, self.joined, *self.forms)))  # compared by spelling
        self.sounds = frozenset(sound(f) for f in self.forms)


class _GivenName:
    __slots__ = ("full", "first", "others", "first_sound")

    def __init__(self, full: str) -> None:
        tokens = full.split()
        self.full = full
        self.first = tokens[0]
        self.others = tuple(tokens[1:])
        self.first_sound = sound(self.first)


class _Place:
    __slots__ = ("full", "sector", "district", "area")

    def __init__(self, full: str, sector: str, district: str) -> None:
        self.full, self.sector, self.district = full, sector, district
        self.area = _area(district)


@functools.lru_cache(maxsize=262_144)
def _family_name(text: str) -> _FamilyName | None:
    full = normalise_name(text)
    return _FamilyName(full) if full else None


@functools.lru_cache(maxsize=262_144)
def _given_name(text: str) -> _GivenName | None:
    full = normalise_name(text)
    return _GivenName(full) if full else None


@functools.lru_cache(maxsize=262_144)
def _place(text: str) -> _Place | None:
    found = _safe_postcode(text)
    return _Place(*found) if found and found[0] else None


class _PreparedRecord:
    """A record's distinct names and postcodes, prepared (each distinct string once per process)."""

    __slots__ = ("families", "givens", "dob", "sex", "places")

    def __init__(self, record: ChildRecord) -> None:
        names = record.names
        if len(names) == 1:  # most children: no need to look for repeats
            family, given = _family_name(names[0].family), _given_name(names[0].given)
            self.families: tuple[_FamilyName, ...] = (family,) if family is not None else ()
            self.givens: tuple[_GivenName, ...] = (given,) if given is not None else ()
        else:
            families = [_family_name(name.family) for name in names]
            givens = [_given_name(name.given) for name in names]
            self.families = tuple(dict.fromkeys(f for f in families if f is not None))
            self.givens = tuple(dict.fromkeys(g for g in givens if g is not None))
        self.places = tuple(dict.fromkeys(p for p in map(_place, record.postcodes) if p is not None))
        self.dob = record.date_of_birth
        self.sex = record.sex or ""


def _prepared_record(record: ChildRecord) -> _PreparedRecord:
    """Prepared once per record object and kept beside its (frozen) fields; equality, hashing and
    repr only ever look at the fields."""
    prepared = record.__dict__.get("_prepared")
    if prepared is None:
        prepared = _PreparedRecord(record)
        object.__setattr__(record, "_prepared", prepared)
    return prepared


class _Surname:
    """The query's surname, prepared."""

    __slots__ = ("full", "joined", "forms", "compare", "sounds")

    def __init__(self, text: str) -> None:
        self.full = normalise_name(text)
        self.joined = self.full.replace(" ", "")
        forms = surname_forms(self.full) if self.full else ()
        self.forms = frozenset(forms)
        self.compare = tuple(dict.fromkeys((self.full, self.joined, *forms))) if self.full else ()
        self.sounds = frozenset(sound(f) for f in forms)


class _Forename:
    """The query's forename, prepared."""

    __slots__ = ("full", "first", "sound", "strong", "weak")

    def __init__(self, text: str) -> None:
        self.full = normalise_name(text)
        self.first = self.full.split(" ", 1)[0] if self.full else ""
        self.sound = sound(self.first) if self.first else ""
        self.strong = _strong_equivalents(self.first) if self.first else frozenset()
        self.weak = _weak_equivalents(self.first) if self.first else frozenset()


_BONUS_MAX = 0.8
# The weights as plain floats: the two functions below run for every candidate.
_S_EXACT, _S_PART, _S_SOUND, _S_MAX, _S_EDIT1, _S_EDIT2, _S_NO = (
    _W_S[k] for k in ("exact", "part", "sound", "similar_max", "one_edit", "two_edits", "disagree")
)
_F_EXACT, _F_SHORT, _F_MIDDLE, _F_WEAK, _F_SOUND, _F_MAX, _F_EDIT1, _F_EDIT2, _F_INITIAL, _F_NO = (
    _W_F[k]
    for k in (
        "exact",
        "short_form",
        "middle",
        "short_form_weak",
        "sound",
        "similar_max",
        "one_edit",
        "two_edits",
        "initial",
        "disagree",
    )
)


def _spelling_bonus(similarity: float) -> float:
    """Up to 0.8 more for a name that sounds the same and is spelt more alike (never a level up)."""
    bonus = (similarity - 0.8) * 4.0
    return 0.0 if bonus < 0.0 else _BONUS_MAX if bonus > _BONUS_MAX else bonus


def _surname_agreement(q: _Surname, families: tuple[_FamilyName, ...]) -> tuple[float, str, str, float]:
    """(weight, level, the record's surname it agreed with, Jaro-Winkler similarity)."""
    for family in families:
        if q.full == family.full or q.joined == family.joined:
            return _S_EXACT, "exact", family.full, 1.0
    for family in families:
        if not q.forms.isdisjoint(family.forms):  # only an exact match weighs more
            return _S_PART, "part", next(f for f in family.forms if f in q.forms), 1.0
    best_sim, best_name = 0.0, ""
    for family in families:
        for theirs in family.pairs:
            for mine in q.compare:
                sim = _jw(mine, theirs)
                if sim > best_sim:
                    best_sim, best_name = sim, theirs
    weight = -3.0 + (best_sim - 0.8) * 60.0
    weight = _S_NO if weight < _S_NO else _S_MAX if weight > _S_MAX else weight
    if weight < _S_SOUND + _BONUS_MAX:  # the closer spelling ranks first (Jonson: Johnson, then Jensen)
        for family in families:
            if not q.sounds.isdisjoint(family.sounds):
                sounds_alike = _S_SOUND + _spelling_bonus(best_sim)
                if sounds_alike > weight:
                    return sounds_alike, "sound", family.full, best_sim
                break
    # One or two letters out scores Jaro-Winkler 0.7 or more, unless the name is very short.
    if weight < _S_EDIT1 and len(q.full) >= 3 and (best_sim >= 0.7 or len(q.full) < 5):
        edits = min(_osa(q.full, theirs, score_cutoff=2) for family in families for theirs in family.pairs)
        if edits == 1:
            return _S_EDIT1, "one letter out", best_name, best_sim
        if edits == 2 and len(q.full) >= 6 and weight < _S_EDIT2:
            return _S_EDIT2, "two letters out", best_name, best_sim
    return weight, "similar" if weight > 0 else "disagree", best_name, best_sim


def _forename_agreement(q: _Forename, givens: tuple[_GivenName, ...]) -> tuple[float, str, str, float]:
    """(weight, level, the record's forename it agreed with, Jaro-Winkler similarity)."""
    first = q.first
    for given in givens:
        if first == given.first or q.full == given.full:
            return _F_EXACT, "exact", given.first, 1.0
    for given in givens:
        if given.first in q.strong:
            return _F_SHORT, "short form", given.first, 0.0
    for given in givens:
        if first in given.others:
            return _F_MIDDLE, "middle name", first, 1.0
    best_sim, best_name = 0.0, ""
    for given in givens:
        sim = _jw(first, given.first)
        if sim > best_sim:
            best_sim, best_name = sim, given.first
    weight = -3.0 + (best_sim - 0.8) * 50.0
    weight = _F_NO if weight < _F_NO else _F_MAX if weight > _F_MAX else weight
    if weight < _F_SOUND + _BONUS_MAX:
        for given in givens:
            if q.sound == given.first_sound:
                sounds_alike = _F_SOUND + _spelling_bonus(best_sim)
                if sounds_alike > weight:
                    return sounds_alike, "sound", given.first, best_sim
                break
    if weight < _F_WEAK:
        for given in givens:
            if given.first in q.weak:
                return _F_WEAK, "short form (weak)", given.first, best_sim
    if weight < _F_EDIT1 and len(first) >= 3 and (best_sim >= 0.7 or len(first) < 5):
        edits = min(_osa(first, given.first, score_cutoff=2) for given in givens)
        if edits == 1:
            return _F_EDIT1, "one letter out", best_name, best_sim
        if edits == 2 and len(first) >= 6 and weight < _F_EDIT2:
            return _F_EDIT2, "two letters out", best_name, best_sim
    if len(first) == 1 and weight < _F_INITIAL:
        for given in givens:
            if given.first.startswith(first):
                return _F_INITIAL, "initial", given.first, best_sim
    return weight, "similar" if weight > 0 else "disagree", best_name, best_sim


class PreparedQuery:
    """A query normalised once, to score many candidates quickly."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.surname = _Surname(query.surname)
        self.forename = _Forename(query.forename)
        self.has_surname = bool(self.surname.full)
        self.has_forename = bool(self.forename.first)
        # the names read the other way round
        self.swapped = (_Surname(query.forename), _Forename(query.surname)) if self.has_forename and self.has_surname else None
        self.dob = query.date_of_birth
        self.dates: dict[datetime.date, tuple[float, str]] = {}
        if self.dob:
            self.dates = dict.fromkeys(date_slips(self.dob), (_W_D["slip"], "one slip"))
            if swapped := _swapped(self.dob):
                self.dates[swapped] = (_W_D["swapped"], "day and month swapped")
            self.dates[self.dob] = (_W_D["exact"], "exact")
        self.sex = query.sex if query.sex in _BINARY_SEX or query.sex == "other" else ""
        place = _safe_postcode(query.postcode)
        self.postcode, self.sector, self.district = place if place else ("", "", "")
        self.area = _area(self.district) if self.district else ""
        self.base_max = (
            (_W_S["exact"] if self.has_surname else 0.0)
            + (_W_F["exact"] if self.has_forename else 0.0)
            + (_W_D["exact"] if self.dob else 0.0)
        )
        self.postcode_max = _W_P["exact"] if self.postcode else _W_P["district"] if self.district else 0.0

    def _names(self, r: _PreparedRecord) -> tuple[float, bool]:
        total = 0.0
        if self.has_surname:
            total += _surname_agreement(self.surname, r.families)[0] if r.families else _W_S["disagree"]
        if self.has_forename:
            total += _forename_agreement(self.forename, r.givens)[0] if r.givens else _W_F["disagree"]
        if self.swapped is not None and total < _TRY_SWAP_BELOW and r.families and r.givens:
            surname, forename = self.swapped
            other = _surname_agreement(surname, r.families)[0] + _forename_agreement(forename, r.givens)[0] + _SWAP_PENALTY
            if other > total:
                return other, True
        return total, False

    def _sex(self, r: _PreparedRecord) -> tuple[float, float, str]:
        """(weight, its maximum, level): male and female agree or disagree; "other" agrees only with itself."""
        if not self.sex or r.sex not in _BINARY_SEX and r.sex != "other":
            return 0.0, 0.0, "not known"
        if self.sex == r.sex:
            return _W_X["agree"], _W_X["agree"], "agree"
        if self.sex in _BINARY_SEX and r.sex in _BINARY_SEX:
            return _W_X["disagree"], _W_X["agree"], "disagree"
        return 0.0, 0.0, "not comparable"

    def _postcode_level(self, r: _PreparedRecord) -> tuple[str, str]:
        places = r.places
        if self.postcode and any(place.full == self.postcode for place in places):
            return "exact", self.postcode
        if self.sector and any(place.sector == self.sector for place in places):
            return "sector", self.sector
        if any(place.district == self.district for place in places):
            return "district", self.district
        if any(place.area == self.area for place in places):
            return "area", self.area
        return "disagree", ""

    def _rest(self, r: _PreparedRecord) -> tuple[float, float]:
        total, top = 0.0, self.base_max
        if self.dob:
            total += self.dates.get(r.dob, _NO_DATE)[0]
        if self.sex:
            weight, most, _ = self._sex(r)
            total += weight
            top += most
        if self.district and r.places:
            top += self.postcode_max
            total += _W_P[self._postcode_level(r)[0]]
        return total, top

    def score(self, record: ChildRecord) -> float:
        r = record.__dict__.get("_prepared") or _prepared_record(record)
        total = self._names(r)[0]
        rest, top = self._rest(r)
        total += rest
        if top <= 0 or total <= 0:
            return 0.0
        return total / top if total < top else 1.0

    def explain(self, record: ChildRecord) -> dict:
        r = _prepared_record(record)
        names_total, swapped = self._names(r)
        rest_total, top = self._rest(r)
        surname_q, forename_q = self.swapped if swapped and self.swapped else (self.surname, self.forename)
        surname_text, forename_text = (
            (self.query.forename, self.query.surname) if swapped else (self.query.surname, self.query.forename)
        )
        fields: dict[str, dict] = {}
        if surname_q.full:
            weight, level, matched, sim = (
                _surname_agreement(surname_q, r.families) if r.families else (_W_S["disagree"], "none recorded", "", 0.0)
            )
            fields["surname"] = {"query": surname_text, "matched": matched, "agreement": level, "similarity": round(sim, 3)}
            fields["surname"] |= {"weight": round(weight, 3), "max": _W_S["exact"]}
        if forename_q.first:
            weight, level, matched, sim = (
                _forename_agreement(forename_q, r.givens) if r.givens else (_W_F["disagree"], "none recorded", "", 0.0)
            )
            fields["forename"] = {"query": forename_text, "matched": matched, "agreement": level, "similarity": round(sim, 3)}
            fields["forename"] |= {"weight": round(weight, 3), "max": _W_F["exact"]}
        if self.dob:
            weight, level = self.dates.get(r.dob, _NO_DATE)
            fields["date_of_birth"] = {
                "query": self.dob.isoformat(),
                "matched": r.dob.isoformat(),
                "agreement": level,
                "weight": weight,
                "max": _W_D["exact"],
            }
        if self.sex:
            weight, most, level = self._sex(r)
            fields["sex"] = {"query": self.sex, "matched": r.sex, "agreement": level, "weight": weight, "max": most}
        if self.district:
            if r.places:
                level, matched = self._postcode_level(r)
                fields["postcode"] = {
                    "query": self.query.postcode,
                    "matched": matched,
                    "agreement": level,
                    "weight": _W_P[level],
                    "max": self.postcode_max,
                }
            else:
                fields["postcode"] = {
                    "query": self.query.postcode,
                    "matched": "",
                    "agreement": "none recorded",
                    "weight": 0.0,
                    "max": 0.0,
                }
        total = names_total + rest_total
        return {
            "score": 0.0 if top <= 0 or total <= 0 else round(min(1.0, total / top), 4),
            "total_weight": round(total, 3),
            "max_weight": top,
            "names": "forename and surname swapped" if swapped else "as entered",
            "swap_penalty": _SWAP_PENALTY if swapped else 0.0,
            "fields": fields,
        }


@functools.lru_cache(maxsize=1024)
def prepare(query: Query) -> PreparedQuery:
    """The query normalised once (and cached), to score many candidates."""
    return PreparedQuery(query)


def score(query: Query, record: ChildRecord) -> float:
    """0..1, higher is better: the field agreement weights (best over the record's names and
    postcodes; names as entered or swapped) over the most the query's fields could earn."""
    return prepare(query).score(record)


def explain(query: Query, record: ChildRecord) -> dict:
    """Per field: what was compared, how it agreed, its weight and maximum; then the total and score."""
    return prepare(query).explain(record)


def rank(query: Query, records: Iterable[tuple[object, ChildRecord]]) -> list[tuple[float, object]]:
    """(score, id) for (id, record) pairs, best first."""
    prepared = prepare(query)
    return sorted(((prepared.score(record), record_id) for record_id, record in records), key=lambda pair: -pair[0])
