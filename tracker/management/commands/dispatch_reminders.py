import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tracker.reminders.dispatch import reminders_dispatch
from tracker.reminders.timing import zone


class Command(BaseCommand):
    help = "Run one reminder dispatcher pass (the same service Celery beat calls)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="as of this moment, e.g. 2027-03-29T05:00:00Z")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print one JSON object per line for what would be sent; record and send nothing",
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        moment = timezone.now()
        if now:
            moment = parse_datetime(now.replace("Z", "+00:00"))
            if moment is None or moment.tzinfo is None:
                raise CommandError(
                    "--now takes an ISO date-time with a zone, e.g. 2027-03-29T05:00:00Z"
                )
        result = reminders_dispatch(now=moment, dry_run=dry_run)
        if dry_run:
            for c in result.candidates:
                local = c.due_at.astimezone(zone(c.time_zone))
                self.stdout.write(
                    json.dumps(
                        {
                            "recipient": c.recipient_id,
                            "kind": c.kind,
                            "due_utc": c.due_at.isoformat().replace("+00:00", "Z"),
                            "due_local": local.isoformat(),
                            "time_zone": c.time_zone,
                        }
                    )
                )
            return
        self.stdout.write(
            f"{result.created} new deliveries, {result.skipped} skipped, "
            f"{result.enqueued} enqueued, {result.enqueue_failed} waiting for the broker"
        )
