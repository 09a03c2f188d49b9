"""Reads for the client's pregnancy, screening and schedule; access helpers raise 404."""

import functools
import zoneinfo
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from programs.models import Block, Phase, Prescription, ProgramVersion
from programs.safety import HR_CEILING_BPM

from . import safety as rules
from .gestation import PROGRAM_START_WEEK, date_at, gestational_age
from .models import (
    Enrolment,
    PregnancyProfile,
    SafetyItem,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
    SessionLog,
)
from .safety import BLOCKED, COMPLETED, ENDED, PENDING_CLEARANCE, state_of
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
        Enrolment.objects.select_related("program_version__program")
        .defer("program_version__facts", "program_version__notes")  # big text nobody reads here
        .filter(client=client)
        .first()
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


def template_minutes(version: ProgramVersion) -> dict[int, int]:
    """Total minutes of each session template of a version (one query)."""
    from django.db.models import Sum

    rows = (
        Block.objects.filter(template__phase__version=version)
        .values("template")
        .annotate(total=Sum("minutes"))
        .order_by()  # no ordering in the GROUP BY (modeltranslation makes Meta.ordering explicit)
        .values_list("template", "total")
    )
    return dict(rows)


def _template_key(template):
    return (template.order, template.code)


def sessions_of(client) -> QuerySet[ScheduledSession]:
    return (
        ScheduledSession.objects.filter(client=client)
        .select_related("template", "phase", "log")
        .order_by("date", "start_time")
    )


def session_for_client(*, client, session_id) -> ScheduledSession:
    """The client's own session, with its template, phase and log, or 404 (another client's
    id is not told apart from none)."""
    try:
        return sessions_of(client).get(pk=session_id)
    except (ScheduledSession.DoesNotExist, ValueError, TypeError):
        raise Http404(gettext("No such session.")) from None


def gestational_week_on(client, day: date) -> int | None:
    """Her completed gestational week on `day` (None without a due date)."""
    profile = pregnancy_of(client)
    return gestational_age(profile.due_date, day).weeks if profile else None


def swap_alternatives(client, original, today: date) -> list:
    """What her PT may swap in for `original` from tomorrow: the library's alternatives for
    her program version and her gestational week then (`programs.selectors`)."""
    from programs.selectors import exercise_alternatives

    enrolment = enrolment_of(client)
    return exercise_alternatives(
        exercise=original,
        version=enrolment.program_version if enrolment else None,
        week=gestational_week_on(client, today + timedelta(days=1)),
    )


def exercises_in_plan(enrolment) -> QuerySet:
    """The exercises prescribed in her program version, by name (none without an enrolment):
    what her PT may swap out."""
    from programs.models import Exercise

    if enrolment is None:
        return Exercise.objects.none()
    return (
        Exercise.objects.filter(
            prescriptions__block__template__phase__version=enrolment.program_version
        )
        .distinct()
        .order_by("name")
    )


def exercise_choices(exercises: QuerySet) -> list[tuple[str, str]]:
    """(id, name) of each of `exercises`, in order, for a list to choose from: one query, no
    model instances (the name in the active language, with its fallbacks)."""
    return [(str(pk), name) for pk, name in exercises.values_list("pk", "name")]


def swap_options(client, today: date) -> list[tuple[object, list]]:
    """Each exercise in her plan with what her PT may swap in for it from tomorrow:
    `swap_alternatives` for every one, her enrolment and week looked up once (two queries an
    exercise, plus three)."""
    from programs.selectors import exercise_alternatives

    enrolment = enrolment_of(client)
    if enrolment is None:
        return []
    week = gestational_week_on(client, today + timedelta(days=1))
    return [
        (
            exercise,
            exercise_alternatives(exercise=exercise, version=enrolment.program_version, week=week),
        )
        for exercise in exercises_in_plan(enrolment)
    ]


def swaps_of(client) -> QuerySet:
    """Every swap her PTs made, newest first (an ended one was replaced by a later swap of the
    same exercise)."""
    from .models import ExerciseSwap

    return ExerciseSwap.objects.filter(client=client).select_related(
        "original", "replacement", "created_by"
    )


def swaps_on(client, day: date) -> dict[int, object]:
    """original exercise id -> replacement exercise, for the PT's swaps in force on `day`."""
    from .models import ExerciseSwap

    swaps = ExerciseSwap.objects.filter(client=client, from_date__lte=day).select_related(
        "replacement__replaced_by"
    )
    return {
        s.original_id: s.replacement
        for s in swaps.order_by("created_at")
        if s.ended_at is None or s.ended_at.date() > day
    }


def session_with_content(session: ScheduledSession) -> ScheduledSession:
    """Attach the template's blocks and prescriptions (three queries), with her PT's swaps
    applied (`rx.swapped_from` keeps the original). Each aerobic prescription's heart-rate
    ceiling in beats per minute is `rx.hr_ceiling` (a ceiling, never a target: SAFETY.md
    section 5); an old version's %-of-maximum band shows as the ACOG ceiling."""
    swaps = swaps_on(session.client_id, session.date)
    prescriptions = Prescription.objects.select_related("exercise").order_by("order", "pk")
    blocks = list(
        Block.objects.filter(template_id=session.template_id)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("prescriptions", queryset=prescriptions))
    )
    for block in blocks:
        for rx in block.prescriptions.all():
            _as_shown(rx, swaps, session.gestational_week)
    session.blocks = blocks
    return session


def _as_shown(rx, swaps: dict, week: int) -> None:
    """A prescription line as she reads it: her PT's swap applied, its heart-rate ceiling."""
    rx.swapped_from = None
    if rx.exercise_id in swaps:
        _swap_in(rx, swaps[rx.exercise_id], week)
    rx.hr_ceiling = rx.hr_max_bpm or (HR_CEILING_BPM if rx.hr_max_pct else None)


def session_checklist(session: ScheduledSession) -> list:
    """The log's exercise checklist: her session's prescriptions in block order, with her PT's
    swaps applied as on the session page (`session_with_content`, without the blocks: two
    queries)."""
    swaps = swaps_on(session.client_id, session.date)
    prescriptions = list(
        Prescription.objects.filter(block__template_id=session.template_id)
        .select_related("exercise")
        .order_by("block__order", "block_id", "order", "pk")
    )
    for rx in prescriptions:
        _as_shown(rx, swaps, session.gestational_week)
    return prescriptions


@functools.cache
def _checklist_ids():
    """A session's template id and its checklist's ids, one row a line (a template with no
    line gives one row, with no id), in `session_checklist`'s order: a queryset built once
    per process (narrowing it clones a resolved query), never evaluated itself."""
    return ScheduledSession.objects.order_by(
        "template__blocks__order",
        "template__blocks__id",
        "template__blocks__prescriptions__order",
        "template__blocks__prescriptions__id",
    ).values_list("template_id", "template__blocks__prescriptions__id")


def session_checklist_ids(*, client, session_id) -> tuple[int | None, list[int]]:
    """Her session's template id and the ids of `session_checklist`'s lines, in its order:
    what a posted log is checked against, in one query that reads neither the session nor
    the lines as objects. A swap changes the exercise a line shows, never the line, so her
    PT's swaps are not read. Http404: not her session."""
    rows = list(_checklist_ids().filter(pk=session_id, client=client))
    if not rows:
        raise Http404(gettext("No such session."))
    return rows[0][0], [pk for _, pk in rows if pk is not None]


def _swap_in(rx, replacement, week: int) -> None:
    """Show her PT's swap on a prescription line (in memory, never saved): the replacement's
    own instructions and safety notes instead of the original's coaching cue; the dose (sets,
    reps, seconds, rest, effort, heart-rate ceiling) only when it is the same kind of exercise,
    else none (she follows the instructions for the block's time); the load only with the same
    equipment. From the week her program stops a lying-on-the-back exercise, its library
    replacement stands in (or the original, when it has none)."""
    from programs.selectors import supine_forbidden

    if supine_forbidden(replacement, week):
        replacement = replacement.replaced_by
    original = rx.exercise
    if replacement is None or replacement.pk == original.pk:
        return
    rx.swapped_from, rx.exercise = original, replacement
    rx.cue = " ".join(t for t in (replacement.instructions, replacement.safety_notes) if t)
    if replacement.kind != original.kind:
        rx.sets = rx.reps = rx.seconds = rx.rpe_min = rx.rpe_max = None
        rx.hr_max_bpm = rx.hr_min_pct = rx.hr_max_pct = None
        rx.rest_seconds = 0
    if replacement.kind != original.kind or replacement.equipment != original.equipment:
        rx.load = ""


def next_session(client, today: date) -> ScheduledSession | None:
    return (
        sessions_of(client)
        .filter(date__gte=today, status=ScheduledSession.Status.SCHEDULED, log__isnull=True)
        .first()
    )


_HOME_ROWS = 4  # today's session(s) and the next: more only when some are cancelled


def _today_and_next(client, today: date) -> tuple[ScheduledSession | None, ScheduledSession | None]:
    """Her scheduled session today (logged or not) and `next_session` after today, in one
    query: her first few sessions from today that are today's or not logged. The status is
    checked here rather than in SQL, so SQLite reads them by her (client, date) index instead
    of every client's scheduled sessions; past a few cancelled ones, `next_session` asks."""
    from django.db.models import Q

    rows = list(
        sessions_of(client)
        .filter(date__gte=today)
        .filter(Q(date=today) | Q(log__isnull=True))[:_HOME_ROWS]
    )
    scheduled = [s for s in rows if s.status == ScheduledSession.Status.SCHEDULED]
    today_session = next((s for s in scheduled if s.date == today), None)
    upcoming = next((s for s in scheduled if s.date > today), None)  # not logged (the query)
    if len(rows) == _HOME_ROWS:  # more rows than read: ask for what was not found
        if today_session is None and rows[-1].date == today:
            today_session = (
                sessions_of(client)
                .filter(date=today, status=ScheduledSession.Status.SCHEDULED)
                .first()
            )
        if upcoming is None:
            upcoming = next_session(client, today + timedelta(days=1))
    return today_session, upcoming


def session_state(session: ScheduledSession, today: date, *, on_hold: bool = False) -> str:
    """upcoming, today, done, partial, skipped, missed, cancelled or on_hold.

    `on_hold`: her program is not active (held, paused, waiting for clearance, blocked) and
    not finished; her sessions from today on that are not logged are then on hold, including
    those a pause cancelled (they come back when she is active again). Sessions cancelled
    for any other reason (birth, end, a move) stay cancelled."""
    log = getattr(session, "log", None) if _has_log_cached(session) else None
    if log is not None:
        return {"completed": "done", "partial": "partial", "skipped": "skipped"}[log.status]
    if on_hold and session.date >= today:
        if session.status == ScheduledSession.Status.SCHEDULED or session.cancel_reason == "paused":
            return "on_hold"
    if session.status == ScheduledSession.Status.CANCELLED:
        return "cancelled"
    if session.date < today:
        return "missed"
    return "today" if session.date == today else "upcoming"


def on_hold(safety) -> bool:
    """Do her sessions show as on hold? (Not active, not finished.)"""
    return safety is not None and not safety.active and not safety.finished


STATE_LABELS = {
    "done": _("done"),
    "partial": _("partly done"),
    "skipped": _("skipped"),
    "missed": _("missed"),
    "cancelled": _("cancelled"),
    "today": _("today"),
    "upcoming": _("upcoming"),
    "on_hold": _("on hold"),
}


def _has_log_cached(session) -> bool:
    try:
        session.log  # noqa: B018  (select_related fills it; a miss raises)
        return True
    except SessionLog.DoesNotExist:
        return False


def client_home(client, today: date) -> dict:
    """Everything the client's home page shows, and which stage she is at. (Her enrolment
    only says whether she is enrolled: its program version is not read.)"""
    profile = pregnancy_of(client)
    screening = latest_screening(client)
    enrolment = Enrolment.objects.filter(client=client).first()
    context = {"profile": profile, "screening": screening, "enrolment": enrolment}
    if profile is None:
        return {**context, "stage": "no_pregnancy"}
    context["ga"] = gestational_age(profile.due_date, today)
    safety = state_of(client, profile=profile)
    context["safety"] = safety
    if enrolment is None:
        if screening is None:
            return {**context, "stage": "no_screening"}
        if safety.state in (BLOCKED, ENDED, COMPLETED):
            return {**context, "stage": safety.state}
        return {**context, "stage": "not_enrolled"}
    # Not active: no session prompt, a calm notice of why and what to do next (SAFETY.md 1).
    if not safety.active:
        return {**context, "stage": safety.state}
    start = date_at(profile.due_date, PROGRAM_START_WEEK)
    today_session, upcoming = _today_and_next(client, today)
    context.update(
        {
            "pending_clearance": safety.state == PENDING_CLEARANCE,
            "program_start": start,
            "next": upcoming,
            "days_to_next": (upcoming.date - today).days if upcoming else None,
        }
    )
    if today_session is not None:
        context["session"] = session_with_content(today_session)
        context["session_state"] = session_state(today_session, today)
        return {**context, "stage": "today"}
    if today < start:
        return {**context, "stage": "before_program", "days_to_start": (start - today).days}
    return {**context, "stage": "rest_day"}


# --- her safety notice (SAFETY.md sections 1 and 3) ---------------------------------------

K = SafetyItem.Kind


def safety_notice(client, safety) -> dict:
    """What her notice shows when she is not active: each open item in words (why), and
    which way forward is hers (what to do next): resume, tell her PT, record her own
    provider's clearance, or wait for a PT or an admin. One query (the questions' texts)."""
    keys = [i.question_key for i in safety.items if i.kind in (K.ABSOLUTE, K.RELATIVE)]
    texts = dict(ScreeningQuestion.objects.filter(key__in=keys).values_list("key", "text"))
    has_pt = safety.pt is not None
    rows = []
    for item in safety.items:
        row = {"item": item, "kind": item.kind, "closes_by": rules.closes_by(item)}
        if item.kind in (K.ABSOLUTE, K.RELATIVE):
            row["text"] = texts.get(item.question_key, item.question_key)
        elif item.kind == K.HOLD:
            row["signs"] = rules.sign_labels(item.signs)
            row["message"] = rules.TIER_MESSAGES[rules.tier_of(item.signs) or rules.TODAY]
        row["self_clear"] = rules.can_self_clear(item, has_pt=has_pt)
        # Without a PT, an item she may not clear herself waits for a PT or an admin.
        row["pt_only"] = (
            not has_pt and item.kind in (K.ABSOLUTE, K.RELATIVE, K.HOLD) and not row["self_clear"]
        )
        rows.append(row)
    pause = safety.pause
    can_resume = bool(pause and rules.pause_liftable_by(pause, client, client=client, pt=safety.pt))
    paused_by = None
    if pause is not None and not can_resume and pause.opened_by_id:
        setter = pause.opened_by
        paused_by = setter if setter.role == "pt" else None
    clearable = [r for r in rows if r["kind"] in (K.ABSOLUTE, K.RELATIVE, K.HOLD)]
    return {
        "rows": rows,
        "can_resume": can_resume,
        "paused_by": paused_by,
        "waits_for_clearance": bool(clearable),
        "self_clear": any(r["self_clear"] for r in rows),
        "pt_only": [r for r in rows if r["pt_only"]],
        "rescreen_due": any(r["kind"] == K.RESCREEN_DUE for r in rows),
    }


def home_questions(client, profile, safety, screening, today) -> dict:
    """The gentle questions home asks: the 26-week re-screen (from 25+4 until answered) and,
    from the due date + 7 days, whether the pregnancy has ended. `screening`: her latest
    (`latest_screening`), which says whether she answered (`safety.rescreen_answered`: a
    screen or re-screen from 25+4 on; none is later than her latest) without a query."""
    if profile is None or safety is None or safety.finished:
        return {}
    week, day = rules.RESCREEN_ASK_FROM
    rescreen_from = date_at(profile.due_date, week, day)
    open_rescreen = any(i.kind == K.RESCREEN_DUE for i in safety.items)
    return {
        "ask_rescreen": screening is not None
        and today >= rescreen_from
        and not open_rescreen
        and timezone.localtime(screening.submitted_at).date() < rescreen_from,
        "ask_ended": today >= profile.due_date + timedelta(days=7),
    }


def safety_items_for_pt(client, state) -> list:
    """Her open items and any item flagged for review, each with its signs in words, the
    question it answers and whether her PT may review it here."""
    open_ids = {i.pk for i in state.items}
    flagged = SafetyItem.objects.filter(client=client, needs_review=True).exclude(pk__in=open_ids)
    items = [*state.items, *flagged.select_related("opened_by")]
    keys = {i.question_key for i in items if i.question_key}
    questions = (
        {q.key: q.text for q in ScreeningQuestion.objects.filter(key__in=keys)} if keys else {}
    )
    for item in items:
        item.sign_words = rules.sign_labels(item.signs)
        item.question_text = questions.get(item.question_key, item.question_key)
        item.reviewable = item.needs_review or (
            item.kind == SafetyItem.Kind.RELATIVE and item.closed_at is None
        )
    return items


def week_sessions(client, monday: date) -> list[ScheduledSession]:
    return list(sessions_of(client).filter(date__gte=monday, date__lt=monday + timedelta(days=7)))


def calendar_weeks(client, today: date, safety=None) -> list[dict]:
    """The whole program grouped by gestational week, each session with its state (on hold
    from today on while she is not active)."""
    held = on_hold(safety or state_of(client))
    weeks: dict[int, dict] = {}
    for session in sessions_of(client):
        week = weeks.setdefault(
            session.gestational_week, {"week": session.gestational_week, "sessions": []}
        )
        session.state = session_state(session, today, on_hold=held)
        session.state_label = STATE_LABELS[session.state]
        week["sessions"].append(session)
    return [weeks[k] for k in sorted(weeks)]


# --- logs, assessments and progress -------------------------------------------------------


def exercise_lines() -> Prefetch:
    """A log's checklist with each line's exercise, whose name shows beside "too hard"."""
    from .models import ExerciseLog

    return Prefetch(
        "exercises", queryset=ExerciseLog.objects.select_related("prescription__exercise")
    )


def logs_of(client):
    """Her logs, newest first, withdrawn ones too (her history page and GET /api/v1/me/logs/),
    with their sessions, checklists and earlier versions: four queries, whatever their number."""
    return (
        SessionLog.objects.filter(client=client)
        .select_related("session__template")
        .prefetch_related("revisions", exercise_lines())
        .order_by("-performed_on", "-pk")
    )


def log_for_client(*, client, log_id) -> SessionLog:
    try:
        return (
            SessionLog.objects.select_related("session__template")
            .prefetch_related("revisions", "exercises")
            .get(pk=log_id, client=client)
        )
    except (SessionLog.DoesNotExist, ValueError, TypeError):
        raise Http404(gettext("No such log.")) from None


def session_records(client) -> list:
    """Every scheduled session as a scoring.SessionRecord (one query)."""
    from .scoring import SessionRecord

    rows = (
        ScheduledSession.objects.filter(client=client)
        .values_list(
            "date", "gestational_week", "status", "log__status", "log__minutes", "planned_minutes"
        )
        .order_by("date")
    )
    return [
        SessionRecord(
            date=day,
            week=week,
            cancelled=status == ScheduledSession.Status.CANCELLED,
            log_status=log_status,
            minutes=minutes or 0,
            planned_minutes=planned or 60,
        )
        for day, week, status, log_status, minutes, planned in rows
    ]


def assessments_of(client) -> list:
    """Her check-ins, oldest first; those she withdrew are left out of every count."""
    from .models import Assessment

    return list(
        Assessment.objects.filter(client=client, withdrawn_at__isnull=True).order_by(
            "taken_on", "pk"
        )
    )


def assessment_for_client(*, client, assessment_id):
    """Her own check-in (a withdrawn one too, to say so), or 404."""
    from .models import Assessment

    try:
        return Assessment.objects.get(pk=assessment_id, client=client)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404(gettext("No such check-in.")) from None


_UNREAD = object()


def assessment_due(client, today: date, *, profile=_UNREAD, enrolment=_UNREAD) -> dict | None:
    """What check-in the home page should offer: the baseline (from week 16, or at
    enrolment when later), the week-34 follow-up, or the optional weekly check-in.
    `profile`, `enrolment`: hers (or None), when the caller has read them already."""
    from .models import Assessment

    if profile is _UNREAD:
        profile = pregnancy_of(client)
    if profile is None or profile.birth_date or profile.ended_on:
        return None
    week = gestational_age(profile.due_date, today).weeks
    taken = list(
        Assessment.objects.filter(client=client, withdrawn_at__isnull=True).values_list(
            "kind", "taken_on"
        )
    )
    kinds = {kind for kind, _ in taken}
    if Assessment.Kind.BASELINE not in kinds:
        if week >= 16 or (
            Enrolment.objects.filter(client=client).exists()
            if enrolment is _UNREAD
            else enrolment is not None
        ):
            return {"kind": "baseline", "required": True}
        return None
    # Week 34 is measured from 33+0 to 35+6 (SAFETY.md section 6); asked from 34+0.
    if 34 <= week <= 35 and Assessment.Kind.FOLLOW_UP not in kinds:
        return {"kind": "follow_up", "required": True}
    last = max(day for _, day in taken)
    if (today - last).days >= 7:
        return {"kind": "check_in", "required": False}
    return None


def progress(client, today: date) -> dict:
    """Adherence, minutes, effort and pain/disability over the pregnancy, with charts (each
    a `charts.Chart`, drawn when shown)."""
    from users.models import User

    from .charts import Chart, Series
    from .scoring import (
        ODI_MDC_POINTS,
        adherence,
        adherence_by_week,
        change,
        odi_plain,
        trial_measures,
        vas_plain,
    )

    # Her due date and her version's targets in one query (no profile or enrolment: None).
    due_date, enrolment_id, version_threshold, version_target = (
        User.objects.filter(pk=client.pk)
        .values_list(
            "pregnancy__due_date",
            "enrolment__pk",
            "enrolment__program_version__adherence_threshold_percent",
            "enrolment__program_version__weekly_minutes_target",
        )
        .get()
    )
    threshold = version_threshold if enrolment_id is not None else 80
    weekly_target = version_target if enrolment_id is not None else 150
    records = session_records(client)
    overall = adherence(records, today, threshold)
    by_week_adherence = adherence_by_week(records, today, threshold)
    logs = (
        SessionLog.objects.filter(client=client, withdrawn_at__isnull=True)
        .exclude(status=SessionLog.Status.SKIPPED)
        .order_by("performed_on")
        .values_list("performed_on", "minutes", "rpe", "session__gestational_week")
    )
    minutes_by_week: dict[int, int] = {}
    rpe_by_week: dict[int, list[int]] = {}
    for performed_on, minutes, rpe, session_week in logs:
        if due_date is not None:
            week = gestational_age(due_date, performed_on).weeks
        else:
            week = session_week if session_week is not None else 0
        minutes_by_week[week] = minutes_by_week.get(week, 0) + minutes
        if rpe:
            rpe_by_week.setdefault(week, []).append(rpe)
    rpe_points = [(w, round(sum(v) / len(v), 1)) for w, v in sorted(rpe_by_week.items())]
    assessments = assessments_of(client)
    # Baseline and week 34 by the one rule (scoring.trial_measures, SAFETY.md section 6), so a
    # check-in stored as another kind counts as what it is.
    baseline, follow_up = trial_measures(
        (
            gestational_age(due_date, a.taken_on).total_days if due_date else None,
            a.odi_answers,
            a,
        )
        for a in assessments
    )
    latest = assessments[-1] if assessments else None
    changes = None
    if baseline and latest and latest.pk != baseline.pk:
        odi_change = change(baseline.odi_percent, latest.odi_percent)
        changes = {
            "low_back": change(baseline.vas_low_back_mm, latest.vas_low_back_mm),
            "sciatic": change(baseline.vas_sciatic_mm, latest.vas_sciatic_mm),
            "odi": odi_change,
            "odi_beyond_mdc": odi_change is not None and abs(odi_change) >= ODI_MDC_POINTS,
            "since": baseline.taken_on,
            "since_week": baseline.gestational_week,
        }
    trial_change = None
    if baseline and follow_up:
        trial_change = {
            "low_back": change(baseline.vas_low_back_mm, follow_up.vas_low_back_mm),
            "sciatic": change(baseline.vas_sciatic_mm, follow_up.vas_sciatic_mm),
            "odi": change(baseline.odi_percent, follow_up.odi_percent),
            "from_week": baseline.gestational_week,
            "to_week": follow_up.gestational_week,
        }
    plain = None
    if latest is not None:
        plain = {
            "low_back": vas_plain(latest.vas_low_back_mm),
            "sciatic": vas_plain(latest.vas_sciatic_mm),
            "odi": odi_plain(latest.odi_percent),
        }
    weeks = [a.gestational_week for a in assessments] + [w for w, _ in by_week_adherence] + [16, 34]
    x_min, x_max = min(weeks + [16]), max(weeks + [34])
    trial_marks = [(16, gettext("baseline")), (34, gettext("week 34"))]

    def by_week(title, y_label, series, y_min=0, y_max=100, **extra):
        # Drawn only when a page shows it (`chart.svg`, cached by its inputs: charts.py).
        return Chart(
            title=title, x_label=gettext("week of pregnancy"), y_label=y_label, x_min=x_min,
            x_max=x_max, y_min=y_min, y_max=y_max, series=series, **extra,
        )  # fmt: skip

    odi_points = [
        (a.gestational_week, a.odi_percent) for a in assessments if a.odi_percent is not None
    ]
    charts = [
        by_week(
            gettext("Pain by week of pregnancy"),
            "mm (0-100)",
            [
                Series(
                    gettext("Low back pain"),
                    "series-a",
                    [(a.gestational_week, a.vas_low_back_mm) for a in assessments],
                ),
                Series(
                    gettext("Sciatic pain"),
                    "series-b",
                    [(a.gestational_week, a.vas_sciatic_mm) for a in assessments],
                ),
            ],
            marks=trial_marks,
        ),
        by_week(
            gettext("Disability (Oswestry) by week"),
            "% (0-100)",
            [Series(gettext("ODI"), "series-c", odi_points)],
            marks=trial_marks,
        ),
        by_week(
            gettext("Adherence by week"),
            "%",
            [
                Series(
                    gettext("Adherence"),
                    "series-a",
                    [(w, a.percent) for w, a in by_week_adherence if a.percent is not None],
                )
            ],
            threshold=(threshold, gettext("%(percent)s%% target") % {"percent": threshold}),
            bars=True,
        ),
        by_week(
            gettext("Minutes a week"),
            gettext("minutes"),
            [Series(gettext("Minutes"), "series-b", sorted(minutes_by_week.items()))],
            y_max=max([weekly_target + 30, *minutes_by_week.values()]),
            threshold=(weekly_target, f"{weekly_target} min"),
            bars=True,
        ),
        by_week(
            gettext("Session effort (Borg 6-20), weekly mean"),
            gettext("RPE"),
            [Series(gettext("Effort"), "series-c", rpe_points)],
            y_min=6,
            y_max=20,
        ),
    ]
    return {
        "adherence": overall,
        "adherence_by_week": by_week_adherence,
        "minutes_by_week": sorted(minutes_by_week.items()),
        "weekly_target": weekly_target,
        "assessments": assessments,
        "baseline": baseline,
        "follow_up": follow_up,
        "latest": latest,
        "plain": plain,
        "changes": changes,
        "trial_change": trial_change,
        "mdc": ODI_MDC_POINTS,
        "charts": charts,
    }


# --- her corrections (SPEC section 6): what her PT sees -------------------------------------


def correction_deadline(record) -> datetime:
    """Until when she may correct or withdraw a saved log or check-in."""
    from .services.logs import CORRECTION_WINDOW

    return record.created_at + CORRECTION_WINDOW


def correction_refusal(record, now: datetime | None = None) -> str | None:
    """Why she can no longer correct or withdraw this log or check-in, in the words the
    services refuse with; None while she may."""
    from .models import Assessment
    from .services.assessments import check_in_correction_problem
    from .services.logs import correction_problem

    now = now or timezone.now()
    if isinstance(record, Assessment):
        return check_in_correction_problem(record, now)
    return correction_problem(record, now)


LOG_CHANGES = (
    ("status", _("status")),
    ("performed_on", _("date")),
    ("skip_reason", _("reason")),
    ("minutes", _("minutes")),
    ("rpe", _("effort")),
    ("avg_heart_rate", _("heart rate")),
    ("warning_signs", _("warning signs")),
    ("exercises", _("checklist")),
    ("notes", _("notes")),
)
CHECK_IN_CHANGES = (
    ("vas_low_back_mm", _("low back pain")),
    ("vas_sciatic_mm", _("sciatic pain")),
    ("odi_percent", _("Oswestry")),
    ("odi_answers", _("Oswestry answers")),
    ("pain_locations", _("where it hurts")),
    ("symptoms", _("symptoms")),
)
# Long or nested values: only "changed" is said (the earlier text is in her export).
_SAID_CHANGED = {"notes", "exercises", "odi_answers"}


def _in_words(name: str, value) -> str:
    """One value of a log or check-in snapshot, as her PT reads it (pure)."""
    from .scoring import LOCATIONS, SYMPTOMS

    if value in (None, "", []):
        return str(_("none"))
    if name == "status":
        return str(dict(SessionLog.Status.choices).get(value, value))
    if name == "skip_reason":
        return str(dict(SessionLog.SkipReason.choices).get(value, value))
    if name == "performed_on":
        return date_format(date.fromisoformat(value), gettext("j F"))
    if name == "warning_signs":
        return ", ".join(rules.sign_labels(value))
    if name in ("pain_locations", "symptoms"):
        labels = dict(LOCATIONS if name == "pain_locations" else SYMPTOMS)
        return ", ".join(str(labels.get(k, k)) for k in value)
    if name.startswith("vas_"):
        return f"{value} mm"
    if name == "odi_percent":
        return f"{localize(value)}%"  # a decimal comma in Spanish
    return str(value)


def changes_in_words(before: dict, after: dict, fields) -> list[str]:
    """What changed from one version of a log or check-in to the next (pure): "minutes: 50 →
    45", or "notes changed" for long values. Keys missing from either side are skipped."""
    out = []
    for name, label in fields:
        if name not in before or name not in after or before[name] == after[name]:
            continue
        if name == "odi_answers" and before.get("odi_percent") != after.get("odi_percent"):
            continue  # the score's change says it
        if name in _SAID_CHANGED:
            out.append(str(_("%(what)s changed") % {"what": label}))
        else:
            out.append(f"{label}: {_in_words(name, before[name])} → {_in_words(name, after[name])}")
    return out


def _history(versions: list[dict], times: list, fields) -> list[tuple]:
    """(when, changes) for each edit: `versions` oldest first, ending with the current one;
    `times[i]` is when version i was replaced. Edits that changed nothing shown are left out."""
    out = []
    for i, when in enumerate(times):
        words = changes_in_words(versions[i], versions[i + 1], fields)
        if words:
            out.append((when, words))
    return out


def corrections_of(client, limit: int = 30) -> list[dict]:
    """Her corrections, newest first, for her PT: each edit of a log or check-in with what it
    changed, and each withdrawal. Five queries, whatever she changed."""
    from django.db.models import Q

    from .models import Assessment
    from .services.assessments import assessment_snapshot
    from .services.logs import log_snapshot

    entries = []
    changed = Q(withdrawn_at__isnull=False) | Q(revisions__isnull=False)
    logs = (
        SessionLog.objects.filter(changed, client=client)
        .distinct()
        .prefetch_related("revisions", "exercises")
    )
    for log in logs:
        revisions = sorted(log.revisions.all(), key=lambda r: (r.edited_at, r.pk))
        scheduled = log.session_id is not None or any(
            r.snapshot.get("session_id") for r in revisions
        )
        about = {"kind": "log" if scheduled else "extra", "day": log.performed_on}
        versions = [r.snapshot for r in revisions] + [log_snapshot(log)]
        for when, words in _history(versions, [r.edited_at for r in revisions], LOG_CHANGES):
            entries.append({**about, "at": when, "withdrawn": False, "changes": words})
        if log.withdrawn_at:
            entries.append({**about, "at": log.withdrawn_at, "withdrawn": True, "changes": []})
    check_ins = (
        Assessment.objects.filter(changed, client=client).distinct().prefetch_related("revisions")
    )
    for check_in in check_ins:
        revisions = sorted(check_in.revisions.all(), key=lambda r: (r.edited_at, r.pk))
        about = {"kind": "check_in", "day": check_in.taken_on}
        versions = [r.snapshot for r in revisions] + [assessment_snapshot(check_in)]
        times = [r.edited_at for r in revisions]
        for when, words in _history(versions, times, CHECK_IN_CHANGES):
            entries.append({**about, "at": when, "withdrawn": False, "changes": words})
        if check_in.withdrawn_at:
            entries.append({**about, "at": check_in.withdrawn_at, "withdrawn": True, "changes": []})
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]


def client_export(client, today: date) -> dict:
    """All her data, as `/me/export.json` and `/api/v1/me/export/` return it: every row about
    her but her PT's private notes (`tracker/my_data.py` says what is in it and what is not)."""
    from .my_data import document

    return document(client, today)


# --- Web Push devices (issue 17) --------------------------------------------------------------


def push_devices(user):
    """Her own devices set up for push notifications, oldest first."""
    from .models import PushSubscription

    return PushSubscription.objects.filter(user=user).order_by("created_at", "pk")


def push_device_for(*, user, subscription_id):
    """Her own device, or 404 (another person's id is not told apart from none)."""
    from .models import PushSubscription

    try:
        return push_devices(user).get(pk=subscription_id)
    except (PushSubscription.DoesNotExist, ValueError, TypeError):
        raise Http404(gettext("No such device.")) from None
