"""Reads for the client's pregnancy, screening and schedule; access helpers raise 404."""

import zoneinfo
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from programs.models import Block, Phase, Prescription, ProgramVersion

from .gestation import PROGRAM_START_WEEK, date_at, gestational_age, max_heart_rate
from .models import (
    Enrolment,
    Notification,
    PregnancyProfile,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
    SessionLog,
)
from .schedule import PhaseSlot


def client_time_zone(client) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(client.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_today(client, now: datetime | None = None) -> date:
    """Today's date where the client lives."""
    return timezone.localtime(now or timezone.now(), client_time_zone(client)).date()


def pregnancy_of(client) -> PregnancyProfile | None:
    return PregnancyProfile.objects.filter(client=client).first()


def enrolment_of(client) -> Enrolment | None:
    return (
        Enrolment.objects.select_related("program_version__program").filter(client=client).first()
    )


def latest_screening(client) -> Screening | None:
    return Screening.objects.filter(client=client).order_by("-submitted_at", "-pk").first()


def active_screening_questions() -> QuerySet[ScreeningQuestion]:
    return ScreeningQuestion.objects.filter(active=True).order_by("order", "key")


def version_phase_slots(version: ProgramVersion) -> list[PhaseSlot]:
    """The phases of a version with their template ids, in two queries."""
    phases = (
        Phase.objects.filter(version=version).prefetch_related("templates").order_by("start_week")
    )
    return [
        PhaseSlot(
            phase_id=phase.pk,
            start_week=phase.start_week,
            end_week=phase.end_week,
            template_ids=tuple(t.pk for t in sorted(phase.templates.all(), key=_template_key)),
        )
        for phase in phases
    ]


def _template_key(template):
    return (template.order, template.code)


def sessions_of(client) -> QuerySet[ScheduledSession]:
    return (
        ScheduledSession.objects.filter(client=client)
        .select_related("template", "phase", "log")
        .order_by("date", "start_time")
    )


def session_for_client(*, client, session_id) -> ScheduledSession:
    """The client's own session, or 404 (another client's id is not told apart from none)."""
    try:
        return sessions_of(client).get(pk=session_id)
    except (ScheduledSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None


def session_with_content(session: ScheduledSession, max_hr: int | None = None) -> ScheduledSession:
    """Attach the template's blocks and prescriptions (two queries); with her maximum heart
    rate, each prescription's heart-rate range in beats per minute as `hr_bpm`."""
    prescriptions = Prescription.objects.select_related("exercise").order_by("order", "pk")
    blocks = list(
        Block.objects.filter(template_id=session.template_id)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("prescriptions", queryset=prescriptions))
    )
    for block in blocks:
        for rx in block.prescriptions.all():
            rx.hr_bpm = None
            if max_hr and rx.hr_min_pct and rx.hr_max_pct:
                rx.hr_bpm = (
                    round(max_hr * rx.hr_min_pct / 100),
                    round(max_hr * rx.hr_max_pct / 100),
                )
    session.blocks = blocks
    return session


def next_session(client, today: date) -> ScheduledSession | None:
    return (
        sessions_of(client)
        .filter(date__gte=today, status=ScheduledSession.Status.SCHEDULED, log__isnull=True)
        .first()
    )


def session_state(session: ScheduledSession, today: date) -> str:
    """upcoming, today, done, partial, skipped, missed or cancelled."""
    if session.status == ScheduledSession.Status.CANCELLED:
        return "cancelled"
    log = getattr(session, "log", None) if _has_log_cached(session) else None
    if log is not None:
        return {"completed": "done", "partial": "partial", "skipped": "skipped"}[log.status]
    if session.date < today:
        return "missed"
    return "today" if session.date == today else "upcoming"


def _has_log_cached(session) -> bool:
    try:
        session.log  # noqa: B018  (select_related fills it; a miss raises)
        return True
    except SessionLog.DoesNotExist:
        return False


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def client_home(client, today: date) -> dict:
    """Everything the client's home page shows, and which stage she is at."""
    profile = pregnancy_of(client)
    screening = latest_screening(client)
    enrolment = enrolment_of(client)
    context = {"profile": profile, "screening": screening, "enrolment": enrolment}
    if profile is None:
        return {**context, "stage": "no_pregnancy"}
    context["ga"] = gestational_age(profile.due_date, today)
    context["max_hr"] = max_heart_rate(profile.birth_year, today)
    if enrolment is None:
        if screening is None:
            return {**context, "stage": "no_screening"}
        if screening.result == Screening.Result.BLOCKED:
            return {**context, "stage": "blocked"}
        return {**context, "stage": "not_enrolled"}
    if enrolment.status == Enrolment.Status.COMPLETED:
        return {**context, "stage": "completed"}
    if enrolment.status == Enrolment.Status.PAUSED:
        return {**context, "stage": "paused"}
    start = date_at(profile.due_date, PROGRAM_START_WEEK)
    today_session = (
        sessions_of(client).filter(date=today, status=ScheduledSession.Status.SCHEDULED).first()
    )
    upcoming = next_session(client, today + timedelta(days=1))
    context.update(
        {
            "pending_clearance": enrolment.status == Enrolment.Status.PENDING_CLEARANCE,
            "program_start": start,
            "next": upcoming,
            "days_to_next": (upcoming.date - today).days if upcoming else None,
        }
    )
    if today_session is not None:
        context["session"] = session_with_content(today_session, context["max_hr"])
        context["session_state"] = session_state(today_session, today)
        return {**context, "stage": "today"}
    if today < start:
        return {**context, "stage": "before_program", "days_to_start": (start - today).days}
    return {**context, "stage": "rest_day"}


def week_sessions(client, monday: date) -> list[ScheduledSession]:
    return list(sessions_of(client).filter(date__gte=monday, date__lt=monday + timedelta(days=7)))


def calendar_weeks(client, today: date) -> list[dict]:
    """The whole program grouped by gestational week, each session with its state."""
    weeks: dict[int, dict] = {}
    for session in sessions_of(client):
        week = weeks.setdefault(
            session.gestational_week, {"week": session.gestational_week, "sessions": []}
        )
        session.state = session_state(session, today)
        week["sessions"].append(session)
    return [weeks[k] for k in sorted(weeks)]
