"""What a PT does for a client: notes, alerts, plan changes, and the audit trail of it all."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from programs.models import Exercise, Prescription
from programs.rules import BLOCK_EXERCISE_KINDS, BLOCK_WORDS, KIND_WORDS
from programs.selectors import (
    MISFIT_BLOCK,
    MISFIT_KIND,
    MISFIT_REGION,
    MISFIT_SUPINE,
    block_kinds_of,
    swap_misfit,
)

from ..models import Alert, AuditEvent, Enrolment, ExerciseSwap, PlanChange, PTNote
from ..selectors import gestational_week_on
from .audit import audit_record, plan_change
from .enrolment import schedule_change
from .safety import clearance_record, pause_lift, pause_open

ERR_NOT_AUTHOR = _("Only the PT who wrote a note can edit it.")
ERR_EMPTY_NOTE = _("Write something first.")
ERR_SAME_EXERCISE = _("Choose a different exercise to swap in.")
ERR_NOT_IN_PLAN = _("That exercise is not in her program.")
ERR_ALREADY_ACKNOWLEDGED = _("This alert was already acknowledged.")
ERR_NOT_ENROLLED = _("She is not enrolled yet.")
# A replacement that does not fit (programs.selectors.swap_misfit), for every door.
ERR_SWAP_KIND = _(
    "“{replacement}” is a {replacement_kind} exercise, so it cannot stand in for “{original}”, "
    "a {original_kind} exercise. Choose one of the alternatives offered."
)
ERR_SWAP_BLOCK = _(
    "“{replacement}” does not belong in {block}, where “{original}” is done. "
    "Choose one of the alternatives offered."
)
ERR_SWAP_REGION = _(
    "“{replacement}” works another part of the body than “{original}”. "
    "Choose one of the alternatives offered."
)
ERR_SWAP_SUPINE = _(
    "“{replacement}” is done lying on the back, which her program stops from week {week}. "
    "Choose one of the alternatives offered."
)
# Her plan history (written in her PT's language: services.audit.plan_change).
PLAN_SWAPPED = _("swapped %(original)s for %(replacement)s from tomorrow")
PLAN_DAYS = _("changed her days to %(days)s at %(time)s")
PAUSED_BY_PT = _("Paused by her PT")


def _plan_change(client, by, description, params: dict | None = None) -> PlanChange:
    return plan_change(client, by, description, params)


@transaction.atomic
def note_add(*, client, author, text: str) -> PTNote:
    text = text.strip()
    if not text:
        raise ValidationError({"text": ERR_EMPTY_NOTE})
    note = PTNote.objects.create(client=client, author=author, text=text)
    audit_record(
        actor=author, client=client, action=AuditEvent.Action.CHANGE, what="added a note", obj=note
    )
    return note


@transaction.atomic
def note_update(*, note: PTNote, by, text: str) -> PTNote:
    if note.author_id != by.pk:
        raise ValidationError(ERR_NOT_AUTHOR)
    text = text.strip()
    if not text:
        raise ValidationError({"text": ERR_EMPTY_NOTE})
    note.text = text
    note.save(update_fields=["text", "updated_at"])
    audit_record(
        actor=by,
        client=note.client,
        action=AuditEvent.Action.CHANGE,
        what="edited a note",
        obj=note,
    )
    return note


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        raise ValidationError(ERR_ALREADY_ACKNOWLEDGED)
    alert.acknowledged_by = by
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(
        actor=by,
        client=alert.client,
        action=AuditEvent.Action.CHANGE,
        what="acknowledged an alert",
        obj=alert,
    )
    return alert


@transaction.atomic
def exercise_swap(
    *, client, original: Exercise, replacement: Exercise, by, today: dt.date, reason: str = ""
) -> ExerciseSwap:
    """From tomorrow, her sessions show `replacement` wherever `original` was prescribed.
    Logged sessions are untouched (they keep what she did)."""
    if original.pk == replacement.pk:
        raise ValidationError({"replacement": ERR_SAME_EXERCISE})
    enrolment = Enrolment.objects.filter(client=client).first()
    if enrolment is None:
        raise ValidationError(ERR_NOT_ENROLLED)
    in_plan = Prescription.objects.filter(
        exercise=original, block__template__phase__version=enrolment.program_version
    ).exists()
    if not in_plan:
        raise ValidationError({"original": ERR_NOT_IN_PLAN})
    from_date = today + dt.timedelta(days=1)
    problem = _swap_problem(
        original,
        replacement,
        block_kinds=block_kinds_of(exercise=original, version=enrolment.program_version),
        week=gestational_week_on(client, from_date),
    )
    if problem:
        raise ValidationError({"replacement": problem})
    ExerciseSwap.objects.filter(client=client, original=original, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    swap = ExerciseSwap.objects.create(
        client=client,
        original=original,
        replacement=replacement,
        from_date=from_date,
        reason=reason[:300],
        created_by=by,
    )
    _plan_change(
        client, by, PLAN_SWAPPED, {"original": original.name, "replacement": replacement.name}
    )
    return swap


def _swap_problem(original, replacement, *, block_kinds: set[str], week: int | None) -> str:
    """The PT's words for why `replacement` does not fit, or "" when it does."""
    misfit = swap_misfit(original, replacement, block_kinds=block_kinds, week=week)
    names = {"replacement": replacement.name, "original": original.name}
    if misfit == MISFIT_KIND:
        return ERR_SWAP_KIND.format(
            **names,
            replacement_kind=KIND_WORDS.get(replacement.kind, replacement.kind),
            original_kind=KIND_WORDS.get(original.kind, original.kind),
        )
    if misfit == MISFIT_BLOCK:
        block = next(
            b
            for b in sorted(block_kinds)
            if replacement.kind not in BLOCK_EXERCISE_KINDS.get(b, {replacement.kind})
        )
        return ERR_SWAP_BLOCK.format(**names, block=BLOCK_WORDS.get(block, block))
    if misfit == MISFIT_REGION:
        return ERR_SWAP_REGION.format(**names)
    if misfit == MISFIT_SUPINE:
        return ERR_SWAP_SUPINE.format(**names, week=replacement.replace_from_week)
    return ""


@transaction.atomic
def pt_pause(*, client, by, reason: str, today: dt.date):
    _enrolment(client)
    return pause_open(client=client, by=by, reason=reason or PAUSED_BY_PT, today=today)


@transaction.atomic
def pt_resume(*, client, by, today: dt.date):
    _enrolment(client)
    return pause_lift(client=client, by=by, today=today)


@transaction.atomic
def pt_change_schedule(*, client, by, weekdays, start_time, time_zone, today: dt.date) -> Enrolment:
    enrolment = schedule_change(
        enrolment=_enrolment(client),
        weekdays=weekdays,
        start_time=start_time,
        time_zone=time_zone,
        today=today,
    )
    # Lazy day names: plan_change writes them in her PT's language with the rest.
    names = format_lazy(
        ", ".join("{}" for _d in enrolment.weekdays),
        *(WEEKDAYS_ABBR[d] for d in enrolment.weekdays),
    )
    _plan_change(client, by, PLAN_DAYS, {"days": names, "time": f"{start_time:%H:%M}"})
    return enrolment


@transaction.atomic
def pt_record_clearance(
    *, client, by, provider: str, note: str, today: dt.date, cleared_on: dt.date | None = None
):
    """Her PT records the care provider's clearance: every item it closes, in her plan
    history and the audit log, all or nothing."""
    return clearance_record(
        client=client,
        recorded_by=by,
        provider=provider,
        note=note,
        today=today,
        cleared_on=cleared_on,
    )


@transaction.atomic
def pt_unlink(*, client, by) -> None:
    """The PT ends the care link; the history stays, her access ends at once."""
    from users.selectors import active_link_for_client
    from users.services import care_link_end

    link = active_link_for_client(client=client)
    if link is not None:
        care_link_end(link=link, ended_by=by)
        audit_record(
            actor=by, client=client, action=AuditEvent.Action.CHANGE, what="ended the care link"
        )


def _enrolment(client) -> Enrolment:
    enrolment = Enrolment.objects.filter(client=client).first()
    if enrolment is None:
        raise ValidationError(ERR_NOT_ENROLLED)
    return enrolment
