"""Recompute every child's blocking keys, after an upgrade that changes how keys are made.

Safe to run at any time and to re-run: each batch of children is rebuilt in one transaction,
so a search meanwhile sees either a child's old keys or its new ones, never none."""

from django.core.management.base import BaseCommand
from django.db import transaction

from isahub.children.indexing import rebuild_search_keys
from isahub.children.models import Child, SearchKey


class Command(BaseCommand):
    help = "Recompute the search keys of every child (after an upgrade that changes the keys)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="Children rebuilt in one transaction (default 500).")

    def handle(self, *args, batch, **options):
        if batch < 1:
            self.stderr.write("--batch must be at least 1.")
            raise SystemExit(2)
        ids = list(Child.objects.order_by("pk").values_list("pk", flat=True))
        before = SearchKey.objects.count()
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                for child in Child.objects.filter(pk__in=ids[start : start + batch]):
                    rebuild_search_keys(child)
            self.stdout.write(f"  {min(start + batch, len(ids)):,} of {len(ids):,} children")
        after = SearchKey.objects.count()
        self.stdout.write(f"Rebuilt the search keys of {len(ids):,} children: {before:,} keys before, {after:,} now.")
