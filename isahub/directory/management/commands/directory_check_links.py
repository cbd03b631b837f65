"""Check every website link and e-mail domain in the directory (schedule it weekly)."""

from django.core.management.base import BaseCommand

from isahub.directory.selectors import broken_links
from isahub.directory.services import links_check_all


class Command(BaseCommand):
    help = "Check the directory's website links and e-mail domains; report broken ones."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=5.0, help="Seconds to wait for each answer (default 5).")
        parser.add_argument("--max-redirects", type=int, default=5, help="Same-site redirects to follow (default 5).")
        parser.add_argument("--allow-private", action="store_true", help="Also check addresses on private or local networks.")
        parser.add_argument("--no-emails", action="store_true", help="Skip the e-mail domain checks.")

    def handle(self, *args, timeout, max_redirects, allow_private, no_emails, **options):
        counts = links_check_all(timeout=timeout, max_redirects=max_redirects, allow_private=allow_private, emails=not no_emails)
        self.stdout.write(f"Checked {counts['checked']} links and e-mail domains; {counts['broken']} need attention.")
        for check in broken_links():
            owner = check.service.name if check.service else check.organization.name if check.organization else ""
            self.stdout.write(f"  {check.get_result_display()}: {check.target} ({owner}) – {check.detail}")
