import datetime as dt
import os
import shutil
import socket
from dataclasses import dataclass

import pytest

from tests.factories import AdminFactory, CareLinkFactory, ClientFactory, PTFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


# --- the session's clock (--clock) ----------------------------------------------------------

CLOCK = pytest.StashKey[tuple]()


def pytest_addoption(parser):
    group = parser.getgroup("prenafit")
    group.addoption(
        "--clock",
        metavar="MOMENT",
        help="run the whole session as if it were MOMENT (ISO 8601 with a time zone, e.g. "
        "2027-01-04T07:45:00Z), the clock ticking from there; 'random' picks a moment within "
        "the next two years (seeded; the header prints the seed and the moment). Tests that "
        "pin their own clock (tests/clock.py) keep it.",
    )
    group.addoption(
        "--clock-seed", type=int, metavar="N", help="the seed of --clock=random (to repeat a run)"
    )


def pytest_configure(config):
    spec = config.getoption("--clock", default=None)
    if not spec:
        return
    import time_machine

    from tests import clock

    moment, how = clock.resolve(spec, config.getoption("--clock-seed"), dt.datetime.now(dt.UTC))
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.stash[CLOCK] = (traveller, moment, how)


def pytest_collection_modifyitems(config, items):
    """Under --clock, a test that pins its own clock runs exactly as it does without it, so
    only the tests that do not pin one (those that could read the real clock by mistake) are
    run again: that is what the awkward moments are for."""
    if CLOCK not in config.stash:
        return
    pinned = [item for item in items if item.get_closest_marker("time_machine")]
    if pinned:
        config.hook.pytest_deselected(items=pinned)
        items[:] = [item for item in items if not item.get_closest_marker("time_machine")]


def pytest_unconfigure(config):
    if CLOCK in config.stash:
        config.stash[CLOCK][0].stop()


def pytest_report_header(config):
    if CLOCK not in config.stash:
        return "clock: real (tests that depend on the time pin their own, see tests/clock.py)"
    from tests.clock import iso

    _, moment, how = config.stash[CLOCK]
    return f"clock: the session starts at {iso(moment)} ({how}); repeat with --clock={iso(moment)}"


def require_service(available: bool, reason: str) -> None:
    """Skip locally with a clear reason when a service is missing; in CI, fail instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(reason)


def redis_url_for_tests(db: int) -> str:
    """A Redis database for the tests (14 and 15). With pytest-xdist, each test process gets
    its own pair below them (gw0: 14 and 15, gw1: 12 and 13, ...), so workers never share a
    broker."""
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = 2 * int(worker.removeprefix("gw") or 0)
    return f"{base.rstrip('/')}/{db - offset}"


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="session")
def redis_available():
    ok = redis_answers(redis_url_for_tests(15))
    require_service(ok, "Redis is not answering on 127.0.0.1:6379")
    return True


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(
        shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM),
        f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cast:
    """The six actors of the authorization matrix (anonymous is simply no user)."""

    client: object
    other_client: object
    her_pt: object
    other_pt: object
    admin: object

    def user(self, actor: str):
        return None if actor == "anonymous" else getattr(self, actor)


def make_cast() -> Cast:
    """Two enrolled clients at week 24, each linked to her own PT, and an admin."""
    from tests.factories import build_program_version, enrolled_client
    from tracker.selectors import local_today

    her_pt = PTFactory(full_name="Her PT")
    other_pt = PTFactory(full_name="Other PT")
    client = ClientFactory(full_name="The Client")
    other_client = ClientFactory(full_name="Other Client")
    CareLinkFactory(pt=her_pt, client=client)
    CareLinkFactory(pt=other_pt, client=other_client)
    version = build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=1
    )
    for who in (client, other_client):
        today = local_today(who)
        enrolled_client(
            today=today, week=24, client=who, version=version, start=today - dt.timedelta(days=14)
        )
    cast = Cast(
        client=client,
        other_client=other_client,
        her_pt=her_pt,
        other_pt=other_pt,
        admin=AdminFactory(full_name="Site Admin"),
    )
    cast.version = version
    return cast


def delete_cast(cast: Cast) -> None:
    """Remove what make_cast created (for module-scoped casts, created outside a test's
    rolled-back transaction)."""
    from programs.models import Exercise, Program
    from tracker.models import ScheduledSession, SessionLog
    from users.models import User

    users = [cast.client, cast.other_client, cast.her_pt, cast.other_pt, cast.admin]
    SessionLog.objects.filter(client__in=users).delete()
    ScheduledSession.objects.filter(client__in=users).delete()
    User.objects.filter(pk__in=[u.pk for u in users]).delete()
    exercise_ids = list(
        Exercise.objects.filter(prescriptions__block__template__phase__version=cast.version)
        .values_list("pk", flat=True)
        .distinct()
    )
    Program.objects.filter(pk=cast.version.program_id).delete()
    Exercise.objects.filter(pk__in=exercise_ids).delete()


@pytest.fixture(autouse=True)
def _english_to_start_with():
    """Each test starts in the site's language. A request activates its reader's language in
    its thread (users.middleware, users.authentication) and nothing switches it back after
    the response; a later test in the same process would otherwise run in Spanish (a factory's
    `name=` would fill `name_es` only: modeltranslation writes the active language's field)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reference_data():
    """The rows data migrations create (screening questions, ODI sections). Transactional
    tests flush the database when they end; tests that run after one call this."""
    import importlib

    from django.apps import apps

    for module, function in (
        ("tracker.migrations.0002_screening_questions", "add_questions"),
        ("tracker.migrations.0004_odi_sections", "add_sections"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def point_broker(app, url: str) -> None:
    """Point the Celery app's publisher at `url`, dropping pooled connections to the old one."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(scope="session")
def celery_app_on_redis(redis_available):
    """The project's Celery app pointed at test-only Redis databases (14 broker, 15 results),
    so a running development worker cannot take the tests' tasks."""
    import redis

    from config.celery import app

    broker, backend = redis_url_for_tests(14), redis_url_for_tests(15)
    redis.Redis.from_url(broker).flushdb()
    saved = (app.conf.broker_url, app.conf.result_backend, app.conf.broker_transport_options)
    point_broker(app, broker)
    app.conf.result_backend = backend
    app.conf.broker_transport_options = {"socket_connect_timeout": 2, "socket_timeout": 5}
    app.conf.broker_connection_retry_on_startup = True
    yield app
    point_broker(app, saved[0])
    app.conf.result_backend, app.conf.broker_transport_options = saved[1], saved[2]


@pytest.fixture(scope="session")
def celery_worker(celery_app_on_redis, django_db_setup, django_db_blocker):
    """A real Celery worker (solo pool, in a thread of this process) consuming from Redis.
    Tests that use it need django_db(transaction=True): the worker's thread cannot see rows
    of a test transaction that never commits."""
    from celery.contrib.testing.worker import start_worker

    # Starting the worker runs Django's checks, which touch the database.
    starting = start_worker(
        celery_app_on_redis,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    )
    with django_db_blocker.unblock():
        worker = starting.__enter__()
    yield worker
    with django_db_blocker.unblock():
        starting.__exit__(None, None, None)


def purge_broker(app) -> None:
    """Empty the test broker: its queues, and the messages taken but not acknowledged.

    kombu's Redis transport stamps an unacknowledged message with the Python clock and puts it
    back in its queue once that stamp is older than the visibility timeout. A test that moves
    the clock forward would otherwise see another test's leftovers delivered again."""
    import redis

    app.control.purge()
    redis.Redis.from_url(app.conf.broker_url).delete("unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def worker(celery_worker, celery_app_on_redis):
    """The session's real worker, with a broker emptied for this test (after the test's
    clock is pinned, since time_machine's fixture runs first). When the test ends, the worker
    finishes what is queued and running before the database is flushed."""
    import redis
    from celery.worker import state

    purge_broker(celery_app_on_redis)
    yield celery_worker
    queue = redis.Redis.from_url(celery_app_on_redis.conf.broker_url)
    wait_for(lambda: queue.llen("celery") == 0 and not state.reserved_requests)


def succeeded(result) -> bool:
    """Whether the in-process worker has run the task of `result` (an AsyncResult) to success,
    for tasks that store no result."""
    from celery.worker import state

    return result.id in state.successful_requests


def wait_for(condition, timeout=20.0, interval=0.1):
    """Poll until condition() is truthy (the worker runs in another thread)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout}s waiting for {condition}")
