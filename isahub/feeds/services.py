"""Loading agency feeds, and the data manager's decisions on what they could not settle.

`feed_import` reads and validates the whole file first; a file that cannot be read, or whose
rejection rate passes ISAHUB_FEED_MAX_REJECTION_RATE, loads nothing. Otherwise every good row
is loaded in one transaction (a crash or kill half-way leaves nothing behind): linked to a
child (linking.py), used to update what the index holds (through the child index's own
services, so provenance and history are kept), or queued for review; a conflicting fact is
queued, never applied silently. Snapshot feeds then end what the extract no longer lists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Agency, AgencyKind, User
from isahub.audit.services import audit_record
from isahub.children import matching
from isahub.children import services as children
from isahub.children.models import Child, ChildAddress, ChildFactChange, ChildIdentifier, SchoolStatus
from isahub.policy.engine import require

from . import feedtypes as ft
from .linking import CREATE, LINK, Linker, _survivor, default_linker
from .models import (
    Conflict,
    ConflictStatus,
    FeedEvent,
    FeedLoad,
    LoadStatus,
    MatchLabel,
    ReviewItem,
    ReviewStatus,
    SourceRecord,
    load_id_from_source,
)
from .reading import UnreadableFile, guess_format, parse
from .validation import CleanRow, Validated, validate

# Which kind of agency may send which feed (the feed sets that agency as the child's school or GP).
AGENCY_KINDS = {"school_roll": {AgencyKind.SCHOOL}, "gp_registrations": {AgencyKind.GP}}
COUNTS = ("linked", "created", "queued", "updated", "unchanged", "ended", "conflicts", "events")

Progress = Callable[[int, int], None]


def max_rejection_rate() -> float:
    return settings.ISAHUB_FEED_MAX_REJECTION_RATE


def conflict_window() -> dt.timedelta:
    return dt.timedelta(days=settings.ISAHUB_FEED_CONFLICT_WINDOW_DAYS)


@dataclass
class _Load:
    load: FeedLoad
    feed: ft.FeedType
    actor: User
    today: dt.date
    counts: Counter = field(default_factory=Counter)
    seen: set[int] = field(default_factory=set)

    @property
    def agency(self) -> Agency:
        return self.load.agency

    @property
    def source(self) -> str:
        return self.load.source


# --------------------------------------------------------------------------------------------
# Loading


def feed_import(
    *,
    actor: User,
    agency: Agency,
    feed_type: str,
    file_name: str,
    data: bytes,
    fmt: str = "",
    linker: Linker | None = None,
    progress: Progress | None = None,
) -> FeedLoad:
    """Load one extract. Always returns the FeedLoad with its report, whatever the outcome."""
    feed = ft.feed_type(feed_type)
    require(actor, "feed.load", agency)
    allowed_kinds = AGENCY_KINDS.get(feed.code)
    if allowed_kinds and agency.kind not in allowed_kinds:
        raise ValidationError(
            f"A {feed.label} extract comes from a {' or '.join(k.label for k in allowed_kinds)}, not from {agency.name}."
        )
    started = time.monotonic()
    today = timezone.localdate()
    fmt = fmt or guess_format(file_name)
    base = {"agency": agency, "feed_type": feed.code, "file_name": file_name[:200], "loaded_by": actor}
    try:
        parsed = parse(data, feed=feed, fmt=fmt)
    except UnreadableFile as error:
        return _refuse(base | {"file_sha256": hashlib.sha256(data).hexdigest()}, str(error), started, actor)
    base["file_sha256"] = parsed.sha256
    notes = (
        [f"Columns not in the {feed.label} schema were ignored: {', '.join(parsed.ignored_columns)}."]
        if parsed.ignored_columns
        else []
    )
    if FeedLoad.objects.filter(agency=agency, feed_type=feed.code, file_sha256=parsed.sha256, status=LoadStatus.LOADED).exists():
        return _unchanged(base, len(parsed.rows), started, actor)
    checked = validate(parsed.rows, feed=feed, today=today)
    report = {"rejections": [r.as_dict() for r in checked.rejected], "notes": notes, "format": parsed.format}
    limit = max_rejection_rate()
    if checked.rejection_rate > limit:
        why = (
            f"{len(checked.rejected)} of {checked.rows_read} rows ({checked.rejection_rate:.1%}) have problems, more than the "
            f"{limit:.1%} allowed: nothing was loaded. Correct the rows listed and send the whole extract again."
        )
        return _refuse(base, why, started, actor, rows_read=checked.rows_read, rejected=len(checked.rejected), report=report)
    with transaction.atomic():
        load = FeedLoad.objects.create(
            **base,
            status=LoadStatus.LOADED,
            rows_read=checked.rows_read,
            rejected=len(checked.rejected),
            report=report,
            loaded_at=timezone.now(),
        )
        ctx = _Load(load=load, feed=feed, actor=actor, today=today)
        _load_rows(ctx, checked, linker or default_linker(), progress)
        if feed.snapshot:
            # A rejected row is not evidence that the child has left: its reference is kept open.
            # A rejected line with no readable reference might be anyone, so nothing is ended.
            kept = {r.source_id for r in checked.rejected}
            if "" in kept:
                load.report["notes"].append("Nothing was ended: a rejected line has no source_id, so who left cannot be told.")
            else:
                _end_missing(ctx, keep=kept)
        for name in COUNTS:
            setattr(load, name, ctx.counts[name])
        load.seconds = round(time.monotonic() - started, 3)
        load.save()
        audit_record(action="feed.loaded", actor=actor, target=load, details=_summary(load))
    return load


def _summary(load: FeedLoad) -> dict:
    return {
        "agency": load.agency_id,
        "feed_type": load.feed_type,
        "file_sha256": load.file_sha256,
        "rows_read": load.rows_read,
        "rejected": load.rejected,
        **{name: getattr(load, name) for name in COUNTS},
    }


def _refuse(base: dict, why: str, started: float, actor: User, **fields) -> FeedLoad:
    with transaction.atomic():
        load = FeedLoad.objects.create(
            **base,
            **fields,
            status=LoadStatus.REFUSED,
            refusal=why,
            seconds=round(time.monotonic() - started, 3),
            loaded_at=timezone.now(),
        )
        audit_record(
            action="feed.load_refused", actor=actor, target=load, outcome="failure", details=_summary(load) | {"why": why}
        )
    return load


def _unchanged(base: dict, rows: int, started: float, actor: User) -> FeedLoad:
    with transaction.atomic():
        load = FeedLoad.objects.create(
            **base,
            status=LoadStatus.UNCHANGED,
            rows_read=rows,
            refusal="This extract was loaded before: nothing changed.",
            seconds=round(time.monotonic() - started, 3),
            loaded_at=timezone.now(),
        )
        audit_record(action="feed.load_unchanged", actor=actor, target=load, details=_summary(load))
    return load


def _load_rows(ctx: _Load, checked: Validated, linker: Linker, progress: Progress | None) -> None:
    total = len(checked.good)
    prepare = getattr(linker.scorer, "prepare", None)
    if prepare is not None:  # a scorer that scores the whole extract at once (isahub/linkage)
        prepare(checked.good)
    for done, row in enumerate(checked.good, start=1):
        load_row(ctx, row, linker)
        if progress and (done % 100 == 0 or done == total):
            progress(done, total)


def load_row(ctx: _Load, row: CleanRow, linker: Linker) -> None:
    """One validated row: link (or create, or queue), update, record its events."""
    record = SourceRecord.objects.filter(agency=ctx.agency, feed_type=ctx.feed.code, source_id=row.source_id).first()
    if record is not None:
        ctx.seen.add(record.pk)
        if record.row_hash == row.row_hash and record.ended_by_id is None:
            record.last_load = ctx.load
            record.save(update_fields=["last_load"])
            ctx.counts["unchanged"] += 1
            return
        child = Child.objects.get(pk=_survivor(record.child_id))
        ctx.counts["linked"] += 1
        _apply_row(ctx, child, row, record=record)
        return
    decision = linker.decide(row, may_create=ctx.feed.creates_children)
    if decision.outcome == LINK:
        assert decision.child_id is not None
        child = Child.objects.get(pk=decision.child_id)
        ctx.counts["linked"] += 1
        _apply_row(ctx, child, row)
    elif decision.outcome == CREATE:
        child = _create_child(ctx, row)
        ctx.counts["created"] += 1
        _remember(ctx, child, row, None)
        _record_events(ctx, child, row)
    else:
        # One open item per agency reference: a later extract's different row replaces the
        # waiting one (the data manager decides on the latest); the same row is not queued twice.
        waiting = ReviewItem.objects.filter(
            load__agency=ctx.agency, load__feed_type=ctx.feed.code, source_id=row.source_id, status=ReviewStatus.OPEN
        ).first()
        fields = {
            "load": ctx.load,
            "line": row.line,
            "row": row_to_json(row),
            "row_hash": row.row_hash,
            "why": decision.why[:200],
            "best_score": decision.best_score,
            "candidates": [c.as_dict() for c in decision.candidates],
            "scorer": linker.scorer.name,
        }
        if waiting is None:
            ReviewItem.objects.create(source_id=row.source_id, **fields)
        elif waiting.row_hash != row.row_hash:
            for name, value in fields.items():
                setattr(waiting, name, value)
            waiting.save(update_fields=list(fields))
        ctx.counts["queued"] += 1


def _remember(ctx: _Load, child: Child, row: CleanRow, record: SourceRecord | None) -> None:
    if record is None:
        record, _ = SourceRecord.objects.update_or_create(
            agency=ctx.agency,
            feed_type=ctx.feed.code,
            source_id=row.source_id,
            defaults={"child": child, "row_hash": row.row_hash, "first_load": ctx.load, "last_load": ctx.load, "ended_by": None},
        )
    else:
        record.child, record.row_hash, record.last_load, record.ended_by = child, row.row_hash, ctx.load, None
        record.save(update_fields=["child", "row_hash", "last_load", "ended_by"])
    ctx.seen.add(record.pk)


def _apply_row(ctx: _Load, child: Child, row: CleanRow, record: SourceRecord | None = None) -> None:
    changed, conflicts = _update_child(ctx, child, row)
    ctx.counts["updated"] += int(changed)
    ctx.counts["conflicts"] += conflicts
    _remember(ctx, child, row, record)
    _record_events(ctx, child, row)


def _create_child(ctx: _Load, row: CleanRow) -> Child:
    sets = ctx.feed.sets
    details = children.NewChild(
        given_names=row["given_names"],
        family_name=row["family_name"],
        date_of_birth=row["date_of_birth"],
        sex=row["sex"] or "unknown",
        address_line_1=row["address_line_1"],
        address_line_2=row["address_line_2"],
        town=row["town"],
        postcode=row["postcode"],
        school_status=SchoolStatus.ATTENDING if sets == "school" else SchoolStatus.NOT_OF_SCHOOL_AGE,
        school_id=ctx.agency.pk if sets == "school" else None,
        gp_practice_id=ctx.agency.pk if sets == "gp_practice" else None,
        nhs_number=row["nhs_number"],
        upn=row["upn"],
    )
    return children.child_create(actor=ctx.actor, details=details, source=ctx.source)


# --------------------------------------------------------------------------------------------
# Updates and the conflict rule


def _setter(source: str, recorded_for_id: int | None) -> int | None:
    """The agency a recorded value came from: the feed's agency for feed changes."""
    load_id = load_id_from_source(source)
    if load_id is not None:
        return FeedLoad.objects.filter(pk=load_id).values_list("agency_id", flat=True).first()
    return recorded_for_id


def _describe(source: str, recorded_for_id: int | None, recorded_at: dt.datetime) -> str:
    agency_id = _setter(source, recorded_for_id)
    agency = (
        Agency.objects.filter(pk=agency_id).values_list("name", flat=True).first() if agency_id else None
    ) or "unknown agency"
    how = f"feed load {load_id_from_source(source)}" if load_id_from_source(source) else source
    return f"{agency} ({how}), {timezone.localtime(recorded_at):%d %b %Y}"[:200]


def _last_set(child: Child, fact: str) -> tuple[str, int | None, dt.datetime]:
    """(source, recorded_for_id, recorded_at) of the current value of a fact."""
    if fact == "address":
        current = ChildAddress.objects.filter(child=child, valid_to__isnull=True).order_by("-recorded_at").first()
        if current is not None:
            return current.source, current.recorded_for_id, current.recorded_at
    else:
        model_field = {"school": "school_id", "gp_practice": "gp_practice_id"}.get(fact, fact)
        change = ChildFactChange.objects.filter(child=child, field=model_field).order_by("-recorded_at", "-id").first()
        if change is not None:
            return change.source, change.recorded_for_id, change.recorded_at
    return child.source, child.recorded_for_id, child.recorded_at


def _must_wait(ctx: _Load, child: Child, fact: str) -> tuple[bool, str]:
    """Whether a new value from this feed must wait for a data manager, and the current source.
    It waits when a conflict about the fact is already open, or when another agency set the
    current value within the conflict window (two sources disagreeing, IDX-09)."""
    source, recorded_for_id, recorded_at = _last_set(child, fact)
    described = _describe(source, recorded_for_id, recorded_at)
    if Conflict.objects.filter(child=child, field=fact, status=ConflictStatus.OPEN).exists():
        return True, described
    other_agency = _setter(source, recorded_for_id) != ctx.agency.pk
    recent = timezone.now() - recorded_at < conflict_window()
    return other_agency and recent, described


def _conflict(
    ctx: _Load, child: Child, fact: str, current: str, described: str, proposed: dict, proposed_text: str, line: int
) -> int:
    exists = Conflict.objects.filter(child=child, field=fact, status=ConflictStatus.OPEN, proposed=proposed).exists()
    if not exists:
        Conflict.objects.create(
            child=child,
            field=fact,
            current_value=current[:300],
            current_source=described,
            proposed=proposed,
            proposed_text=proposed_text[:300],
            load=ctx.load,
            line=line,
        )
    return 1


def _address_text(line_1: str, line_2: str, town: str, postcode: str) -> str:
    return ", ".join(p for p in (line_1, line_2, town, postcode) if p)


def _same_address(current: ChildAddress, row: CleanRow) -> bool:
    fold = matching.normalise_name
    return current.postcode == row["postcode"] and fold(current.line_1) == fold(row["address_line_1"])


def _update_child(ctx: _Load, child: Child, row: CleanRow) -> tuple[bool, int]:
    """Apply what the row says that the index does not hold yet. Returns (changed, conflicts)."""
    changed, conflicts = False, 0
    # National identifiers: added when missing; a different one is a conflict.
    for kind, column in (("nhs", "nhs_number"), ("upn", "upn")):
        value = row[column]
        if not value:
            continue
        held = ChildIdentifier.objects.filter(child=child, kind=kind).values_list("value", flat=True).first()
        if held == value:
            continue
        elsewhere = ChildIdentifier.objects.filter(kind=kind, value=value).exclude(child=child).exists()
        if held is None and not elsewhere:
            children.child_add_identifier(actor=ctx.actor, child=child, kind=kind, value=value, source=ctx.source)
            changed = True
            continue
        current = held or "none (another record holds the feed's value)"
        source, recorded_for_id, recorded_at = _last_set(child, column)
        conflicts += _conflict(
            ctx, child, column, current, _describe(source, recorded_for_id, recorded_at), {"value": value}, value, row.line
        )
    # Facts a child does not change: a difference is a conflict, never applied silently.
    if row["date_of_birth"] != child.date_of_birth:
        source, recorded_for_id, recorded_at = _last_set(child, "date_of_birth")
        conflicts += _conflict(
            ctx,
            child,
            "date_of_birth",
            child.date_of_birth.isoformat(),
            _describe(source, recorded_for_id, recorded_at),
            {"value": row["date_of_birth"].isoformat()},
            row["date_of_birth"].isoformat(),
            row.line,
        )
    sex = row["sex"]
    if sex and sex != "unknown" and sex != child.sex:
        if child.sex == "unknown":
            children.child_change_fact(actor=ctx.actor, child=child, field_name="sex", value=sex, source=ctx.source)
            changed = True
        else:
            source, recorded_for_id, recorded_at = _last_set(child, "sex")
            conflicts += _conflict(
                ctx, child, "sex", child.sex, _describe(source, recorded_for_id, recorded_at), {"value": sex}, sex, row.line
            )
    # The current address.
    if ctx.feed.updates_address and row["postcode"] and row["address_line_1"]:
        address = ChildAddress.objects.filter(child=child, valid_to__isnull=True).order_by("-recorded_at").first()
        if address is None or not _same_address(address, row):
            proposed = {
                "line_1": row["address_line_1"],
                "line_2": row["address_line_2"],
                "town": row["town"],
                "postcode": row["postcode"],
                "moved_on": _event_date(ctx.feed, row, ctx.today).isoformat(),
            }
            text = _address_text(row["address_line_1"], row["address_line_2"], row["town"], row["postcode"])
            wait, described = _must_wait(ctx, child, "address") if address is not None else (False, "")
            if wait:
                assert address is not None
                current_text = _address_text(address.line_1, address.line_2, address.town, address.postcode)
                conflicts += _conflict(ctx, child, "address", current_text, described, proposed, text, row.line)
            else:
                apply_change(actor=ctx.actor, child=child, fact="address", proposed=proposed, source=ctx.source)
                changed = True
    # The fact this agency is the source of: the child's school or GP practice.
    if ctx.feed.sets:
        model_field = f"{ctx.feed.sets}_id" if ctx.feed.sets != "school" else "school_id"
        current_id = getattr(child, model_field)
        if current_id != ctx.agency.pk:
            wait, described = _must_wait(ctx, child, ctx.feed.sets) if current_id else (False, "")
            proposed = {"agency_id": ctx.agency.pk}
            if wait:
                current_name = Agency.objects.filter(pk=current_id).values_list("name", flat=True).first() or ""
                conflicts += _conflict(ctx, child, ctx.feed.sets, current_name, described, proposed, ctx.agency.name, row.line)
            else:
                apply_change(actor=ctx.actor, child=child, fact=ctx.feed.sets, proposed=proposed, source=ctx.source)
                changed = True
    return changed, conflicts


def apply_change(*, actor: User, child: Child, fact: str, proposed: dict, source: str) -> None:
    """Make one change through the child index's services (provenance and history kept)."""
    if fact == "address":
        children.child_move(
            actor=actor,
            child=child,
            line_1=proposed["line_1"],
            line_2=proposed.get("line_2", ""),
            town=proposed["town"],
            postcode=proposed["postcode"],
            moved_on=dt.date.fromisoformat(proposed["moved_on"]),
            source=source,
        )
    elif fact == "school":
        children.child_change_fact(actor=actor, child=child, field_name="school_id", value=proposed["agency_id"], source=source)
        children.child_change_fact(
            actor=actor, child=child, field_name="school_status", value=SchoolStatus.ATTENDING, source=source
        )
    elif fact == "gp_practice":
        children.child_change_fact(
            actor=actor, child=child, field_name="gp_practice_id", value=proposed["agency_id"], source=source
        )
    elif fact in ("date_of_birth", "sex"):
        value = dt.date.fromisoformat(proposed["value"]) if fact == "date_of_birth" else proposed["value"]
        children.child_change_fact(actor=actor, child=child, field_name=fact, value=value, source=source)
    elif fact in ("nhs_number", "upn"):
        kind = "nhs" if fact == "nhs_number" else "upn"
        if ChildIdentifier.objects.filter(kind=kind, value=proposed["value"]).exclude(child=child).exists():
            raise ValidationError("Another record holds this identifier: merge the two records first if they are the same child.")
        with transaction.atomic():
            ChildIdentifier.objects.filter(child=child, kind=kind).delete()
            children.child_add_identifier(actor=actor, child=child, kind=kind, value=proposed["value"], source=source)
    else:
        raise ValueError(f"unknown fact {fact!r}")


# --------------------------------------------------------------------------------------------
# Events and ending


def _event_date(feed: ft.FeedType, row: CleanRow, today: dt.date) -> dt.date:
    if feed.event_date_column and row[feed.event_date_column]:
        return row[feed.event_date_column]
    return today


def _events_in(feed: ft.FeedType, row: CleanRow) -> list[tuple[str, dt.date]]:
    events = []
    if feed.event and row[feed.event_date_column]:
        events.append((feed.event, row[feed.event_date_column]))
    if row["exclusion_date"]:
        events.append(("school_exclusion", row["exclusion_date"]))
    if row["event_kind"] and row["event_date"]:
        events.append((row["event_kind"], row["event_date"]))
    return events


def _record_events(ctx: _Load, child: Child, row: CleanRow) -> None:
    for kind, date in _events_in(ctx.feed, row):
        ctx.counts["events"] += record_event(
            child=child, kind=kind, date=date, agency=ctx.agency, source_id=row.source_id, load=ctx.load
        )


def record_event(*, child: Child, kind: str, date: dt.date, agency: Agency, source_id: str, load: FeedLoad) -> int:
    """Record an event once (the same report in a later extract is not a second event).
    The hook for the alerting work: alert rules will read FeedEvent (DOMAIN.md §10)."""
    _, created = FeedEvent.objects.get_or_create(
        agency=agency,
        kind=kind,
        source_id=source_id,
        date=date,
        defaults={"child": child, "load": load, "recorded_at": timezone.now()},
    )
    return int(created)


def _end_missing(ctx: _Load, *, keep: set[str]) -> None:
    """A snapshot feed lists everyone the agency holds: whoever it no longer lists has left
    (except the references in `keep`: rows rejected this time)."""
    missing = (
        SourceRecord.objects.filter(agency=ctx.agency, feed_type=ctx.feed.code, ended_by__isnull=True)
        .exclude(pk__in=ctx.seen)
        .exclude(source_id__in=keep)
    )
    for record in missing.select_related("child"):
        record.ended_by = ctx.load
        record.save(update_fields=["ended_by"])
        ctx.counts["ended"] += 1
        child = Child.objects.get(pk=_survivor(record.child_id))
        if ctx.feed.sets == "school" and child.school_id == ctx.agency.pk:
            children.child_change_fact(
                actor=ctx.actor, child=child, field_name="school_status", value=SchoolStatus.NO_SCHOOL, source=ctx.source
            )
            children.child_change_fact(actor=ctx.actor, child=child, field_name="school_id", value=None, source=ctx.source)
            ctx.counts["events"] += record_event(
                child=child, kind="left_school_roll", date=ctx.today, agency=ctx.agency, source_id=record.source_id, load=ctx.load
            )
        elif ctx.feed.sets == "gp_practice" and child.gp_practice_id == ctx.agency.pk:
            children.child_change_fact(actor=ctx.actor, child=child, field_name="gp_practice_id", value=None, source=ctx.source)


# --------------------------------------------------------------------------------------------
# Rows kept for review


def row_to_json(row: CleanRow) -> dict:
    return {
        "line": row.line,
        "row_hash": row.row_hash,
        "values": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.values.items()},
    }


def row_from_json(feed: ft.FeedType, data: dict) -> CleanRow:
    values = {}
    for name, value in data["values"].items():
        column = feed.column(name)
        values[name] = dt.date.fromisoformat(value) if column and column.format == ft.DATE and value else value
    return CleanRow(data["line"], values, data["row_hash"])


# --------------------------------------------------------------------------------------------
# The review queue


def _decided(item: ReviewItem, actor: User, status: str, child: Child | None, note: str) -> None:
    if item.status != ReviewStatus.OPEN:
        raise ValidationError("This row has already been decided.")
    item.status, item.decided_by, item.decided_at, item.decided_child, item.note = (
        status,
        actor,
        timezone.now(),
        child,
        note.strip(),
    )
    item.save(update_fields=["status", "decided_by", "decided_at", "decided_child", "note"])


def _label(item: ReviewItem, actor: User, matched: UUID | None) -> None:
    now = timezone.now()
    for candidate in item.candidates:
        child_id = UUID(candidate["child_id"])
        MatchLabel.objects.update_or_create(
            review=item,
            child_id=child_id,
            defaults={
                "is_match": child_id == matched,
                "score": candidate["score"],
                "scorer": item.scorer,
                "labelled_by": actor,
                "labelled_at": now,
            },
        )
    if matched is not None and not any(c["child_id"] == str(matched) for c in item.candidates):
        MatchLabel.objects.create(
            review=item, child_id=matched, is_match=True, score=0, scorer=item.scorer, labelled_by=actor, labelled_at=now
        )


def _context_for(item: ReviewItem, actor: User) -> tuple[_Load, CleanRow]:
    feed = ft.feed_type(item.load.feed_type)
    return _Load(load=item.load, feed=feed, actor=actor, today=timezone.localdate()), row_from_json(feed, item.row)


def review_link(*, actor: User, item: ReviewItem, child_id: UUID, note: str = "") -> None:
    """The row is this candidate: link it, apply what it says (through the conflict rule), label the pair."""
    require(actor, "feed.review", item)
    if str(child_id) not in {c["child_id"] for c in item.candidates}:
        raise ValidationError({"child": "Choose one of the candidate records."})
    with transaction.atomic():
        child = Child.objects.get(pk=_survivor(child_id))
        ctx, row = _context_for(item, actor)
        _decided(item, actor, ReviewStatus.LINKED, child, note)
        record = SourceRecord.objects.filter(agency=ctx.agency, feed_type=ctx.feed.code, source_id=row.source_id).first()
        _apply_row(ctx, child, row, record=record)
        _label(item, actor, child.pk)
        audit_record(
            action="feed.review_linked",
            actor=actor,
            target=item,
            child_id=str(child.pk),
            reason=note,
            details={"load": item.load_id, "line": item.line, "conflicts": ctx.counts["conflicts"]},
        )


def review_create(*, actor: User, item: ReviewItem, note: str = "") -> Child:
    """The row is none of the candidates: add it as a new child."""
    require(actor, "feed.review", item)
    if item.status != ReviewStatus.OPEN:
        raise ValidationError("This row has already been decided.")
    with transaction.atomic():
        ctx, row = _context_for(item, actor)
        if not (row["address_line_1"] and row["town"] and row["postcode"]):
            raise ValidationError(
                "This row has no full address, which a new record needs: add the child from 'Add a child' instead."
            )
        for kind, column in (("nhs", "nhs_number"), ("upn", "upn")):
            if row[column] and ChildIdentifier.objects.filter(kind=kind, value=row[column]).exists():
                raise ValidationError(
                    "Another record already holds this row's identifier: link the row to it, or reject the row."
                )
        child = _create_child(ctx, row)
        _decided(item, actor, ReviewStatus.CREATED, child, note)
        _remember(ctx, child, row, None)
        _record_events(ctx, child, row)
        _label(item, actor, None)
        audit_record(
            action="feed.review_created",
            actor=actor,
            target=item,
            child_id=str(child.pk),
            reason=note,
            details={"load": item.load_id, "line": item.line},
        )
    return child


def review_reject(*, actor: User, item: ReviewItem, note: str) -> None:
    """The row is not to be loaded (wrong child, test data, not ours)."""
    require(actor, "feed.review", item)
    if not note.strip():
        raise ValidationError({"note": "Say why this row is rejected: the agency is told."})
    with transaction.atomic():
        _decided(item, actor, ReviewStatus.REJECTED, None, note)
        audit_record(
            action="feed.review_rejected",
            actor=actor,
            target=item,
            reason=note,
            details={"load": item.load_id, "line": item.line},
        )


# --------------------------------------------------------------------------------------------
# The conflict queue


def conflict_resolve(*, actor: User, conflict: Conflict, apply: bool, note: str = "") -> None:
    """Verify a disputed fact: apply the feed's value (with the feed as its source), or keep the current one."""
    require(actor, "feed.conflict_resolve", conflict)
    if conflict.status != ConflictStatus.OPEN:
        raise ValidationError("This conflict has already been resolved.")
    if not apply and not note.strip():
        raise ValidationError({"note": "Say why the current value is right (for example, who you checked with)."})
    with transaction.atomic():
        if apply:
            child = Child.objects.get(pk=_survivor(conflict.child_id))
            apply_change(actor=actor, child=child, fact=conflict.field, proposed=conflict.proposed, source=conflict.load.source)
        conflict.status = ConflictStatus.APPLIED if apply else ConflictStatus.KEPT
        conflict.resolved_by, conflict.resolved_at, conflict.note = actor, timezone.now(), note.strip()
        conflict.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
        audit_record(
            action="feed.conflict_resolved",
            actor=actor,
            target=conflict,
            child_id=str(conflict.child_id),
            reason=note,
            details={"field": conflict.field, "outcome": conflict.status, "load": conflict.load_id},
        )
