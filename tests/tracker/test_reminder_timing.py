"""Due times in the recipient's time zone, across daylight-saving changes (pure)."""

import datetime as dt

import pytest

from tracker.reminders.timing import (
    after_quiet_hours,
    baseline_check_in_day,
    in_quiet_hours,
    local_datetime,
    missed_due,
    pt_digest_due,
    upcoming_due,
    zone,
)

MADRID = "Europe/Madrid"
NEW_YORK = "America/New_York"


def local(value: dt.datetime, tz: str) -> dt.datetime:
    return value.astimezone(zone(tz))


@pytest.mark.parametrize(
    ("tz", "days"),
    [
        # Spring forward: Madrid 2027-03-28, New York 2027-03-14; fall back: 2027-10-31, 2027-11-07.
        (MADRID, [dt.date(2027, 3, 27), dt.date(2027, 3, 28), dt.date(2027, 3, 29)]),
        (MADRID, [dt.date(2027, 10, 30), dt.date(2027, 10, 31), dt.date(2027, 11, 1)]),
        (NEW_YORK, [dt.date(2027, 3, 13), dt.date(2027, 3, 14), dt.date(2027, 3, 15)]),
        (NEW_YORK, [dt.date(2027, 11, 6), dt.date(2027, 11, 7), dt.date(2027, 11, 8)]),
    ],
)
def test_a_0700_session_with_a_60_minute_lead_is_reminded_at_0600_local_around_dst(tz, days):
    utc_times = []
    for day in days:
        due = upcoming_due(
            day=day,
            start=dt.time(7, 0),
            tz=tz,
            mode="before",
            lead_minutes=60,
            digest_time=dt.time(7, 30),
        )
        assert due.tzinfo == dt.UTC
        assert local(due, tz).date() == day
        assert local(due, tz).time() == dt.time(6, 0)
        utc_times.append(due.time())
    assert len(set(utc_times)) == 2  # the UTC time moves by an hour across the change


def test_madrid_utc_times_on_the_spring_change():
    before = upcoming_due(
        day=dt.date(2027, 3, 27),
        start=dt.time(7),
        tz=MADRID,
        mode="before",
        lead_minutes=60,
        digest_time=dt.time(7),
    )
    after = upcoming_due(
        day=dt.date(2027, 3, 29),
        start=dt.time(7),
        tz=MADRID,
        mode="before",
        lead_minutes=60,
        digest_time=dt.time(7),
    )
    assert before == dt.datetime(2027, 3, 27, 5, 0, tzinfo=dt.UTC)  # CET, UTC+1
    assert after == dt.datetime(2027, 3, 29, 4, 0, tzinfo=dt.UTC)  # CEST, UTC+2


def test_a_lead_that_crosses_the_spring_gap_stays_in_wall_clock_time():
    # 04:00 session, 90 min lead: 02:30 local does not exist in Madrid on 28 March 2027.
    due = upcoming_due(
        day=dt.date(2027, 3, 28),
        start=dt.time(4),
        tz=MADRID,
        mode="before",
        lead_minutes=90,
        digest_time=dt.time(7),
    )
    assert due <= local_datetime(dt.date(2027, 3, 28), dt.time(4), MADRID)


def test_the_morning_digest_and_missed_sessions_use_her_digest_time():
    digest = upcoming_due(
        day=dt.date(2027, 1, 4),
        start=dt.time(18),
        tz=NEW_YORK,
        mode="digest",
        lead_minutes=60,
        digest_time=dt.time(7, 30),
    )
    assert local(digest, NEW_YORK) == local_datetime(dt.date(2027, 1, 4), dt.time(7, 30), NEW_YORK)
    missed = missed_due(day=dt.date(2027, 1, 4), tz=MADRID, digest_time=dt.time(7, 30))
    assert local(missed, MADRID) == local_datetime(dt.date(2027, 1, 5), dt.time(7, 30), MADRID)


def test_quiet_hours_that_cross_midnight_push_the_reminder_to_their_end():
    start, end = dt.time(22), dt.time(7)
    late = local_datetime(dt.date(2027, 1, 4), dt.time(23, 15), MADRID)
    early = local_datetime(dt.date(2027, 1, 5), dt.time(5, 0), MADRID)
    noon = local_datetime(dt.date(2027, 1, 5), dt.time(12), MADRID)
    assert in_quiet_hours(late, start, end) and in_quiet_hours(early, start, end)
    assert not in_quiet_hours(noon, start, end)
    assert after_quiet_hours(late, start, end) == local_datetime(
        dt.date(2027, 1, 5), dt.time(7), MADRID
    )
    assert after_quiet_hours(early, start, end) == local_datetime(
        dt.date(2027, 1, 5), dt.time(7), MADRID
    )
    assert after_quiet_hours(noon, start, end) == noon
    # A 06:30 session with a 60 minute lead would be at 05:30, inside quiet hours: 07:00 instead.
    due = upcoming_due(
        day=dt.date(2027, 1, 5),
        start=dt.time(6, 30),
        tz=MADRID,
        mode="before",
        lead_minutes=60,
        digest_time=dt.time(7),
        quiet_start=start,
        quiet_end=end,
    )
    assert local(due, MADRID).time() == dt.time(7)


def test_pt_digest_is_monday_0800_local():
    due = pt_digest_due(today=dt.date(2027, 1, 7), tz=MADRID)  # a Thursday
    assert local(due, MADRID) == local_datetime(dt.date(2027, 1, 4), dt.time(8), MADRID)


@pytest.mark.parametrize(
    ("enrolled_utc", "expected"),
    [
        # 07:30 in Madrid: today's 09:00 is still ahead.
        (dt.datetime(2027, 3, 24, 6, 30, tzinfo=dt.UTC), dt.date(2027, 3, 24)),
        # 15:43 in Madrid: today's 09:00 had passed when she enrolled, so tomorrow's.
        (dt.datetime(2027, 3, 24, 14, 43, tzinfo=dt.UTC), dt.date(2027, 3, 25)),
        # 00:30 on the 24th in Madrid is still the 23rd in UTC: her day is the 24th.
        (dt.datetime(2027, 3, 23, 23, 30, tzinfo=dt.UTC), dt.date(2027, 3, 24)),
    ],
)
def test_the_baseline_reminder_is_never_due_before_she_enrolled(enrolled_utc, expected):
    day = baseline_check_in_day(week_16=dt.date(2027, 1, 1), enrolled=enrolled_utc, tz=MADRID)
    assert day == expected
    assert local_datetime(day, dt.time(9), MADRID) > enrolled_utc


def test_before_week_16_the_baseline_reminder_waits_for_week_16():
    week_16 = dt.date(2027, 4, 7)
    enrolled = dt.datetime(2027, 3, 24, 14, 43, tzinfo=dt.UTC)
    assert baseline_check_in_day(week_16=week_16, enrolled=enrolled, tz=MADRID) == week_16
