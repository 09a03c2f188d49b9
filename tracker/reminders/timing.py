"""When each reminder is due, in the recipient's own time zone: pure functions.

Local wall-clock times are turned into UTC with zoneinfo, so a 07:00 session stays at 07:00
local on both sides of a daylight-saving change."""

import datetime as dt
import zoneinfo

UTC = dt.UTC
CHECK_IN_TIME = dt.time(9, 0)
PT_DIGEST_TIME = dt.time(8, 0)


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def when_text(moment: dt.datetime, tz: str) -> str:
    """A moment as its reader sees it: the wall-clock time in her zone, with the zone named,
    e.g. "Wednesday 6 January at 18:00 (Europe/Madrid)". Every time in an e-mail goes through
    this. Day and month names are in the active language."""
    from django.utils import dateformat
    from django.utils.translation import gettext

    place = zone(tz)
    local = moment.astimezone(place)
    return gettext("%(day)s at %(time)s (%(zone)s)") % {
        "day": dateformat.format(local, gettext("l j F")),
        "time": f"{local:%H:%M}",
        "zone": place.key.replace("_", " "),
    }


def local_datetime(day: dt.date, time: dt.time, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone(tz))


def to_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC)


def in_quiet_hours(local: dt.datetime, start: dt.time | None, end: dt.time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    t = local.timetz().replace(tzinfo=None)
    if start < end:
        return start <= t < end
    return t >= start or t < end  # the window crosses midnight


def after_quiet_hours(
    local: dt.datetime, start: dt.time | None, end: dt.time | None
) -> dt.datetime:
    """The same moment, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(local, start, end):
        return local
    day = local.date()
    if start > end and local.timetz().replace(tzinfo=None) >= start:
        day += dt.timedelta(days=1)
    return local_datetime(day, end, str(local.tzinfo))


def session_start(day: dt.date, start: dt.time, tz: str) -> dt.datetime:
    return to_utc(local_datetime(day, start, tz))


def upcoming_due(
    *,
    day: dt.date,
    start: dt.time,
    tz: str,
    mode: str,
    lead_minutes: int,
    digest_time: dt.time,
    quiet_start=None,
    quiet_end=None,
) -> dt.datetime:
    """Lead time before the start (in local wall-clock time), or the morning digest."""
    if mode == "digest":
        local = local_datetime(day, digest_time, tz)
    else:
        local = local_datetime(day, start, tz) - dt.timedelta(minutes=lead_minutes)
        local = local_datetime(local.date(), local.time(), tz)  # re-anchor across a DST change
    return to_utc(after_quiet_hours(local, quiet_start, quiet_end))


def missed_due(
    *, day: dt.date, tz: str, digest_time: dt.time, quiet_start=None, quiet_end=None
) -> dt.datetime:
    """The next morning, at her digest time."""
    local = local_datetime(day + dt.timedelta(days=1), digest_time, tz)
    return to_utc(after_quiet_hours(local, quiet_start, quiet_end))


def baseline_check_in_day(*, week_16: dt.date, enrolled: dt.datetime, tz: str) -> dt.date:
    """The day her baseline check-in reminder is due: week 16, or the day she enrolled if that
    is later, but never a day whose check-in time had passed when she enrolled (she is asked
    on the page at once; the e-mail waits for the next morning)."""
    enrolled_local = enrolled.astimezone(zone(tz))
    day = max(week_16, enrolled_local.date())
    if day == enrolled_local.date() and enrolled_local.time() > CHECK_IN_TIME:
        day += dt.timedelta(days=1)
    return day


def check_in_due(*, day: dt.date, tz: str, quiet_start=None, quiet_end=None) -> dt.datetime:
    local = local_datetime(day, CHECK_IN_TIME, tz)
    return to_utc(after_quiet_hours(local, quiet_start, quiet_end))


def pt_digest_due(*, today: dt.date, tz: str) -> dt.datetime:
    """Monday of this week at 08:00 local."""
    monday = today - dt.timedelta(days=today.weekday())
    return to_utc(local_datetime(monday, PT_DIGEST_TIME, tz))
