"""The tests' clock.

A test that creates anything dated, due or counted by time (sessions, logs, check-ins,
reminders, invitations, alerts) pins the clock with time-machine at a moment named here:
`pytestmark = [..., pin()]` for a module, `@pin(SOME_MOMENT)` for one test. The clock then
ticks from that moment, for every thread of the process (the live server of the browser tests
and the in-process Celery worker see it too), so `timezone.now()`, `date.today()` and
`local_today(user)` in a test and in the code it calls agree.

Only the Python process's clock moves: PostgreSQL's and Redis's stay real. The product never
asks the database for the time (no `Now()`); the worker tests purge the broker before each test
(`tests.conftest.purge_broker`).

`pytest --clock=MOMENT` (or `--clock=random`) moves everything else in the session: see
`pytest_addoption` in tests/conftest.py.
"""

import datetime as dt
import random

import pytest

UTC = dt.UTC

# Wednesday 10 March 2027, 10:00 UTC (11:00 in Madrid, winter time): mid-week and mid-morning,
# weeks from a daylight-saving change, past the 09:00 check-in time, two days from the PTs'
# Monday digest and hours from midnight anywhere in Europe.
WEDNESDAY_MORNING = dt.datetime(2027, 3, 10, 10, 0, tzinfo=UTC)

# Thursday 26 November 2026, 10:00 UTC (11:00 in Madrid): the day the first client and
# enrolment tests were written against (their hand-counted schedules start from it).
THURSDAY_NOVEMBER = dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

# Monday 4 January 2027, 06:45 UTC (07:45 in Madrid): before the PTs' 08:00 Monday digest and
# the 09:00 check-in time, early in a new year and a new ISO week.
MONDAY_BEFORE_EIGHT = dt.datetime(2027, 1, 4, 6, 45, tzinfo=UTC)


def pin(moment: dt.datetime = WEDNESDAY_MORNING) -> pytest.MarkDecorator:
    """Run the test (or module) with the clock set to `moment`, ticking."""
    return pytest.mark.time_machine(moment, tick=True)


def resolve(spec: str, seed: int | None, now: dt.datetime) -> tuple[dt.datetime, str]:
    """The moment `--clock` asks for, and how to say it in the report header.

    `spec` is an ISO 8601 moment (a time zone is required: `Z` or an offset) or `random`: a
    moment within two years after `now`, drawn from `seed` (a fresh seed when None)."""
    if spec == "random":
        seed = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
        offset = random.Random(seed).randrange(2 * 365 * 24 * 3600)  # noqa: S311 - not crypto
        moment = (now + dt.timedelta(seconds=offset)).replace(microsecond=0).astimezone(UTC)
        return moment, f"random, seed {seed}"
    try:
        moment = dt.datetime.fromisoformat(spec)
    except ValueError:
        raise pytest.UsageError(
            f"--clock={spec!r}: give an ISO 8601 moment such as 2027-01-04T07:45:00Z, or random"
        ) from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock={spec!r}: say which time zone (Z or +01:00)")
    return moment.astimezone(UTC), "given"


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
