from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo accounts (and their data). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create demo accounts even with DEBUG off (never on a real deployment).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo accounts with a known password while DEBUG is off. "
                "Use --force only on a throwaway database."
            )
        logins = demo_seed()
        self.stdout.write(f"Demo logins (password: {settings.PRENAFIT_DEMO_PASSWORD}):")
        for login in logins:
            state = "created" if login.created else "already there"
            self.stdout.write(f"  {login.role:<7} {login.email:<24} ({state})")
