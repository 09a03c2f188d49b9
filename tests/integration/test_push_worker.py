"""A push reminder through a real Celery worker on a real Redis (issue 17): beat's dispatcher
task records the push row beside the main row, the worker sends it with pywebpush to a local
stand-in for the push service, once, however many dispatcher passes run.

transaction=True: the worker thread must see committed rows. The clock is pinned; the worker
runs in this process and sees it too (tests/clock.py)."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from tests.clock import WEDNESDAY_MORNING, pin
from tests.conftest import succeeded, wait_for
from tests.factories import ClientFactory, build_program_version, enrolled_client
from tests.tracker.test_push import Device, running_push_service, turn_push_on
from tracker.models import Delivery, NotificationSettings, ReminderKind
from tracker.selectors import local_today
from tracker.tasks import dispatch_reminders

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pin(WEDNESDAY_MORNING),
]


@pytest.fixture
def push_service():
    with running_push_service() as service:
        yield service


def session_soon(user, minutes_ahead: int):
    """Move her next session to today, starting `minutes_ahead` minutes from now (local)."""
    local_now = timezone.now().astimezone(zoneinfo.ZoneInfo(user.enrolment.time_zone))
    start = (local_now + dt.timedelta(minutes=minutes_ahead)).replace(second=0, microsecond=0)
    session = user.scheduled_sessions.order_by("date").first()
    session.date, session.start_time = start.date(), start.time()
    session.save(update_fields=["date", "start_time"])
    return session


def test_the_worker_delivers_a_push_reminder_once(worker, reference_data, settings, push_service):
    turn_push_on(settings)
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    user = ClientFactory(time_zone="Europe/Madrid")
    enrolled_client(today=local_today(user), client=user, version=version)
    NotificationSettings.objects.create(user=user, session_upcoming_push=True)
    device = Device()
    phone = device.subscribe(user, push_service.endpoint("her-phone"))
    session = session_soon(user, 30)  # 60 minute lead: due half an hour ago

    dispatch_reminders.delay()

    rows = Delivery.objects.filter(recipient=user, kind=ReminderKind.SESSION_UPCOMING)
    wait_for(lambda: rows.filter(channel="push", status="sent").exists())
    wait_for(lambda: rows.exclude(channel="push").filter(status="sent").exists())
    second = dispatch_reminders.delay()  # a second beat tick changes nothing
    wait_for(lambda: succeeded(second))

    assert sorted(rows.values_list("channel", "status")) == [("email", "sent"), ("push", "sent")]
    (received,) = push_service.to(phone.endpoint)
    payload = device.decrypt(received)
    assert payload["url"] == f"/me/sessions/{session.pk}/"
    assert payload["title"] == "Your session starts soon"
    phone.refresh_from_db()
    assert phone.last_success_at is not None
