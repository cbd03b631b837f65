"""Propose pairs of records in the index that may be one child (Splink dedupe with the stored model).

    python manage.py find_duplicate_children [--threshold 0.9]

Pairs at or above the threshold become open proposals (once: a pair already proposed or decided
is not proposed again) for a data manager, who merges them through the child index's merge or
says they are different children. Run it on a schedule (the task worker) or by hand; audited.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from isahub.linkage.services import NotEnoughData, find_duplicates


class Command(BaseCommand):
    help = "Find probable duplicate children in the index and propose them for review."

    def add_arguments(self, parser):
        parser.add_argument("--threshold", type=float, default=None, help="Default: ISAHUB_LINKAGE_DEDUPE_THRESHOLD.")

    def handle(self, *args, threshold: float | None, **options):
        threshold = settings.ISAHUB_LINKAGE_DEDUPE_THRESHOLD if threshold is None else threshold
        if not 0 < threshold <= 1:
            raise CommandError("--threshold is a probability between 0 and 1.")
        try:
            result = find_duplicates(threshold=threshold)
        except NotEnoughData as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.pairs_scored:,} pairs at or above {threshold}: {result.proposed:,} proposed, "
                f"{result.already_known:,} already proposed or decided; {result.seconds:.1f} s"
            )
        )
