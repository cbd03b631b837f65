"""Load one agency extract from the command line, with progress and the load's summary.

    python manage.py import_feed --type school_roll --agency "Riverside Primary School" \
        --user data-manager docs/feeds/school_roll.csv

The load is the same as the upload page's (isahub.feeds.services.feed_import): validated as a
whole, then loaded in one transaction, or refused with nothing written. Exit status 0 when
loaded or already loaded, 1 when refused, 2 for a wrong argument.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from isahub.accounts.models import Agency, User
from isahub.feeds.feedtypes import FEED_TYPES
from isahub.feeds.models import LoadStatus
from isahub.feeds.reading import FORMATS
from isahub.feeds.services import feed_import
from isahub.policy.errors import AccessRefused

BAR = 30


class Command(BaseCommand):
    help = "Load an agency data feed (CSV or JSON Lines) into the child index."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--type", required=True, choices=sorted(FEED_TYPES), dest="feed_type")
        parser.add_argument("--agency", required=True, help="The agency that sent the extract: its name or id.")
        parser.add_argument("--user", required=True, help="The data manager loading it (recorded as the loader).")
        parser.add_argument("--format", choices=FORMATS, default="", help="Default: from the file name (.jsonl is JSON Lines).")

    def handle(self, *args, file: Path, feed_type: str, agency: str, user: str, format: str, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        found = Agency.objects.filter(pk=int(agency)) if agency.isdigit() else Agency.objects.filter(name=agency)
        the_agency = found.first()
        if the_agency is None:
            raise CommandError(f"No agency {agency!r}.")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user!r}.")
        self.stdout.write(f"Loading {file.name} ({len(data):,} bytes) as {FEED_TYPES[feed_type].label} from {the_agency.name}")
        try:
            with transaction.atomic():
                load = feed_import(
                    actor=actor,
                    agency=the_agency,
                    feed_type=feed_type,
                    file_name=file.name,
                    data=data,
                    fmt=format,
                    progress=self._progress,
                )
        except AccessRefused as refused:
            raise CommandError(f"Refused: {refused.decision.reason}") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write("")
        self._summary(load)
        if load.status == LoadStatus.REFUSED:
            sys.exit(1)

    def _progress(self, done: int, total: int) -> None:
        filled = BAR * done // total if total else BAR
        self.stdout.write(f"\r  [{'#' * filled}{'.' * (BAR - filled)}] {done:,}/{total:,} rows", ending="")
        self.stdout.flush()

    def _summary(self, load) -> None:
        out = self.stdout
        out.write(f"Load {load.pk}: {load.get_status_display()}")
        if load.refusal:
            out.write(f"  {load.refusal}")
        for label, value in (
            ("rows read", load.rows_read),
            ("rejected", load.rejected),
            ("linked", load.linked),
            ("queued for review", load.queued),
            ("created", load.created),
            ("updated", load.updated),
            ("unchanged", load.unchanged),
            ("ended", load.ended),
            ("conflicts", load.conflicts),
            ("events", load.events),
        ):
            out.write(f"  {label:<18} {value:>8,}")
        out.write(f"  {'seconds':<18} {load.seconds:>8.2f}")
        for rejection in load.report.get("rejections", [])[:50]:
            out.write(f"  line {rejection['line']}: {'; '.join(rejection['reasons'])}")
        more = len(load.report.get("rejections", [])) - 50
        if more > 0:
            out.write(f"  … and {more:,} more rejected rows: see the load report page.")
        for note in load.report.get("notes", []):
            out.write(f"  {note}")
