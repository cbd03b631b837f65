from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from isahub.accounts.models import User
from isahub.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Created on the command line")

    def handle(self, *args, username, name, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"There is no active user called {username!r}.") from None
        with transaction.atomic():
            _, token = api_token_create(user=user, name=name)
        self.stdout.write(token)
