"""Build the synthetic demo borough: agencies, users, children and their stories.

Idempotent: running it again changes nothing. Every name in it is made up."""

from django.core.management.base import BaseCommand

from isahub.accounts.demo import print_logins, seed_accounts
from isahub.children.demo import demo_children_present, print_story_hints, seed_children
from isahub.consent.demo import seed_consent
from isahub.directory.demo import seed_directory
from isahub.feeds.demo import seed_feeds


class Command(BaseCommand):
    help = "Create the synthetic demo borough (running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=3000, help="How many synthetic children besides the stories.")

    def handle(self, *args, children, **options):
        users = seed_accounts(self.stdout)
        if demo_children_present():
            self.stdout.write("Demo children are already there: nothing to add.")
        else:
            seed_children(users=users, count=children, stdout=self.stdout)
        seed_directory(users=users, stdout=self.stdout)
        seed_consent(users=users, stdout=self.stdout)
        seed_feeds(users=users, stdout=self.stdout)
        print_story_hints(self.stdout)
        print_logins(self.stdout)
