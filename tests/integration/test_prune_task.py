"""The daily pruning of idempotency keys through a real Celery worker on a real Redis, as beat
runs it (transaction=True: the worker's thread must see committed rows)."""

import datetime as dt

import pytest
from django.conf import settings

from tests.clock import WEDNESDAY_MORNING, pin
from tests.conftest import succeeded, wait_for
from tests.factories import ClientFactory
from users.models import RequestKey
from users.tasks import prune_request_keys

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pin(WEDNESDAY_MORNING),
]


def test_beat_prunes_keys_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["prune-request-keys"]
    assert entry == {"task": "users.prune_request_keys", "schedule": 86400.0}


def test_the_task_forgets_keys_older_than_90_days_and_keeps_the_rest(worker):
    her = ClientFactory()
    for key, age in (("old", 91), ("recent", 89)):
        RequestKey.objects.create(
            user=her,
            route="/api/v1/me/logs/",
            key=key,
            fingerprint="0" * 64,
            status=201,
            created_at=WEDNESDAY_MORNING - dt.timedelta(days=age),
        )

    result = prune_request_keys.delay()

    wait_for(lambda: succeeded(result))
    assert list(RequestKey.objects.values_list("key", flat=True)) == ["recent"]
