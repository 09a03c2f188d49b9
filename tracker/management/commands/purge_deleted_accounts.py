from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tracker.services import accounts_purge


class Command(BaseCommand):
    help = (
        "Delete every account whose deletion was asked 7 or more days ago, with everything about "
        "it (the same service Celery beat calls daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="as of this moment, e.g. 2027-03-17T12:00:00Z")

    def handle(self, *args, now=None, **options):
        moment = timezone.now()
        if now:
            try:
                moment = parse_datetime(now.replace("Z", "+00:00"))
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise CommandError(
                    "--now takes an ISO date-time with a zone, e.g. 2027-03-17T12:00:00Z"
                )
        result = accounts_purge(now=moment)
        self.stdout.write(f"{len(result.purged)} account(s) purged")
        if result.failed:
            raise CommandError(
                f"{len(result.failed)} account(s) could not be purged (ids {result.failed}); "
                "see the log, then run the command again"
            )
