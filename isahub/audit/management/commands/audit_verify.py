from django.core.management.base import BaseCommand, CommandError

from isahub.audit.verification import verify_chain


class Command(BaseCommand):
    help = "Verify the audit chain: OK, or exactly which rows were altered, removed, inserted or reordered."

    def add_arguments(self, parser):
        parser.add_argument("--expect-head", default=None, help='A published head "SEAL:DIGEST" that must still be in the chain.')

    def handle(self, *args, expect_head, **options):
        report = verify_chain(expect_head=expect_head)
        summary = (
            f"{report.rows_checked} sealed rows in {report.seals_checked} seals checked in {report.seconds:.2f} s "
            f"({report.rows_per_second:,.0f} rows/s); {report.unsealed_rows} rows not sealed yet."
        )
        if report.ok:
            self.stdout.write(f"OK: {summary}")
            return
        for problem in report.problems:
            self.stdout.write(f"{problem.kind.upper()}: {problem.message}")
        raise CommandError(f"The audit trail has been tampered with: {len(report.problems)} problems. {summary}")
