"""The daily purge of deleted accounts through a real Celery worker on a real Redis (test
databases 14 and 15), as beat runs it. transaction=True: the worker's thread must see committed
rows. The clock is pinned for the worker too (tests/clock.py)."""

import datetime as dt

import pytest
from django.conf import settings

from tests.clock import WEDNESDAY_MORNING, pin
from tests.conftest import succeeded, wait_for
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services
from tracker.models import Enrolment, Notification
from tracker.selectors import local_today
from tracker.tasks import purge_deleted_accounts
from users.models import User

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pin(WEDNESDAY_MORNING),
]


def test_beat_runs_the_purge_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-deleted-accounts"]
    assert entry == {"task": "tracker.purge_deleted_accounts", "schedule": 86400.0}


def test_the_task_purges_accounts_past_their_grace_period_and_keeps_the_others(
    worker, reference_data
):
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    pt = PTFactory()
    due, recent = ClientFactory(), ClientFactory()
    for her in (due, recent):
        enrolled_client(today=local_today(her), client=her, version=version, pt=pt)
    services.account_deletion_request(user=due, now=WEDNESDAY_MORNING - dt.timedelta(days=8))
    services.account_deletion_request(user=recent, now=WEDNESDAY_MORNING - dt.timedelta(days=2))

    result = purge_deleted_accounts.delay()

    wait_for(lambda: succeeded(result))
    assert not User.objects.filter(pk=due.pk).exists()
    assert not Notification.objects.filter(about_client_id=due.pk).exists()
    assert User.objects.filter(pk=recent.pk, deletion_requested_at__isnull=False).exists()
    assert Notification.objects.filter(about_client=recent, kind="account_deletion").exists()
    assert not Enrolment.objects.filter(client_id=due.pk).exists()
    assert Enrolment.objects.filter(client=recent).exists()
