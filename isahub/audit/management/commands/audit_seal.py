import time

from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

from isahub.audit.sealing import chain_head, seal_pending


class Command(BaseCommand):
    help = "Seal committed audit rows into the hash chain (once, or --forever as the worker)."

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true", help="Keep sealing every --interval seconds.")
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument(
            "--grace", type=int, default=None, help="Seconds before a hole in the ids is sealed as never committed."
        )

    def handle(self, *args, forever, interval, grace, **options):
        while True:
            try:
                sealed = seal_pending(grace_seconds=grace)
                if sealed or not forever:
                    head = chain_head()
                    self.stdout.write(
                        f"Sealed {sealed} rows; chain head is seal {head['seal']} ({head['digest'][:16]}…), "
                        f"last sealed row {head['last_sealed_id']}."
                    )
            except OperationalError as error:
                if not forever:
                    raise
                self.stderr.write(f"Database unavailable, will retry: {error.__class__.__name__}")
                close_old_connections()
            if not forever:
                return
            time.sleep(interval)
