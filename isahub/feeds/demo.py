"""The demo borough's feeds: the sample extracts in docs/feeds/ loaded by the hub's data
manager, then a later GP extract that disagrees with the school about one child's address (a
conflict to verify) and a police notification that matches a child only loosely (a row to
review). Idempotent: once loaded, running it again adds nothing (not even a load attempt)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from isahub.accounts.models import Agency

from .models import FeedLoad, LoadStatus
from .services import feed_import

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "feeds"

LOADS = [
    ("Riverside Primary School", "school_roll", "school_roll.csv"),
    ("Elm Street Surgery", "gp_registrations", "gp_registrations.csv"),
    ("Northbrook Health Visiting Service", "health_visiting", "health_visiting.jsonl"),
    ("Northbrook Police Safeguarding Unit", "police_notifications", "police_notifications.csv"),
]

# A later GP extract: Priya Chaudhry registered at a new address the school has not reported.
LATER_GP = "gp_registrations.csv", [("41 Orchard Way", "8 Quarry Hill"), ("NB1 3DF", "NB3 2TT")]
# A police notification for "Jak O'Connel", born a day out, no postcode: a data manager decides.
LOOSE_POLICE = (
    "source_id,given_names,family_name,date_of_birth,sex,notification_date,notification_type\n"
    "INC-26-0455,Jak,O'Connel,2013-01-31,M,2026-11-01,victim of crime\n"
)


def seed_feeds(*, users: dict, stdout) -> None:
    manager = users.get("datamanager2")
    agencies = {a.name: a for a in Agency.objects.filter(name__in=[name for name, _, _ in LOADS])}
    if manager is None or len(agencies) != len(LOADS):
        stdout.write("Demo feeds skipped: the demo hub's data manager or agencies are missing.")
        return
    if FeedLoad.objects.filter(file_name="police_later.csv", status=LoadStatus.LOADED).exists():
        stdout.write("The demo feeds are already loaded: nothing to add.")
        return
    results = []
    for agency_name, code, file_name in LOADS:
        results.append(_load(manager, agencies[agency_name], code, file_name, (SAMPLES / file_name).read_bytes()))
    name, replacements = LATER_GP
    later = (SAMPLES / name).read_text()
    for old, new in replacements:
        later = later.replace(old, new)
    results.append(
        _load(manager, agencies["Elm Street Surgery"], "gp_registrations", "gp_registrations_later.csv", later.encode())
    )
    results.append(
        _load(
            manager,
            agencies["Northbrook Police Safeguarding Unit"],
            "police_notifications",
            "police_later.csv",
            LOOSE_POLICE.encode(),
        )
    )
    stdout.write("Demo feeds: " + "; ".join(results) + ".")


def _load(manager, agency, code: str, file_name: str, data: bytes) -> str:
    with transaction.atomic():
        load = feed_import(actor=manager, agency=agency, feed_type=code, file_name=file_name, data=data)
    return f"{file_name} {load.get_status_display().lower()}"
