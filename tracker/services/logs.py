"""Session logs: record, edit or withdraw (keeping history), warning signs."""

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from programs.models import Prescription
from programs.safety import WARNING_SIGNS

from ..models import (
    Alert,
    Enrolment,
    ExerciseLog,
    ScheduledSession,
    SessionLog,
    SessionLogRevision,
)
from ..safety import active_clients
from ..schedule import same_week
from .safety import hold_open

ERR_FUTURE = _("The date cannot be in the future.")
ERR_BEFORE_ENROLMENT = _("That date is before your program started ({start}).")
ERR_STATUS = _("Choose completed, partly done or skipped.")
ERR_ALREADY_LOGGED = _("This session is already logged. You can edit that log instead.")
ERR_NOT_ENROLLED = _("Enrol in the program before logging sessions.")
ERR_CANCELLED = _("This session is cancelled.")
ERR_SKIP_REASON = _("Say why you skipped the session.")
ERR_MINUTES = _("How many minutes did you exercise? (1 to 240)")
ERR_RPE = _("How hard did it feel? Choose a number from 6 to 20.")
ERR_UNSCHEDULED_SKIP = _("An extra session is logged only when you did it.")
ERR_UNKNOWN_SIGN = _("Unknown warning sign.")
ERR_EXERCISE = _("That exercise is not part of this session.")
ERR_OTHER_WEEK = _(
    "A session planned for {day} is logged in its own week ({first} to {last}). To log "
    "another day, log an extra session or move this one first."
)
ERR_EXTRA_EXERCISES = _(
    "An extra session has no exercise list. Say what you did in the notes instead."
)
# She may correct or withdraw a log for 7 days after saving it (SPEC section 6).
CORRECTION_WINDOW = dt.timedelta(days=7)
ERR_LOG_TOO_LATE = _(
    "A log can be changed or withdrawn for 7 days after you save it. This one was saved on "
    "{day}, so it stays as it is."
)
ERR_LOG_WITHDRAWN = _("You withdrew this log, so it can no longer be changed.")

SIGN_KEYS = {key for key, _ in WARNING_SIGNS}


@dataclass
class ExerciseInput:
    prescription_id: int
    done: bool = False
    sets_done: int | None = None
    load_used: str = ""
    # Guided mode's "too hard". None: keep what the line had (False for a new line), so an
    # edit through the web form, which has no such field, never clears it.
    too_hard: bool | None = None


@dataclass
class LogInput:
    status: str
    performed_on: dt.date
    skip_reason: str = ""
    minutes: int = 0
    rpe: int | None = None
    avg_heart_rate: int | None = None
    notes: str = ""
    warning_signs: list[str] = field(default_factory=list)
    exercises: list[ExerciseInput] = field(default_factory=list)


def program_start(enrolment: Enrolment) -> dt.date:
    """The first day she may log: her first session or the day she enrolled, if earlier."""
    first = (
        ScheduledSession.objects.filter(enrolment=enrolment)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    enrolled = enrolment.created_at.date()
    return min(first, enrolled) if first else enrolled


def other_week_message(planned: dt.date) -> str:
    """Why a scheduled session cannot be logged outside its Monday-to-Sunday week (pure)."""
    monday = planned - dt.timedelta(days=planned.weekday())
    sunday = monday + dt.timedelta(days=6)
    return ERR_OTHER_WEEK.format(
        day=date_format(planned, gettext("l j F")),
        first=date_format(monday, "j" if monday.month == sunday.month else gettext("j F")),
        last=date_format(sunday, gettext("j F")),
    )


def log_problems(
    data: LogInput,
    *,
    today: dt.date,
    start: dt.date,
    scheduled: bool,
    planned: dt.date | None = None,
) -> dict:
    """Field -> message for everything wrong with a log (pure). `planned`: the scheduled
    session's date (her local date): the log must be in the same Monday-to-Sunday week. An
    extra session is dated freely in the past."""
    problems = {}
    if data.performed_on > today:
        problems["performed_on"] = ERR_FUTURE
    elif data.performed_on < start:
        problems["performed_on"] = ERR_BEFORE_ENROLMENT.format(
            start=date_format(start, gettext("d M Y"))
        )
    elif planned is not None and not same_week(data.performed_on, planned):
        problems["performed_on"] = other_week_message(planned)
    if data.status == SessionLog.Status.SKIPPED:
        if not scheduled:
            problems["status"] = ERR_UNSCHEDULED_SKIP
        if data.skip_reason not in SessionLog.SkipReason.values:
            problems["skip_reason"] = ERR_SKIP_REASON
    elif data.status in (SessionLog.Status.COMPLETED, SessionLog.Status.PARTIAL):
        if not 1 <= (data.minutes or 0) <= 240:
            problems["minutes"] = ERR_MINUTES
        if data.rpe is None or not 6 <= data.rpe <= 20:
            problems["rpe"] = ERR_RPE
    else:
        problems["status"] = ERR_STATUS
    if any(sign not in SIGN_KEYS for sign in data.warning_signs):
        problems["warning_signs"] = ERR_UNKNOWN_SIGN
    if not scheduled and data.exercises:
        # Refused, never dropped: every door (web, API, sync) says so.
        problems["exercises"] = ERR_EXTRA_EXERCISES
    return problems


def _enrolment_for_logging(client) -> Enrolment:
    """Her enrolment. A log is never refused for her state (SAFETY.md section 1): one made
    while she is not active is stored and flagged for her PT."""
    enrolment = Enrolment.objects.filter(client=client).first()
    if enrolment is None:
        raise ValidationError(ERR_NOT_ENROLLED)
    return enrolment


def _check(data: LogInput, *, client, today, session) -> None:
    """Refuse a log with anything wrong (`log_problems`). Her first day is read only for a
    log dated before her session's day: her program starts on or before any of its sessions,
    so a later date is never too early. An extra log needs her enrolment (she may not log
    before she enrols)."""
    if session is not None and data.performed_on >= session.date:
        start = session.date
    else:
        enrolment = session.enrolment if session is not None else _enrolment_for_logging(client)
        # `program_start` is never after the day she enrolled: read only for a day before.
        enrolled = enrolment.created_at.date()
        start = enrolled if data.performed_on >= enrolled else program_start(enrolment)
    problems = log_problems(
        data,
        today=today,
        start=start,
        scheduled=session is not None,
        planned=session.date if session is not None else None,
    )
    if problems:
        raise ValidationError(problems)


def correction_problem(record, now: dt.datetime, *, too_late=None, withdrawn=None) -> str | None:
    """Why a log (or, with its messages, a check-in) can no longer be corrected or withdrawn:
    she may for 7 days after saving it, and never after withdrawing it. None: she may."""
    if record.withdrawn_at is not None:
        return str(withdrawn or ERR_LOG_WITHDRAWN)
    if now >= record.created_at + CORRECTION_WINDOW:
        from ..selectors import client_time_zone

        saved = timezone.localtime(record.created_at, client_time_zone(record.client))
        return (too_late or ERR_LOG_TOO_LATE).format(day=date_format(saved, gettext("j F")))
    return None


def _check_correctable(log: SessionLog, now: dt.datetime) -> None:
    problem = correction_problem(log, now)
    if problem:
        raise ValidationError(problem)


def _apply(log: SessionLog, data: LogInput) -> None:
    skipped = data.status == SessionLog.Status.SKIPPED
    log.status = data.status
    log.performed_on = data.performed_on
    log.skip_reason = data.skip_reason if skipped else ""
    log.minutes = 0 if skipped else data.minutes
    log.rpe = None if skipped else data.rpe
    log.avg_heart_rate = None if skipped else data.avg_heart_rate
    log.notes = data.notes
    log.warning_signs = sorted(set(data.warning_signs))
    log.flagged = log.flagged or bool(log.warning_signs)


def _save_exercises(
    log: SessionLog,
    session: ScheduledSession | None,
    rows: list[ExerciseInput],
    *,
    new: bool = False,
    lines: tuple[int, set[int]] | None = None,
):
    """Her checklist lines, replacing the log's earlier ones (`new`: a log saved just now,
    which has none yet). `lines`: (a template's id, its prescriptions' ids) as the caller
    read them, used when they are this session's template's."""
    if session is None or not rows:
        return
    if lines is not None and lines[0] == session.template_id:
        allowed = set(lines[1])
    else:
        allowed = set(
            Prescription.objects.filter(block__template_id=session.template_id).values_list(
                "pk", flat=True
            )
        )
    if any(row.prescription_id not in allowed for row in rows):
        raise ValidationError(ERR_EXERCISE)
    too_hard_before = set()
    if not new and any(row.too_hard is None for row in rows):
        too_hard_before = set(
            ExerciseLog.objects.filter(log=log, too_hard=True).values_list(
                "prescription_id", flat=True
            )
        )
    if not new:
        ExerciseLog.objects.filter(log=log).delete()
    ExerciseLog.objects.bulk_create(
        ExerciseLog(
            log_id=log.pk,
            prescription_id=row.prescription_id,
            done=row.done,
            sets_done=row.sets_done,
            load_used=row.load_used[:80],
            too_hard=(
                row.prescription_id in too_hard_before if row.too_hard is None else row.too_hard
            ),
        )
        for row in rows
    )


def _hold_for_new_signs(log: SessionLog, before: set[str], by):
    """Any new warning sign opens a safety hold and alerts her PT (SAFETY.md section 2)."""
    new = set(log.warning_signs) - before
    if not new:
        return None
    return hold_open(
        client=log.client,
        signs=sorted(new),
        by=by,
        alert_kind=Alert.Kind.WARNING_SIGN,
        session_log=log,
    )


def _flag_if_not_active(log: SessionLog) -> None:
    """A log made while her program is not active is kept and flagged for her PT (SAFETY.md
    section 1). Her state as `safety.state_of` derives it, asked in one query: the same rule
    in SQL (`safety.active_clients`)."""
    if log.flagged:
        return
    if not active_clients().filter(pk=log.client_id).exists():
        log.flagged = True


def _locked_session(client, session_id) -> ScheduledSession:
    """Her session, locked, with its log (one query; her state is a query of its own: folded
    in, its subqueries cost more to build than a second query). ScheduledSession.DoesNotExist:
    not hers, or none."""
    return (
        ScheduledSession.objects.select_for_update(of=("self",))
        .select_related("log")
        .get(pk=session_id, client=client)
    )


def _full_clean(log: SessionLog) -> None:
    """`full_clean`, without the queries it need not make: the session's one log is the
    database's to guard (two submissions may race), her account exists (she is signed in),
    and the Borg-scale constraint on `rpe` is the field's own validators (6 to 20, or none),
    which `clean_fields` runs. Any other constraint is still checked."""
    log.full_clean(exclude=["session", "client"], validate_constraints=False)
    log.validate_constraints(exclude={"session", "client", "rpe"})


@transaction.atomic
def session_log_record(
    *,
    client,
    session: ScheduledSession | None,
    data: LogInput,
    today: dt.date,
    lines: tuple[int, set[int]] | None = None,
) -> SessionLog:
    """Log a scheduled session (one log each) or an unscheduled extra one. `lines`: (its
    template's id, the ids of that template's prescriptions) when the caller has read its
    checklist already (the web form), so they are not read again."""
    if session is None:
        return _record(client, None, data, today=today, lines=lines)
    return _record(client, _locked_session(client, session.pk), data, today=today, lines=lines)


@transaction.atomic
def session_log_submit(
    *,
    client,
    session_id: int,
    data: LogInput,
    today: dt.date,
    lines: tuple[int, set[int]] | None = None,
) -> tuple[SessionLog, bool]:
    """The log form's save: her session's log, recorded, or updated when it has one (decided
    under the session's lock, so two tabs never both record). (log, created).
    ScheduledSession.DoesNotExist: not her session."""
    session = _locked_session(client, session_id)
    if hasattr(session, "log"):
        return session_log_update(log=session.log, data=data, by=client, today=today), False
    return _record(client, session, data, today=today, lines=lines), True


def _record(client, session, data: LogInput, *, today, lines) -> SessionLog:
    """`session`: locked by `_locked_session` (a log saved meanwhile by another submission
    still fails on the one-log-a-session constraint, below), or None for an extra one."""
    if session is not None:
        # A session her pause cancelled may still be logged (data is never refused for
        # being inconvenient; it is flagged); one cancelled by the birth or the end may not.
        if (
            session.status == ScheduledSession.Status.CANCELLED
            and session.cancel_reason != "paused"
        ):
            raise ValidationError(ERR_CANCELLED)
        if hasattr(session, "log"):
            raise ValidationError(ERR_ALREADY_LOGGED, code="already_logged")
    _check(data, client=client, today=today, session=session)
    log = SessionLog(client=client, session=session)
    _apply(log, data)
    _flag_if_not_active(log)
    _full_clean(log)
    try:
        # No savepoint: after this error nothing more is written, the whole use case is
        # rolled back (to the caller's savepoint, if it runs inside one).
        with transaction.atomic(savepoint=False):
            log.save()
    except IntegrityError as exc:  # two submissions racing for one session
        raise ValidationError(ERR_ALREADY_LOGGED, code="already_logged") from exc
    _save_exercises(log, session, data.exercises, new=True, lines=lines)
    log.hold = _hold_for_new_signs(log, set(), by=client)
    return log


def log_snapshot(log: SessionLog) -> dict:
    return {
        "session_id": log.session_id,
        "status": log.status,
        "skip_reason": log.skip_reason,
        "performed_on": log.performed_on.isoformat(),
        "minutes": log.minutes,
        "rpe": log.rpe,
        "avg_heart_rate": log.avg_heart_rate,
        "notes": log.notes,
        "warning_signs": list(log.warning_signs),
        # "too_hard" only when set, so a line from before guided mode reads the same.
        "exercises": [
            {
                k: v
                for k, v in asdict(
                    ExerciseInput(e.prescription_id, e.done, e.sets_done, e.load_used, e.too_hard)
                ).items()
                if k != "too_hard" or v
            }
            for e in log.exercises.all()
        ],
    }


@transaction.atomic
def session_log_update(
    *, log: SessionLog, data: LogInput, by, today: dt.date, now: dt.datetime | None = None
) -> SessionLog:
    """Edit a log within 7 days of saving it; its earlier state is kept as a revision. A hold
    it opened stays open whatever the edit (only a clearance closes it); a new sign opens one."""
    log = (
        SessionLog.objects.select_for_update(of=("self",))
        .select_related("session", "client")
        .get(pk=log.pk)
    )
    now = now or timezone.now()
    _check_correctable(log, now)
    _check(data, client=log.client, today=today, session=log.session)
    SessionLogRevision.objects.create(
        log=log, snapshot=log_snapshot(log), edited_by=by, edited_at=now
    )
    before = set(log.warning_signs)
    _apply(log, data)
    _full_clean(log)
    log.save()
    _save_exercises(log, log.session, data.exercises)
    log.hold = _hold_for_new_signs(log, before, by=by)
    return log


@transaction.atomic
def session_log_withdraw(*, log: SessionLog, by, now: dt.datetime | None = None) -> SessionLog:
    """Withdraw a log saved by mistake, within 7 days of saving it. Never deleted: it is kept
    (with a last revision that names its session) and left out of adherence, minutes and the
    calendar; its session is unlinked, so it shows as not logged and may be logged afresh.
    A safety hold it opened stays open (only a clearance closes it)."""
    now = now or timezone.now()
    log = SessionLog.objects.select_for_update(of=("self",)).select_related("client").get(pk=log.pk)
    _check_correctable(log, now)
    SessionLogRevision.objects.create(
        log=log, snapshot=log_snapshot(log), edited_by=by, edited_at=now
    )
    log.session = None
    log.withdrawn_at = now
    log.save(update_fields=["session", "withdrawn_at", "updated_at"])
    return log
