"""The iCalendar feed of a client's schedule (icalendar package)."""

import datetime as dt
import zoneinfo

from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from .models import Enrolment, ScheduledSession

SESSION_MINUTES = 60


def schedule_calendar(*, enrolment: Enrolment, base_url: str) -> bytes:
    """One event per active session. UIDs stay the same when a session moves (SEQUENCE goes
    up), so the phone's calendar updates the event instead of adding another."""
    tz = zoneinfo.ZoneInfo(enrolment.time_zone)
    cal = Calendar()
    cal.add("prodid", "-//Prenafit//Exercise schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Prenafit sessions")
    cal.add("x-wr-timezone", enrolment.time_zone)
    sessions = (
        ScheduledSession.objects.filter(
            enrolment=enrolment, status=ScheduledSession.Status.SCHEDULED
        )
        .select_related("template", "phase")
        .order_by("date")
    )
    stamp = timezone.now()
    for session in sessions:
        start = dt.datetime.combine(session.date, session.start_time, tzinfo=tz)
        event = Event()
        event.add("uid", f"{session.uid}@prenafit")
        event.add("sequence", session.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=SESSION_MINUTES))
        event.add("summary", f"Prenafit session {session.template.code}: {session.template.name}")
        event.add(
            "description",
            f"Week {session.gestational_week}, {session.phase.name}. "
            f"Open it in Prenafit: {base_url}/me/sessions/{session.pk}/",
        )
        if enrolment.reminder_lead_minutes:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", "Prenafit session soon")
            alarm.add("trigger", dt.timedelta(minutes=-enrolment.reminder_lead_minutes))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
