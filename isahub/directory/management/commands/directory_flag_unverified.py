"""Tell owners and the directory officer which entries have not been verified recently (schedule it weekly)."""

from django.core.management.base import BaseCommand

from isahub.directory.services import flag_unverified


class Command(BaseCommand):
    help = "Flag directory entries not verified within ISAHUB_DIRECTORY_VERIFY_AFTER_DAYS to their owners and the officer."

    def handle(self, *args, **options):
        counts = flag_unverified()
        self.stdout.write(f"{counts['entries']} entries not verified recently; {counts['told']} people told.")
