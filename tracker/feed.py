"""The iCalendar feed of a client's schedule (icalendar package)."""

import datetime as dt
import zoneinfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Alarm, Calendar, Event

from .language import speaking_to
from .models import Enrolment, ScheduledSession, SessionLog

SESSION_MINUTES = 60


def schedule_calendar(*, enrolment: Enrolment, base_url: str) -> bytes:
    """One event per active session. UIDs stay the same when a session moves (SEQUENCE goes
    up), so the phone's calendar updates the event instead of adding another.

    While her program is not active (SAFETY.md section 1) her sessions from today on are on
    hold: TENTATIVE, "On hold:" in the summary and no alarm (those a pause cancelled too).
    After the birth or the end they are cancelled and leave the feed, as any cancelled one.
    The feed is public by its secret URL: it never says why. Its words are in her language
    (the phone's calendar fetches it without her cookie)."""
    with speaking_to(enrolment.client):
        return _calendar(enrolment, base_url)


def _calendar(enrolment: Enrolment, base_url: str) -> bytes:
    from .safety import state_of
    from .selectors import local_today, on_hold

    today = local_today(enrolment.client)
    held = on_hold(state_of(enrolment.client))
    tz = zoneinfo.ZoneInfo(enrolment.time_zone)
    cal = Calendar()
    cal.add("prodid", "-//Prenafit//Exercise schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", gettext("Prenafit sessions"))
    cal.add("x-wr-timezone", enrolment.time_zone)
    shown = Q(status=ScheduledSession.Status.SCHEDULED)
    if held:
        shown |= Q(
            status=ScheduledSession.Status.CANCELLED,
            cancel_reason="paused",
            date__gte=today,
            log__isnull=True,
        )
    sessions = (
        ScheduledSession.objects.filter(shown, enrolment=enrolment)
        .select_related("template", "phase", "log")
        .order_by("date")
    )
    stamp = timezone.now()
    for session in sessions:
        paused = held and session.date >= today and not _logged(session)
        start = dt.datetime.combine(session.date, session.start_time, tzinfo=tz)
        event = Event()
        event.add("uid", f"{session.uid}@prenafit")
        event.add("sequence", session.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=SESSION_MINUTES))
        template = session.template
        summary = gettext("Prenafit session %(code)s: %(name)s") % {
            "code": template.code,
            "name": template.name,
        }
        if paused:
            event.add("status", "TENTATIVE")
            summary = gettext("On hold: %(summary)s") % {"summary": summary}
        event.add("summary", summary)
        description = gettext("Week %(week)s, %(phase)s. Open it in Prenafit: %(url)s") % {
            "week": session.gestational_week,
            "phase": session.phase.name,
            "url": f"{base_url}/me/sessions/{session.pk}/",
        }
        if paused:
            description = gettext(
                "On hold: open Prenafit to see what to do next. %(description)s"
            ) % {"description": description}
        event.add("description", description)
        if enrolment.reminder_lead_minutes and not paused:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", gettext("Prenafit session soon"))
            alarm.add("trigger", dt.timedelta(minutes=-enrolment.reminder_lead_minutes))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def _logged(session) -> bool:
    try:
        return session.log is not None
    except SessionLog.DoesNotExist:
        return False
