"""Load a directory from Open Referral UK JSON (an API dump) or the standard's CSV tables."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from isahub.audit.services import audit_record
from isahub.directory.exchange import UnusableFile, import_services, read_csv_directory, read_upload


class Command(BaseCommand):
    help = "Load an ORUK JSON file, a zip of ORUK CSV tables, or a folder of them. Re-loading updates, never duplicates."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="A .json file, a .zip of CSV tables, or a folder holding organization.csv, service.csv, ..."
        )
        parser.add_argument(
            "--agreed-by",
            default="",
            help="Who agreed, for the file's new organisations, to keep their entries current (so they are listed).",
        )

    def handle(self, *args, path, agreed_by, **options):
        source = Path(path)
        try:
            records = read_csv_directory(source) if source.is_dir() else read_upload(source.name, source.read_bytes())
        except (OSError, UnusableFile) as problem:
            raise CommandError(f"Nothing was loaded: {problem}") from None
        report = import_services(records, agreed_by=agreed_by)
        with transaction.atomic():
            audit_record(
                action="directory.imported",
                actor_username="manage.py",
                details={
                    "file": source.name[:200],
                    "loaded": report.loaded,
                    "rejected": len(report.rejected),
                    "unusable": report.unusable[:200],
                },
            )
        for rejection in report.rejected:
            self.stderr.write(f"Rejected {rejection.where}:")
            for reason in rejection.reasons:
                self.stderr.write(f"  - {reason}")
        if report.unusable:
            raise CommandError(f"Nothing was loaded: {report.unusable}")
        self.stdout.write(
            f"Loaded {report.loaded} services ({report.created} new, {report.updated} updated); {len(report.rejected)} rejected."
        )
        if report.unlisted_organisations:
            self.stdout.write(
                f"{report.unlisted_organisations} new organisations stay unlisted until they agree to keep their entries current."
            )
