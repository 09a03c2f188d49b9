"""Celery tasks: they take ids, re-fetch, call a service, and own the retry policy."""

import logging

from celery import shared_task
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

RETRY_BACKOFF = 30  # seconds, doubled on each try, capped below


@shared_task(name="tracker.dispatch_reminders", ignore_result=True)
def dispatch_reminders() -> dict:
    """Beat calls this every few minutes: one dispatcher pass as of now."""
    from .reminders.dispatch import reminders_dispatch

    result = reminders_dispatch()
    return {"created": result.created, "skipped": result.skipped, "enqueued": result.enqueued}


@shared_task(name="tracker.purge_deleted_accounts", ignore_result=True)
def purge_deleted_accounts() -> dict:
    """Beat calls this once a day: every account whose deletion was asked 7 or more days ago
    is purged (the same service as `manage.py purge_deleted_accounts`). Ids only in the result:
    the accounts are gone."""
    from .services.accounts import accounts_purge

    result = accounts_purge()
    return {"purged": result.purged, "failed": result.failed}


@shared_task(
    name="tracker.deliver",
    bind=True,
    max_retries=5,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver(self, delivery_id: int) -> str:
    from .reminders.delivery import delivery_send

    try:
        return delivery_send(delivery_id)
    except Exception as exc:
        countdown = min(RETRY_BACKOFF * 2**self.request.retries, 30 * 60)
        raise self.retry(exc=exc, countdown=countdown) from exc


def enqueue_delivery(delivery_id: int) -> bool:
    """Publish one delivery task. Never blocks or fails the caller when the broker is down:
    the row stays pending and the next dispatcher run enqueues it."""
    try:
        deliver.apply_async(args=[delivery_id], retry=False)
    except (KombuError, OSError, ConnectionError) as exc:
        logger.warning("could not enqueue delivery %s: %s", delivery_id, type(exc).__name__)
        return False
    return True
