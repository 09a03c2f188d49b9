"""Guided mode (issue 17): her session one exercise at a time, read from the same content as
the session page (her PT's swaps applied). Reads only: the log it ends with is saved through
`POST /api/v1/me/sessions/<id>/log/`, the service the form uses (`session_log_record`)."""

from datetime import date

from programs.selectors import alternatives_of
from programs.templatetags.program_tags import dose_text, effort, heart_rate_ceiling, rest

from .models import ScheduledSession
from .schedule import same_week
from .selectors import session_state, session_with_content

# Session states (`selectors.session_state`) that may be started in guided mode.
OFFERED_STATES = ("today", "upcoming", "missed")


def guided_offered(session: ScheduledSession, today: date, *, active: bool) -> bool:
    """Show "Start guided session" for this session? Her program is active, the session is
    neither logged nor cancelled, and its log could be saved today: it is today's, a missed
    one, or a coming one of this week (a session of a coming week is logged in its own week:
    `services.logs.log_problems`)."""
    if not active or session_state(session, today) not in OFFERED_STATES:
        return False
    return session.date <= today or same_week(session.date, today)


def guided_steps(session: ScheduledSession, week: int | None) -> list[dict]:
    """One plain dict per prescription, in block order, for `guided.js` (JSON): what she reads
    on each screen, the numbers its timer and set checklist use, and the first alternative the
    library offers for it in her program version at gestational `week` (never the exercise
    her PT swapped out). Attaches the blocks to `session` (`session_with_content`), so the
    page can list them too. Five queries, whatever the number of exercises."""
    session = session_with_content(session)
    lines = [(block, rx) for block in session.blocks for rx in block.prescriptions.all()]
    alternatives = alternatives_of(
        exercises=[rx.exercise for _, rx in lines], version=session.version_id, week=week
    )
    return [_step(block, rx, alternatives.get(rx.exercise.pk, [])) for block, rx in lines]


def _step(block, rx, alternatives: list) -> dict:
    exercise = rx.exercise
    swapped_from = rx.swapped_from
    alternative = next(
        (e for e in alternatives if swapped_from is None or e.pk != swapped_from.pk), None
    )
    if swapped_from is None:
        instruction = rx.cue or exercise.instructions
    else:  # the replacement's own words (`rx.cue` joins them with its safety notes)
        instruction = exercise.instructions
    timed = bool(rx.seconds) and not rx.reps
    return {
        "prescription": rx.pk,
        "name": exercise.name,
        "url": exercise.get_absolute_url(),
        "swapped_from": swapped_from.name if swapped_from is not None else None,
        "block": str(block.get_kind_display()),
        "block_kind": block.kind,
        "block_minutes": block.minutes,
        "block_notes": block.notes,
        "dose": dose_text(sets=rx.sets, reps=rx.reps, seconds=rx.seconds),
        "rest": rest(rx),
        "effort": effort(rx),
        "heart_rate": heart_rate_ceiling(rx),
        "load": rx.load,
        "instruction": instruction,
        "safety_notes": exercise.safety_notes,
        "seconds": rx.seconds if timed else None,
        "rest_seconds": rx.rest_seconds or 0,
        "sets": (rx.sets or 1) if (rx.reps or timed) else None,
        "reps": rx.reps,
        "alternative": (
            {"name": alternative.name, "url": alternative.get_absolute_url()}
            if alternative is not None
            else None
        ),
    }
