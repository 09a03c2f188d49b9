"""Every write about a client's pregnancy, screening, enrolment and schedule.

Never lose logged data: schedule changes touch only future sessions without a log; the
birth cancels (keeps) later sessions; nothing here deletes a log."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models import ProgramVersion
from programs.selectors import current_version_by_slug

from .. import safety
from ..gestation import (
    ERR_LMP_FUTURE,
    LAST_WEEK,
    PROGRAM_START_WEEK,
    date_at,
    due_date_from_lmp,
    due_date_problem,
)
from ..models import (
    AuditEvent,
    Enrolment,
    PregnancyProfile,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
    SessionLog,
)
from ..safety import state_of
from ..schedule import plan_sessions, same_week, weekdays_problem
from ..selectors import local_today, template_minutes, version_phase_slots
from .audit import audit_record, plan_change
from .safety import cancel_after

DEFAULT_PROGRAM = "aparicio2023"

ERR_NO_DATE = _("Enter your due date or the first day of your last period.")
ERR_BOTH_DATES = _("Enter either your due date or the first day of your last period, not both.")
ERR_NO_PREGNANCY = _("Tell us your due date first.")
ERR_NO_SCREENING = _("Complete the safety screen first.")
ERR_SCREEN_BLOCKED = _(
    "Your safety screen found a reason not to exercise in this program. "
    "Please talk to your obstetric care provider."
)
ERR_ALREADY_ENROLLED = _("You are already enrolled.")
ALREADY_ENROLLED = "already_enrolled"  # its code: the web sends her home, the API answers 409
ERR_NO_PROGRAM = _("No published program is available yet.")
ERR_VERSION_NOT_PUBLISHED = _("Only a published program version can be used.")
ERR_MISSING_ANSWERS = _("Answer every question (yes or no).")
ERR_RESCHEDULE_PAST = _("You cannot move a session into the past.")
ERR_RESCHEDULE_LOGGED = _("This session is already logged; it cannot be moved.")
ERR_RESCHEDULE_CANCELLED = _("This session is cancelled.")
ERR_RESCHEDULE_WINDOW = _("That date is outside your program (week 17 to 42+0, before the birth).")
ERR_RESCHEDULE_TAKEN = _("You already have a session on that day.")
ERR_BIRTH_FUTURE = _("The birth date cannot be in the future.")
ERR_BIRTH_TOO_EARLY = _("That birth date is before week 20 of the pregnancy. Check the date.")
ERR_BIRTH_RECORDED = _("The birth is already recorded.")
ERR_COMPLETED = _("The program has ended: the birth is recorded.")

WARN_OTHER_WEEK = _("Moved to another week: try to keep three sessions in each week.")


# --- pregnancy ---------------------------------------------------------------------------


@transaction.atomic
def pregnancy_save(
    *,
    client,
    due_date: dt.date | None,
    lmp_date: dt.date | None,
    today: dt.date,
) -> PregnancyProfile:
    if due_date and lmp_date:
        raise ValidationError(ERR_BOTH_DATES)
    if not due_date and not lmp_date:
        raise ValidationError(ERR_NO_DATE)
    if lmp_date:
        if lmp_date > today:
            raise ValidationError({"lmp_date": ERR_LMP_FUTURE})
        due_date = due_date_from_lmp(lmp_date)
    problem = due_date_problem(due_date, today)
    if problem:
        raise ValidationError({"lmp_date" if lmp_date else "due_date": problem})
    profile = PregnancyProfile.objects.filter(client=client).first() or PregnancyProfile(
        client=client
    )
    changed_due_date = profile.pk and profile.due_date != due_date
    profile.due_date = due_date
    profile.lmp_date = lmp_date
    profile.full_clean()
    profile.save()
    enrolment = Enrolment.objects.filter(client=client).first()
    if changed_due_date and enrolment is not None:
        schedule_rebuild_future(enrolment=enrolment, today=today)
    return profile


# --- screening ---------------------------------------------------------------------------


def screening_result(answers: dict[str, bool], questions) -> tuple[str, list[str]]:
    positive = [q for q in questions if answers.get(q.key)]
    if any(q.kind == ScreeningQuestion.Kind.ABSOLUTE for q in positive):
        result = Screening.Result.BLOCKED
    elif positive:
        result = Screening.Result.PENDING_CLEARANCE
    else:
        result = Screening.Result.CLEARED
    return result, [q.key for q in positive]


ERR_CONFIRM_ABSOLUTE = _(
    "You answered “yes” to a question that means this program is not safe for you now. "
    "Please confirm that answer."
)


@transaction.atomic
def screening_submit(
    *,
    client,
    answers: dict[str, bool],
    today: dt.date,
    kind: str = Screening.Kind.INITIAL,
    confirm_absolute: bool = True,
) -> Screening:
    """Record a screen (or the 26-week re-screen, which asks only its questions). Each new
    "yes" opens a safety item (`services.safety.screen_items_open`); answers are sticky."""
    from .safety import screen_items_open

    questions = list(ScreeningQuestion.objects.filter(active=True))
    if kind == Screening.Kind.RESCREEN:
        questions = [q for q in questions if q.rescreen]
    if any(not isinstance(answers.get(q.key), bool) for q in questions):
        raise ValidationError(ERR_MISSING_ANSWERS)
    result, positive = screening_result(answers, questions)
    if result == Screening.Result.BLOCKED and not confirm_absolute:
        raise ValidationError({"confirm_absolute": ERR_CONFIRM_ABSOLUTE})
    screening = Screening.objects.create(
        client=client,
        kind=kind,
        answers={q.key: answers[q.key] for q in questions},
        positive_keys=positive,
        result=result,
    )
    screen_items_open(client=client, screening=screening, questions=questions)
    return screening


# --- enrolment and the schedule -----------------------------------------------------------


def _check_version(version: ProgramVersion | None) -> ProgramVersion:
    if version is None:
        version = current_version_by_slug(slug=DEFAULT_PROGRAM)
    if version is None:
        raise ValidationError(ERR_NO_PROGRAM)
    version = ProgramVersion.objects.select_related("program").get(pk=version.pk)
    if version.status != ProgramVersion.Status.PUBLISHED:
        raise ValidationError(ERR_VERSION_NOT_PUBLISHED)
    return version


@transaction.atomic
def enrolment_create(
    *,
    client,
    weekdays: list[int],
    start_time: dt.time,
    time_zone: str,
    today: dt.date,
    version: ProgramVersion | None = None,
    start: dt.date | None = None,
) -> Enrolment:
    """Enrol and build the whole schedule in bulk (a fixed number of queries). Sessions
    start today (`start` backdates them: demo data and imports only)."""
    profile = PregnancyProfile.objects.filter(client=client).first()
    if profile is None:
        raise ValidationError(ERR_NO_PREGNANCY)
    screening = Screening.objects.filter(client=client).order_by("-submitted_at", "-pk").first()
    if screening is None:
        raise ValidationError(ERR_NO_SCREENING)
    if state_of(client, profile=profile).state == safety.BLOCKED:
        raise ValidationError(ERR_SCREEN_BLOCKED)
    if Enrolment.objects.filter(client=client).exists():
        raise ValidationError(ERR_ALREADY_ENROLLED, code=ALREADY_ENROLLED)
    problem = weekdays_problem(weekdays)
    if problem:
        raise ValidationError({"weekdays": problem})
    version = _check_version(version)
    enrolment = Enrolment(
        client=client,
        program_version=version,
        weekdays=sorted(set(weekdays)),
        start_time=start_time,
        time_zone=time_zone,
    )
    # One enrolment per client is the database's to enforce: a second one racing this one is
    # told "already enrolled" from the IntegrityError below, never a field error.
    enrolment.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as exc:
        # Two enrolments at once: the one-enrolment-per-client constraint let the other win.
        raise ValidationError(ERR_ALREADY_ENROLLED, code=ALREADY_ENROLLED) from exc
    if client.time_zone != time_zone:
        client.time_zone = time_zone
        client.save(update_fields=["time_zone"])
    _create_sessions(enrolment, profile, start=start or today)
    return enrolment


def _create_sessions(enrolment: Enrolment, profile: PregnancyProfile, *, start: dt.date, end=None):
    version = enrolment.program_version
    if profile.birth_date:
        end = min(end, profile.birth_date) if end else profile.birth_date
    taken = set(
        ScheduledSession.objects.filter(
            enrolment=enrolment, date__gte=start, status=ScheduledSession.Status.SCHEDULED
        ).values_list("date", flat=True)
    )
    minutes = template_minutes(version)
    planned = plan_sessions(
        due_date=profile.due_date,
        start=start,
        weekdays=enrolment.weekdays,
        phases=version_phase_slots(version),
        end=end,
    )
    ScheduledSession.objects.bulk_create(
        ScheduledSession(
            enrolment=enrolment,
            client_id=enrolment.client_id,
            date=p.date,
            start_time=enrolment.start_time,
            gestational_week=p.gestational_week,
            version=version,
            phase_id=p.phase_id,
            template_id=p.template_id,
            planned_minutes=minutes.get(p.template_id, version.session_minutes),
        )
        for p in planned
        if p.date not in taken
    )


def _future_unlogged(enrolment: Enrolment, after: dt.date):
    return ScheduledSession.objects.filter(enrolment=enrolment, date__gt=after, log__isnull=True)


# What the rebuild may rewrite on a session it keeps (never `uid`, `client` or `enrolment`).
_REBUILT_FIELDS = [
    "date",
    "original_date",
    "start_time",
    "gestational_week",
    "version",
    "phase",
    "template",
    "planned_minutes",
    "status",
    "cancel_reason",
]


def _sync_future(enrolment: Enrolment, profile: PregnancyProfile, *, after: dt.date, paused: bool):
    """Bring her unlogged sessions after `after` in line with the plan from her current days,
    time and version, IN PLACE: a session keeps its id, link and calendar UID (its `sequence`
    goes up when it changes). A session is the same one when it sits on the planned day it
    was built for (its `original_date` if she moved it: a move she made stays when the new
    plan leaves that day free); the others are reused in date order for the planned days
    left; only the surplus is deleted and only the shortfall created. A fixed number of
    queries, whatever the schedule's length. During a pause they stay cancelled ("paused")."""
    version = enrolment.program_version
    start = after + dt.timedelta(days=1)
    rows = list(_future_unlogged(enrolment, after).order_by("date", "pk"))
    logged_days = set(
        ScheduledSession.objects.filter(
            enrolment=enrolment, date__gt=after, log__isnull=False
        ).values_list("date", flat=True)
    )
    last = date_at(profile.due_date, LAST_WEEK)
    if profile.birth_date:
        last = min(last, profile.birth_date)
    plan = [
        p
        for p in plan_sessions(
            due_date=profile.due_date,
            start=start,
            weekdays=enrolment.weekdays,
            phases=version_phase_slots(version),
            end=last,
        )
        if p.date not in logged_days
    ]
    planned_days = {p.date for p in plan}
    first = max(start, date_at(profile.due_date, PROGRAM_START_WEEK))

    open_slots = {p.date: p for p in plan}
    pairs, spare = [], []
    for row in rows:
        slot = open_slots.pop(row.original_date or row.date, None)
        if slot is None:
            spare.append(row)
        else:
            pairs.append((row, slot))
    left = [p for p in plan if p.date in open_slots]
    pairs += zip(spare, left, strict=False)
    surplus, shortfall = spare[len(left) :], left[len(spare) :]

    minutes = template_minutes(version)
    status, reason = (
        (ScheduledSession.Status.CANCELLED, "paused")
        if paused
        else (ScheduledSession.Status.SCHEDULED, "")
    )

    def fields(slot) -> dict:
        return {
            "start_time": enrolment.start_time,
            "gestational_week": slot.gestational_week,
            "version_id": version.pk,
            "phase_id": slot.phase_id,
            "template_id": slot.template_id,
            "planned_minutes": minutes.get(slot.template_id, version.session_minutes),
            "status": status,
            "cancel_reason": reason,
        }

    now = timezone.now()
    used: set[dt.date] = set()
    changed = []
    for row, slot in pairs:
        moved_by_her = (
            row.original_date == slot.date
            and row.date != slot.date
            and first <= row.date <= last
            and row.date not in planned_days | logged_days | used
        )
        day = row.date if moved_by_her else slot.date
        used.add(day)
        values = {"date": day, "original_date": slot.date if moved_by_her else None}
        values |= fields(slot)
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.sequence += 1
            row.updated_at = now
            changed.append(row)
    if changed:
        ScheduledSession.objects.bulk_update(
            changed, [*_REBUILT_FIELDS, "sequence", "updated_at"], batch_size=500
        )
    if surplus:
        ScheduledSession.objects.filter(pk__in=[row.pk for row in surplus]).delete()
    ScheduledSession.objects.bulk_create(
        ScheduledSession(
            enrolment=enrolment, client_id=enrolment.client_id, date=slot.date, **fields(slot)
        )
        for slot in shortfall
    )


@transaction.atomic
def schedule_rebuild_future(
    *, enrolment: Enrolment, today: dt.date, version: ProgramVersion | None = None
) -> int:
    """Rebuild the sessions after today that have no log, from the enrolment's current
    weekdays, time and version, updating them in place (`_sync_future`: ids and links
    survive). Logged and past sessions are never touched.
    Returns how many sessions the new schedule has after today (0 during a pause)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if version is not None:
        enrolment.program_version = _check_version(version)
        enrolment.save(update_fields=["program_version", "updated_at"])
    state = state_of(enrolment.client)
    if state.finished:
        raise ValidationError(ERR_COMPLETED)
    profile = PregnancyProfile.objects.get(client_id=enrolment.client_id)
    paused = state.pause is not None  # the pause cancelled them; lifting it rebuilds
    _sync_future(enrolment, profile, after=today, paused=paused)
    if paused:
        return 0
    return ScheduledSession.objects.filter(enrolment=enrolment, date__gt=today).count()


@transaction.atomic
def schedule_change(
    *,
    enrolment: Enrolment,
    weekdays: list[int],
    start_time: dt.time,
    time_zone: str,
    today: dt.date,
) -> Enrolment:
    problem = weekdays_problem(weekdays)
    if problem:
        raise ValidationError({"weekdays": problem})
    enrolment.weekdays = sorted(set(weekdays))
    enrolment.start_time = start_time
    enrolment.time_zone = time_zone
    enrolment.full_clean()
    enrolment.save(update_fields=["weekdays", "start_time", "time_zone", "updated_at"])
    client = enrolment.client
    if client.time_zone != time_zone:
        client.time_zone = time_zone
        client.save(update_fields=["time_zone"])
    schedule_rebuild_future(enrolment=enrolment, today=today)
    return enrolment


@transaction.atomic
def schedule_move_to_version(
    *, enrolment: Enrolment, version: ProgramVersion, today: dt.date
) -> int:
    """Move future unlogged sessions to another (published) version of the program, in
    place: each keeps its id, link and calendar UID."""
    return schedule_rebuild_future(enrolment=enrolment, today=today, version=version)


AUDIT_CLIENTS_MOVED = "clients moved to a program version"
PLAN_MOVED = _("moved her future sessions to version %(number)s of the program")
PLAN_BIRTH = _("recorded the birth")


def enrolments_to_move(*, version: ProgramVersion):
    """The enrolments a move to `version` concerns: in its program, on another version, and
    the program still going on (no birth, not ended)."""
    return (
        Enrolment.objects.filter(program_version__program_id=version.program_id)
        .exclude(program_version_id=version.pk)
        .filter(
            client__pregnancy__birth_date__isnull=True,
            client__pregnancy__ended_on__isnull=True,
        )
    )


@transaction.atomic
def schedule_move_clients(*, enrolments, version: ProgramVersion, by) -> list[int]:
    """An admin moves these clients' future unlogged sessions to `version` (each on her own
    today): one line in each one's plan history, and one audit row naming the version and
    the clients (ids only). Returns the ids of the clients moved."""
    version = _check_version(version)
    moved = []
    for enrolment in enrolments.select_related("client").order_by("pk"):
        schedule_move_to_version(
            enrolment=enrolment, version=version, today=local_today(enrolment.client)
        )
        plan_change(enrolment.client, by, PLAN_MOVED, {"number": version.number})
        moved.append(enrolment.client_id)
    if moved:
        audit_record(
            actor=by,
            action=AuditEvent.Action.CHANGE,
            what=AUDIT_CLIENTS_MOVED,
            clients=moved,
            obj=version,
        )
    return moved


@transaction.atomic
def session_reschedule(
    *, session: ScheduledSession, new_date: dt.date, today: dt.date
) -> list[str]:
    """Move one session; keeps its identity (calendar UID) and bumps its sequence.
    Returns warnings."""
    session = ScheduledSession.objects.select_for_update().get(pk=session.pk)
    if SessionLog.objects.filter(session_id=session.pk).exists():
        raise ValidationError(ERR_RESCHEDULE_LOGGED)
    if session.status == ScheduledSession.Status.CANCELLED:
        raise ValidationError(ERR_RESCHEDULE_CANCELLED)
    if new_date < today:
        raise ValidationError({"date": ERR_RESCHEDULE_PAST})
    profile = PregnancyProfile.objects.get(client_id=session.client_id)
    last = profile.birth_date or date_at(profile.due_date, 42)
    if new_date > last or new_date < date_at(profile.due_date, 17):
        raise ValidationError({"date": ERR_RESCHEDULE_WINDOW})
    clash = ScheduledSession.objects.filter(
        client_id=session.client_id, date=new_date, status=ScheduledSession.Status.SCHEDULED
    ).exclude(pk=session.pk)
    if clash.exists():
        raise ValidationError({"date": ERR_RESCHEDULE_TAKEN})
    warnings = [] if same_week(session.date, new_date) else [WARN_OTHER_WEEK]
    if session.original_date is None:
        session.original_date = session.date
    session.date = new_date
    session.sequence += 1
    session.save(update_fields=["date", "original_date", "sequence", "updated_at"])
    return warnings


@transaction.atomic
def birth_record(*, client, birth_date: dt.date, today: dt.date) -> PregnancyProfile:
    """The birth ends the program: every later session is cancelled (kept), reminders stop."""
    profile = PregnancyProfile.objects.select_for_update().get(client=client)
    if profile.birth_date:
        raise ValidationError(ERR_BIRTH_RECORDED)
    if profile.ended_on:
        raise ValidationError(ERR_COMPLETED)
    if birth_date > today:
        raise ValidationError({"birth_date": ERR_BIRTH_FUTURE})
    if birth_date < date_at(profile.due_date, 20):
        raise ValidationError({"birth_date": ERR_BIRTH_TOO_EARLY})
    profile.birth_date = birth_date
    profile.save(update_fields=["birth_date", "updated_at"])
    enrolment = Enrolment.objects.select_for_update().filter(client=client).first()
    if enrolment is not None:
        cancel_after(enrolment, birth_date, "birth")
        enrolment.ended_at = timezone.now()
        enrolment.save(update_fields=["ended_at", "updated_at"])
    plan_change(client, client, PLAN_BIRTH)
    return profile


@transaction.atomic
def enrolment_pause(*, enrolment: Enrolment, by, reason: str, today: dt.date) -> Enrolment:
    from .safety import pause_open

    pause_open(client=enrolment.client, by=by, reason=reason, today=today)
    return enrolment


@transaction.atomic
def enrolment_resume(*, enrolment: Enrolment, by, today: dt.date) -> Enrolment:
    """Lift the pause (`services.safety.pause_lift`); the sessions it cancelled are rebuilt
    from tomorrow once nothing else holds her."""
    from .safety import pause_lift

    pause_lift(client=enrolment.client, by=by, today=today)
    return enrolment


@transaction.atomic
def feed_token_regenerate(*, enrolment: Enrolment) -> str:
    enrolment.feed_token = secrets.token_urlsafe(24)
    enrolment.save(update_fields=["feed_token", "updated_at"])
    return enrolment.feed_token
