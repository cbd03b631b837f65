"""Export the whole directory as Open Referral UK JSON or CSV tables."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from isahub.audit.services import audit_record
from isahub.directory.exchange import export_csv_tables, export_json


class Command(BaseCommand):
    help = "Write the directory as ORUK JSON (a list of full services) or as the standard's CSV tables in a folder."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("path", help="The .json file, or the folder for the CSV tables.")

    def handle(self, *args, format, path, **options):  # noqa: A002
        target = Path(path)
        if format == "json":
            target.write_text(export_json(), encoding="utf-8")
        else:
            target.mkdir(parents=True, exist_ok=True)
            for name, body in export_csv_tables().items():
                (target / name).write_text(body, encoding="utf-8")
        with transaction.atomic():
            audit_record(action="directory.exported", actor_username="manage.py", details={"format": format})
        self.stdout.write(f"Wrote the directory to {target}.")
