"""The tests' clock: `--clock` moves a whole session, and `random` is repeatable by its seed."""

import datetime as dt
import pathlib
import subprocess
import sys

import pytest

from tests.clock import iso, resolve

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 12, 1, 15, 53, tzinfo=dt.UTC)


def test_a_given_moment_needs_a_time_zone_and_is_kept_in_utc():
    moment, how = resolve("2027-01-04T08:45:00+01:00", None, NOW)
    assert (moment, how) == (dt.datetime(2027, 1, 4, 7, 45, tzinfo=dt.UTC), "given")
    assert iso(moment) == "2027-01-04T07:45:00Z"
    with pytest.raises(pytest.UsageError, match="which time zone"):
        resolve("2027-01-04T07:45:00", None, NOW)
    with pytest.raises(pytest.UsageError, match="ISO 8601"):
        resolve("next monday", None, NOW)


def test_a_random_moment_is_within_two_years_and_the_same_for_the_same_seed():
    moments = {resolve("random", seed, NOW)[0] for seed in range(200)}
    assert len(moments) == 200
    assert all(NOW <= m < NOW + dt.timedelta(days=2 * 365) for m in moments)
    assert resolve("random", 42, NOW) == resolve("random", 42, NOW)
    assert resolve("random", 42, NOW)[1] == "random, seed 42"


def test_the_clock_option_moves_the_whole_session_and_says_so_in_the_header():
    result = subprocess.run(  # noqa: S603 - our own interpreter and test file
        [
            sys.executable, "-m", "pytest", "tests/clock_probe.py", "-p", "no:cacheprovider",
            "-s", "--clock=2027-10-31T00:58:00Z",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "clock: the session starts at 2027-10-31T00:58:00Z (given)" in result.stdout
    probe = next(line for line in result.stdout.splitlines() if "CLOCK-PROBE" in line)
    now, today = probe.split("CLOCK-PROBE ")[1].split()[:2]
    elapsed = dt.datetime.fromisoformat(now) - dt.datetime(2027, 10, 31, 0, 58, tzinfo=dt.UTC)
    assert dt.timedelta(0) <= elapsed < dt.timedelta(minutes=1)  # it ticks from there
    assert today == "2027-10-31"
