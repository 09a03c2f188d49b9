"""Celery tasks: they take ids, re-fetch, call a service, and own the retry policy."""

import logging
from contextlib import ExitStack
from contextvars import ContextVar

from celery import shared_task
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

RETRY_BACKOFF = 30  # seconds, doubled on each try, capped below
BROKER_ERRORS = (KombuError, OSError, ConnectionError)
# The producer of the publishing() block the caller is in, if any.
_producer: ContextVar = ContextVar("tracker_tasks_producer", default=None)


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
    the row stays pending and the next dispatcher run enqueues it.

    Inside a `publishing()` block the task goes through that block's producer, and True
    means the producer took it: the block's `failed` says whether the broker got it."""
    try:
        deliver.apply_async(args=[delivery_id], retry=False, producer=_producer.get())
    except BROKER_ERRORS as exc:
        logger.warning("could not enqueue delivery %s: %s", delivery_id, type(exc).__name__)
        return False
    return True


class Publishing:
    """See publishing()."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.failed = False
        self._stack = ExitStack()
        self._token = None

    def __enter__(self) -> "Publishing":
        try:
            producer = self._stack.enter_context(deliver.app.producer_or_acquire())
            self._stack.enter_context(producer.batch(max_size=self.size))
        except BROKER_ERRORS as exc:
            self._stack.close()
            # No producer: enqueue_delivery publishes on its own, but the block counts as
            # not taken (its rows wait for the next pass).
            self._broker_error(exc)
            return self
        self._token = _producer.set(producer)
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if self._token is not None:
            _producer.reset(self._token)
        try:
            # Sends what was buffered (or drops it if the block raised), releases the producer.
            self._stack.__exit__(exc_type, exc, traceback)
        except BROKER_ERRORS as error:
            if exc_type is not None:
                raise
            self._broker_error(error)

    def _broker_error(self, exc: Exception) -> None:
        logger.warning("could not publish a batch of deliveries: %s", type(exc).__name__)
        self.failed = True


def publishing(size: int = 1000) -> Publishing:
    """A block whose enqueue_delivery calls share one producer, so one broker connection from
    the pool (not one acquired per task), and are sent together when the block ends (kombu's
    Producer.batch: one Redis pipeline of up to `size` messages; a transport without batches
    publishes each at once). Never raises a broker error: afterwards `failed` is True when
    the broker did not take what was buffered. Then none of the block's tasks may count as
    enqueued; some may have reached the broker anyway, which is harmless (the delivery task
    claims its row before sending, so a second copy sends nothing)."""
    return Publishing(size)
