"""The feed types, as data: what each agency extract holds, column by column.

A feed type says which columns an extract must and may carry, the format of each, whether a
row that matches nobody may add a child to the index (`creates_children`), whether the
extract is a full list of everyone the agency holds (`snapshot`: a later extract ends what it
no longer lists), which fact about the child the agency is the source of (`sets`), and which
event each row records (`event`). docs/feeds.md is generated from the same table in words,
and `docs/feeds/` holds a synthetic sample of each.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column formats. Each is checked by validation.py.
TEXT = "text"  # any non-blank text (trimmed), up to `max_length`
DATE = "date"  # YYYY-MM-DD (or DD/MM/YYYY), a real calendar date
NHS = "nhs_number"  # 10 digits with a valid modulus 11 check digit (spaces allowed)
UPN = "upn"  # unique pupil number: check letter + 12 characters (DfE algorithm)
POSTCODE = "postcode"  # a UK postcode in the national format
SEX = "sex"  # female/male/other/unknown, or F/M/O/U
CHOICE = "choice"  # one of `choices`


@dataclass(frozen=True)
class Column:
    name: str
    format: str
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    max_length: int = 120


@dataclass(frozen=True)
class FeedType:
    code: str
    label: str
    description: str
    columns: tuple[Column, ...]
    creates_children: bool
    snapshot: bool
    sets: str = ""  # "school" | "gp_practice" | "": the fact this agency is the source of
    event: str = ""  # the FeedEvent kind each row records ("" for none)
    event_date_column: str = ""
    updates_address: bool = True

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _identity(*, address_required: bool, nhs: bool = False, upn: bool = False) -> tuple[Column, ...]:
    """The columns that say who the child is, shared by every feed."""
    return (
        Column(
            "source_id",
            TEXT,
            True,
            "The agency's own reference for this row (admission number, "
            "patient id, incident reference). Stable between extracts.",
            max_length=40,
        ),
        Column("given_names", TEXT, True, "Forename(s) as the agency holds them."),
        Column("family_name", TEXT, True, "Surname."),
        Column("date_of_birth", DATE, True, "Not in the future; the child is under 26 on the day of the load."),
        Column("sex", SEX, False, "female, male, other or unknown (F, M, O, U accepted)."),
        Column("nhs_number", NHS, nhs, "10 digits, modulus 11 check digit."),
        Column("upn", UPN, upn, "Unique pupil number: a check letter then 12 characters."),
        Column("address_line_1", TEXT, address_required, "First line of the child's current address."),
        Column("address_line_2", TEXT, False, "Second line of the address."),
        Column("town", TEXT, address_required, "Town or city."),
        Column("postcode", POSTCODE, address_required, "UK postcode, e.g. NB1 4AA."),
    )


FEED_TYPES: dict[str, FeedType] = {
    t.code: t
    for t in (
        FeedType(
            code="school_roll",
            label="School roll (census-style)",
            description=(
                "Every pupil on the school's roll on the extract date. A pupil no longer "
                "listed has left: the school is no longer recorded as theirs."
            ),
            columns=(
                *_identity(address_required=True, upn=True),
                Column(
                    "year_group",
                    CHOICE,
                    False,
                    "National curriculum year.",
                    choices=("N1", "N2", "R", *(str(y) for y in range(1, 15))),
                ),
                Column("enrolled_on", DATE, False, "The day the pupil joined the roll."),
                Column(
                    "exclusion_date",
                    DATE,
                    False,
                    "The start of an exclusion, if the pupil is excluded (records a school exclusion event).",
                ),
                Column("exclusion_type", CHOICE, False, "suspension or permanent.", choices=("suspension", "permanent")),
            ),
            creates_children=True,
            snapshot=True,
            sets="school",
        ),
        FeedType(
            code="gp_registrations",
            label="GP registrations",
            description="Every child registered with the practice. A child no longer listed has left the practice.",
            columns=(
                *_identity(address_required=True, nhs=True),
                Column("registered_on", DATE, False, "The day the child registered."),
            ),
            creates_children=True,
            snapshot=True,
            sets="gp_practice",
        ),
        FeedType(
            code="health_visiting",
            label="Health visiting caseload",
            description="Every child on the health visiting caseload. A child no longer listed has left the caseload.",
            columns=(
                *_identity(address_required=True, nhs=True),
                Column("caseload_from", DATE, False, "The day the child joined the caseload."),
            ),
            creates_children=True,
            snapshot=True,
        ),
        FeedType(
            code="police_notifications",
            label="Police notifications",
            description=(
                "Notifications about children (a victim of crime, missing episodes, domestic abuse "
                "at home). Never adds a child: an unmatched row waits in the review queue."
            ),
            columns=(
                *_identity(address_required=False),
                Column("notification_date", DATE, True, "The day of the notification; not in the future."),
                Column("notification_type", TEXT, False, "The category, as the force records it.", max_length=60),
            ),
            creates_children=False,
            snapshot=False,
            event="police_notification",
            event_date_column="notification_date",
            updates_address=False,
        ),
        FeedType(
            code="ae_attendances",
            label="A&E attendances",
            description="Attendances at accident and emergency. Never adds a child: an unmatched row waits in the review queue.",
            columns=(
                *_identity(address_required=False),
                Column("attendance_date", DATE, True, "The day of the attendance; not in the future."),
            ),
            creates_children=False,
            snapshot=False,
            event="ae_attendance",
            event_date_column="attendance_date",
            updates_address=False,
        ),
        FeedType(
            code="housing_notifications",
            label="Housing notifications",
            description=(
                "A family housed, moved or placed in temporary accommodation. Records the new "
                "address (through the conflict rule) and a housing event. Never adds a child."
            ),
            columns=(
                *_identity(address_required=True),
                Column("notification_date", DATE, True, "The day the family moved or was placed; not in the future."),
                Column("notification_type", TEXT, False, "e.g. temporary accommodation, rehoused.", max_length=60),
            ),
            creates_children=False,
            snapshot=False,
            event="housing_notification",
            event_date_column="notification_date",
        ),
        FeedType(
            code="generic",
            label="Generic",
            description=(
                "Any other agency's list of children it knows. Never adds a child; "
                "an address, if given in full, is proposed as an update."
            ),
            columns=(
                *_identity(address_required=False),
                Column(
                    "event_kind",
                    CHOICE,
                    False,
                    "Records an event of this kind.",
                    choices=("police_notification", "ae_attendance", "school_exclusion", "housing_notification", "other"),
                ),
                Column("event_date", DATE, False, "The day of the event; required with event_kind."),
            ),
            creates_children=False,
            snapshot=False,
        ),
    )
}


def feed_type(code: str) -> FeedType:
    try:
        return FEED_TYPES[code]
    except KeyError:
        raise KeyError(f"Unknown feed type {code!r}: choose one of {', '.join(FEED_TYPES)}") from None
