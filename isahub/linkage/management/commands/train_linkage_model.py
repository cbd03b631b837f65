"""Train the Splink linkage model on the child index and store it as the next version.

    python manage.py train_linkage_model --extract school_roll:roll.csv --extract gp_registrations:gp.csv

u probabilities come from random pairs of the index; m probabilities from expectation
maximisation over the model's training blocking rules. EM needs true matches to be common among
the pairs it sees: with extracts (recent agency files, validated as a load would be, nothing
written) it runs on their links to the index; without, on the index against itself, where true
pairs are rare and EM partly learns households instead (docs/linkage.md, "Training").
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from isahub.accounts.models import User
from isahub.feeds.feedtypes import FEED_TYPES, feed_type
from isahub.feeds.reading import UnreadableFile, guess_format, parse
from isahub.feeds.validation import CleanRow, validate
from isahub.linkage.services import NotEnoughData, train_model


class Command(BaseCommand):
    help = "Train the probabilistic linkage model (Splink) on the child index and store it as a new version."

    def add_arguments(self, parser):
        parser.add_argument(
            "--extract", action="append", default=[], metavar="TYPE:FILE", help="An extract EM links to the index."
        )
        parser.add_argument("--u-pairs", type=int, default=2_000_000, help="Random pairs sampled to estimate u.")
        parser.add_argument("--user", default="", help="Recorded as the trainer (default: the command).")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, extract: list[str], u_pairs: int, user: str, seed: int, **options):
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {user!r}.")
        rows: list[CleanRow] = []
        for item in extract:
            kind, _, name = item.partition(":")
            if kind not in FEED_TYPES or not name:
                raise CommandError(f"--extract takes TYPE:FILE with TYPE one of {', '.join(sorted(FEED_TYPES))}.")
            path = Path(name)
            try:
                parsed = parse(path.read_bytes(), feed=feed_type(kind), fmt=guess_format(path.name))
            except (OSError, UnreadableFile) as error:
                raise CommandError(f"Cannot read {path}: {error}") from None
            good = validate(parsed.rows, feed=feed_type(kind), today=timezone.localdate()).good
            self.stdout.write(f"{path.name}: {len(good):,} valid rows")
            rows.extend(good)
        try:
            stored = train_model(extract_rows=rows, u_pairs=u_pairs, actor=actor, seed=seed)
        except NotEnoughData as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored Splink model v{stored.version}: {stored.index_rows:,} children, {stored.extract_rows:,} extract rows, "
                f"{stored.u_pairs:,} random pairs for u, EM over {', '.join(stored.em_rules)}; {stored.seconds:.1f} s"
            )
        )
