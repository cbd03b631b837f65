from django.core.management.base import BaseCommand, CommandError

from isahub.profiles.loader import ProfileError, load_profile


class Command(BaseCommand):
    help = "Check a deployment profile file and report every problem in it."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            profile = load_profile(path)
        except ProfileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"OK: profile {profile.name} version {profile.version}")
