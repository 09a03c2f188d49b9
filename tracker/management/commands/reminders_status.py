from django.core.management.base import BaseCommand
from django.db.models import Count

from tracker.models import Delivery


class Command(BaseCommand):
    help = "Count reminder deliveries by kind and state."

    def handle(self, *args, **options):
        rows = (
            Delivery.objects.values("kind", "status")
            .annotate(n=Count("pk"))
            .order_by("kind", "status")
        )
        if not rows:
            self.stdout.write("No deliveries yet.")
            return
        self.stdout.write(f"{'kind':<18} {'state':<9} {'count':>7}")
        for row in rows:
            self.stdout.write(f"{row['kind']:<18} {row['status']:<9} {row['n']:>7}")
