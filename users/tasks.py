"""Celery tasks of the accounts app: thin, one service call each."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="users.prune_request_keys", ignore_result=True)
def prune_request_keys() -> dict:
    """Beat calls this once a day: keys of writes older than 90 days are forgotten."""
    from .idempotency import request_keys_prune

    return {"pruned": request_keys_prune(now=timezone.now())}
