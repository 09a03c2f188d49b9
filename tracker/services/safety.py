"""Every open and close of a safety item (SAFETY.md sections 1 to 5), written once and called
by every door: the web views, the API, the admin, the offline sync and the Celery tasks.

Each records who, when and why: the item itself, her plan history and the audit log. The
state is never set here: `tracker.safety.state_of` derives it from what is open. When a close
leaves her active again, her future sessions are rebuilt (logged ones are never touched)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import safety
from ..gestation import date_at
from ..language import history_reader, speaking_to
from ..models import (
    Alert,
    Clearance,
    Enrolment,
    Notification,
    PregnancyProfile,
    SafetyItem,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
)
from ..safety import RESCREEN_ASK_FROM, RESCREEN_DUE_AT, rescreen_answered  # noqa: F401
from .alerts import alert_raise
from .audit import plan_change

K = SafetyItem.Kind

ERR_NOTHING_TO_CLEAR = _("There is nothing waiting for a clearance.")
ERR_SELF_CLEAR_PT = _(
    "Your PT {pt} will review this: ask your care provider to send the clearance to your PT, "
    "or tell your PT you have been seen."
)
ERR_SELF_CLEAR_ABSOLUTE = _(
    "A clearance for this answer must be recorded by a PT or an admin, not by you. "
    "Please talk to your obstetric care provider."
)
ERR_SELF_CLEAR_OPENED_WITH_PT = _(
    "This was opened while you had a PT: a PT or an admin must record the clearance."
)
ERR_NOT_YOURS = _("Only a PT or an admin can do this.")
ERR_PROVIDER = _("Enter the name or role of the care provider who cleared you.")
ERR_CLEARED_ON = _("The date of the clearance cannot be in the future.")
ERR_NO_PT = _("You have no PT in Prenafit to tell. Contact your care provider directly.")
ERR_NOT_PAUSED = _("The program is not paused.")
ERR_RESUME_HELD = _("Resuming lifts a pause only; it cannot lift what stops your program now.")
ERR_ALREADY_PAUSED = _("The program is already paused.")
ERR_PAUSE_FINISHED = _("The program has ended.")
ERR_PAUSE_NOT_HERS = _("Your PT paused your program: only your PT (or an admin) can resume it.")
ERR_PAUSE_NOT_YOURS = _("This pause is not yours to lift.")
ERR_NOT_ENROLLED = _("Enrol in the program first.")
ERR_NOT_REVIEWABLE = _("Only an open relative answer, or one flagged for review, can be reviewed.")
ERR_REVIEW_NOTE = _("Write a short note on what you reviewed.")
ERR_OUTCOME = _("Choose “my baby was born” or “my pregnancy has ended”.")
ERR_CONFIRM = _("Please confirm: tick the box to say this is right.")
ERR_END_FUTURE = _("The date cannot be in the future.")
ERR_END_BEFORE_PREGNANCY = _("That date is before the pregnancy began.")
ERR_ALREADY_FINISHED = _("The end of the pregnancy is already recorded.")
ERR_NOT_ENDED = _("Nothing to undo: no ended pregnancy is recorded.")
ERR_NO_PREGNANCY = _("Tell us your due date first.")

# Her plan history and her items' reasons, for her PT (services.audit.plan_change writes them in
# her PT's language).
PLAN_REVIEWED = _("reviewed her screen answer “%(question)s”")
PLAN_SELF_CLEARANCE = _("recorded her own care provider's clearance (self-reported)")
PLAN_CLEARANCE = _("recorded her care provider's clearance")
PLAN_SEEN = _("told her PT she was seen by her care provider on %(day)s")
PLAN_PAUSED = _("paused the program")
PLAN_RESUMED = _("resumed the program")
PLAN_ENDED = _("recorded that the pregnancy has ended")
PLAN_REOPENED = _("undid “pregnancy ended” (recorded by mistake)")
REASON_PAUSED = _("Paused")
REASON_WARNING_SIGN = _("warning sign")
REASON_RED_FLAG = _("check-in red flag")
REASON_RESCREEN = _("26-week re-screen not answered by 28+0")


@dataclass
class HoldResult:
    """What a trigger did: the hold, the alert, who was told and what she must do."""

    item: SafetyItem
    alert: Alert
    signs: list[str]
    tier: str

    @property
    def pt(self):
        return self.alert.pt

    @property
    def message(self) -> str:
        return str(safety.TIER_MESSAGES[self.tier])

    @property
    def told(self) -> str:
        return safety.told_text(self.alert.pt)


def _is_admin(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


def _close(item: SafetyItem, *, by, how: str, note: str = "", clearance=None) -> None:
    item.closed_at = timezone.now()
    item.closed_by = by
    item.closed_how = how
    item.close_note = note[:2000]
    item.clearance = clearance
    item.save(update_fields=["closed_at", "closed_by", "closed_how", "close_note", "clearance"])


def _open(client, kind: str, *, by, pt=..., **fields) -> SafetyItem:
    if pt is ...:
        pt = safety.pt_of(client)
    return SafetyItem.objects.create(
        client=client, kind=kind, opened_by=by, opened_with_pt=pt is not None, **fields
    )


def _reason(client, reason) -> str:
    """The reason an item is stored with: hers as typed, or ours in the words of who reads it
    (her PT, or she herself without one)."""
    with speaking_to(history_reader(client)):
        return str(reason)[:200]


def _lock(client) -> None:
    """One writer at a time per client (opens and closes race otherwise)."""
    from users.models import User

    User.objects.select_for_update().filter(pk=client.pk).first()


# --- the schedule follows the state -----------------------------------------------------------


def cancel_after(enrolment: Enrolment, after: dt.date, reason: str) -> int:
    return ScheduledSession.objects.filter(
        enrolment=enrolment,
        date__gt=after,
        log__isnull=True,
        status=ScheduledSession.Status.SCHEDULED,
    ).update(
        status=ScheduledSession.Status.CANCELLED,
        cancel_reason=reason,
        sequence=F("sequence") + 1,
        updated_at=timezone.now(),
    )


def _restore_schedule(client, today: dt.date) -> None:
    """She is active again: the sessions cancelled by a pause (or an end) come back, rebuilt
    in place from tomorrow from her current days and version (the rebuild reuses every
    unlogged row after today, so each keeps its id and link)."""
    from .enrolment import schedule_rebuild_future

    enrolment = Enrolment.objects.filter(client=client).first()
    if enrolment is None:
        return
    schedule_rebuild_future(enrolment=enrolment, today=today)


def _after_close(client, today: dt.date) -> None:
    if safety.state_of(client).active:
        _restore_schedule(client, today)


# --- the screen (SAFETY.md section 4) ---------------------------------------------------------


def screen_items_open(*, client, screening: Screening, questions) -> list[SafetyItem]:
    """Open an item for each "yes" that turned positive. Answers are sticky: a question that
    already opened an item (open or closed) opens nothing new, and a "no" closes nothing.
    Her PT hears of a new absolute answer at once (urgent) and of a relative one in the app."""
    by_key = {q.key: q for q in questions}
    seen = set(
        SafetyItem.objects.filter(client=client, kind__in=[K.ABSOLUTE, K.RELATIVE]).values_list(
            "question_key", flat=True
        )
    )
    pt = safety.pt_of(client)
    opened = []
    for key in screening.positive_keys:
        if key in seen or key not in by_key:
            continue
        kind = K.ABSOLUTE if by_key[key].kind == ScreeningQuestion.Kind.ABSOLUTE else K.RELATIVE
        opened.append(_open(client, kind, by=client, pt=pt, question_key=key, screening=screening))
    absolute = [i.question_key for i in opened if i.kind == K.ABSOLUTE]
    relative = [i.question_key for i in opened if i.kind == K.RELATIVE]
    if absolute:
        alert_raise(client=client, kind=Alert.Kind.SCREENING, signs=absolute)
    if relative and pt is not None:
        with speaking_to(pt):
            title = gettext("%(client)s: safety screen needs clearance from her care provider")
        Notification.objects.create(
            recipient=pt,
            about_client=client,
            kind=Notification.Kind.SCREENING_PENDING,
            title=(title % {"client": client})[:200],
            url=reverse("tracker:pt_client", args=[client.pk]),
        )
    # The re-screen, or a whole screen answered from 25+4 on, answers the 26-week re-screen.
    if screening.kind == Screening.Kind.RESCREEN or rescreen_answered(client, None):
        for item in SafetyItem.objects.filter(
            client=client, kind=K.RESCREEN_DUE, closed_at__isnull=True
        ):
            _close(item, by=client, how=SafetyItem.Closed.ANSWERED)
    return opened


@transaction.atomic
def item_review(*, item: SafetyItem, by, note: str, today: dt.date) -> SafetyItem:
    """Her PT or an admin reviews a screen answer: an open relative item closes; an item
    flagged for review (moved from relative to absolute, cleared before) loses its flag."""
    client = item.client
    _lock(client)
    item = SafetyItem.objects.select_for_update().get(pk=item.pk)
    pt = safety.pt_of(client)
    if not (_is_admin(by) or (pt is not None and pt.pk == by.pk)):
        raise PermissionDenied(ERR_NOT_YOURS)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ERR_REVIEW_NOTE})
    if item.kind == K.RELATIVE and item.closed_at is None:
        _close(item, by=by, how=SafetyItem.Closed.REVIEWED, note=note)
    elif item.needs_review:
        item.needs_review = False
        item.close_note = (item.close_note + "\n" + note).strip()
        item.save(update_fields=["needs_review", "close_note"])
    else:
        raise ValidationError(ERR_NOT_REVIEWABLE)
    plan_change(client, by, PLAN_REVIEWED, {"question": item.question_key})
    _after_close(client, today)
    return item


# --- holds (SAFETY.md section 2) --------------------------------------------------------------


def hold_open(
    *, client, signs, by, alert_kind: str, session_log=None, assessment=None
) -> HoldResult | None:
    """A trigger in any state: the hold opens, her PT (if any) gets an urgent alert naming the
    sign. None if none of `signs` is a trigger."""
    triggers = safety.hold_signs(signs)
    if not triggers:
        return None
    # The same signs again while their hold is open and its alert unread: one hold, one alert.
    for open_hold in SafetyItem.objects.filter(client=client, kind=K.HOLD, closed_at__isnull=True):
        alert = (
            Alert.objects.filter(
                client=client,
                acknowledged_at__isnull=True,
                session_log=open_hold.session_log,
                assessment=open_hold.assessment,
            )
            .select_related("pt")
            .first()
        )
        if set(triggers) <= set(open_hold.signs) and alert is not None:
            return HoldResult(
                item=open_hold, alert=alert, signs=triggers, tier=safety.SIGN_TIERS[triggers[0]]
            )
    pt = safety.pt_of(client)
    item = _open(
        client,
        K.HOLD,
        by=by,
        pt=pt,
        signs=triggers,
        session_log=session_log,
        assessment=assessment,
        reason=_reason(client, REASON_WARNING_SIGN if session_log else REASON_RED_FLAG),
    )
    alert = alert_raise(
        client=client,
        kind=alert_kind,
        signs=triggers,
        session_log=session_log,
        assessment=assessment,
    )
    return HoldResult(item=item, alert=alert, signs=triggers, tier=safety.SIGN_TIERS[triggers[0]])


def hold_for(*, session_log=None, assessment=None) -> HoldResult | None:
    """The hold a log or check-in opened (to show the stop page again), or None."""
    filters = {"session_log": session_log} if session_log else {"assessment": assessment}
    item = SafetyItem.objects.filter(kind=K.HOLD, **filters).order_by("-pk").first()
    if item is None:
        return None
    alert = Alert.objects.filter(**filters).select_related("pt").order_by("-pk").first() or Alert(
        client_id=item.client_id, signs=item.signs
    )
    return HoldResult(
        item=item, alert=alert, signs=item.signs, tier=safety.tier_of(item.signs) or safety.TODAY
    )


# --- clearance (SAFETY.md section 3) ----------------------------------------------------------


@transaction.atomic
def clearance_record(
    *,
    client,
    recorded_by,
    provider: str,
    note: str = "",
    today: dt.date,
    cleared_on: dt.date | None = None,
) -> Clearance:
    """A provider's clearance closes every open item the recorder may close: her PT or an
    admin any screen answer or hold; she herself (self-reported) only relative items and
    holds opened while she had no PT, and only while she has none."""
    _lock(client)
    provider = (provider or "").strip()
    if not provider:
        raise ValidationError({"provider": ERR_PROVIDER})
    cleared_on = cleared_on or today
    if cleared_on > today:
        raise ValidationError({"cleared_on": ERR_CLEARED_ON})
    state = safety.state_of(client)
    items = [i for i in state.items if i.kind in (K.ABSOLUTE, K.RELATIVE, K.HOLD)]
    if not items:
        raise ValidationError(ERR_NOTHING_TO_CLEAR)
    allowed = [i for i in items if safety.clearable_by(i, recorded_by, client=client, pt=state.pt)]
    self_reported = recorded_by.pk == client.pk
    if not allowed:
        if not self_reported:
            raise PermissionDenied(ERR_NOT_YOURS)
        if state.pt is not None:
            raise PermissionDenied(ERR_SELF_CLEAR_PT.format(pt=state.pt))
        if any(i.kind == K.ABSOLUTE for i in items):
            raise PermissionDenied(ERR_SELF_CLEAR_ABSOLUTE)
        raise PermissionDenied(ERR_SELF_CLEAR_OPENED_WITH_PT)
    screening = next((i.screening for i in allowed if i.screening_id), None)
    clearance = Clearance(
        client=client,
        screening=screening,
        provider=provider[:200],
        cleared_on=cleared_on,
        note=note or "",
        self_reported=self_reported,
        recorded_by=recorded_by,
    )
    clearance.full_clean()
    clearance.save()
    for item in allowed:
        _close(item, by=recorded_by, how=SafetyItem.Closed.CLEARANCE, clearance=clearance)
    plan_change(client, recorded_by, PLAN_SELF_CLEARANCE if self_reported else PLAN_CLEARANCE)
    _after_close(client, today)
    return clearance


@transaction.atomic
def seen_tell_pt(*, client, provider: str, seen_on: dt.date, today: dt.date) -> Notification:
    """She tells her PT she has been seen by her care provider (an in-app message)."""
    provider = (provider or "").strip()
    if not provider:
        raise ValidationError({"provider": ERR_PROVIDER})
    if seen_on > today:
        raise ValidationError({"seen_on": ERR_CLEARED_ON})
    pt = safety.pt_of(client)
    if pt is None:
        raise ValidationError(ERR_NO_PT)
    with speaking_to(pt):  # her PT reads it, in her own language
        title = gettext("%(client)s says she was seen by %(provider)s on %(day)s") % {
            "client": client,
            "provider": provider[:80],
            "day": date_format(seen_on, gettext("d M Y")),
        }
        body = gettext("Record the clearance on her page once you have it from her care provider.")
        day = date_format(seen_on, gettext("j F Y"))
    notice = Notification.objects.create(
        recipient=pt,
        about_client=client,
        kind=Notification.Kind.SEEN,
        title=title[:200],
        body=body,
        url=reverse("tracker:pt_client", args=[client.pk]),
    )
    plan_change(client, client, PLAN_SEEN, {"day": day})
    return notice


# --- pause (SAFETY.md section 1) --------------------------------------------------------------


@transaction.atomic
def pause_open(*, client, by, reason: str, today: dt.date) -> SafetyItem:
    """She, her PT or an admin pauses the program (holiday, illness): the sessions after
    today are cancelled (kept), reminders stop."""
    _lock(client)
    enrolment = Enrolment.objects.filter(client=client).first()
    if enrolment is None:
        raise ValidationError(ERR_NOT_ENROLLED)
    state = safety.state_of(client)
    if state.finished:
        raise ValidationError(ERR_PAUSE_FINISHED)
    if state.pause is not None:
        raise ValidationError(ERR_ALREADY_PAUSED)
    if by.pk != client.pk and not (_is_admin(by) or (state.pt and state.pt.pk == by.pk)):
        raise PermissionDenied(ERR_NOT_YOURS)
    item = _open(
        client, K.PAUSE, by=by, pt=state.pt, reason=_reason(client, reason or REASON_PAUSED)
    )
    cancel_after(enrolment, today, "paused")
    plan_change(client, by, PLAN_PAUSED)
    return item


@transaction.atomic
def pause_lift(*, client, by, today: dt.date) -> SafetyItem:
    """Whoever set the pause, or her PT or an admin, lifts it; a PT's pause is not hers to
    lift while that PT looks after her."""
    _lock(client)
    state = safety.state_of(client)
    item = state.pause
    if item is None:
        if state.state in (safety.BLOCKED, safety.HELD, safety.PENDING_CLEARANCE):
            # a hold or a screen answer is lifted by a clearance, not by resuming
            raise PermissionDenied(f"{ERR_RESUME_HELD} {state.next_step}")
        raise ValidationError(ERR_NOT_PAUSED)
    if not safety.pause_liftable_by(item, by, client=client, pt=state.pt):
        raise PermissionDenied(ERR_PAUSE_NOT_HERS if by.pk == client.pk else ERR_PAUSE_NOT_YOURS)
    _close(item, by=by, how=SafetyItem.Closed.LIFTED)
    plan_change(client, by, PLAN_RESUMED)
    _after_close(client, today)
    return item


# --- the 26-week re-screen (SAFETY.md section 4) ----------------------------------------------


def rescreen_overdue(now: dt.datetime):
    """Enrolled clients past 28+0 (in their own time zone) with no re-screen answer and no
    re-screen item yet."""
    from users.models import User

    from ..selectors import local_today

    candidates = (
        User.objects.filter(
            enrolment__isnull=False,
            pregnancy__birth_date__isnull=True,
            pregnancy__ended_on__isnull=True,
            pregnancy__due_date__lte=now.date() + dt.timedelta(weeks=40 - RESCREEN_DUE_AT, days=1),
        )
        .exclude(safety_items__kind=K.RESCREEN_DUE)
        .select_related("pregnancy")
    )
    for client in candidates:
        due = client.pregnancy.due_date
        if local_today(client, now) < date_at(due, RESCREEN_DUE_AT):
            continue
        if rescreen_answered(client, due):
            continue
        yield client


@transaction.atomic
def rescreen_sweep(*, now: dt.datetime | None = None) -> int:
    """Open a re-screen-due item for each client past 28+0 without an answer (idempotent:
    the dispatcher runs it on every pass)."""
    now = now or timezone.now()
    opened = 0
    for client in rescreen_overdue(now):
        _open(client, K.RESCREEN_DUE, by=None, reason=_reason(client, REASON_RESCREEN))
        opened += 1
    return opened


# --- end of pregnancy (SAFETY.md section 5) ---------------------------------------------------


BIRTH = "birth"
ENDED = "ended"


@transaction.atomic
def pregnancy_end(
    *, client, outcome: str, on: dt.date, confirm: bool, by, today: dt.date
) -> PregnancyProfile:
    """ "My baby was born" or "my pregnancy has ended": after a confirmation, every later
    session is cancelled (kept) and every reminder stops."""
    from .enrolment import birth_record

    if outcome not in (BIRTH, ENDED):
        raise ValidationError({"outcome": ERR_OUTCOME})
    if not confirm:
        raise ValidationError({"confirm": ERR_CONFIRM})
    if not PregnancyProfile.objects.filter(client=client).exists():
        raise ValidationError(ERR_NO_PREGNANCY)
    if outcome == BIRTH:
        return birth_record(client=client, birth_date=on, today=today)
    _lock(client)
    profile = PregnancyProfile.objects.select_for_update().filter(client=client).first()
    if profile is None:
        raise ValidationError(ERR_NO_PREGNANCY)
    if profile.birth_date or profile.ended_on:
        raise ValidationError(ERR_ALREADY_FINISHED)
    if on > today:
        raise ValidationError({"date": ERR_END_FUTURE})
    if on < date_at(profile.due_date, 0):
        raise ValidationError({"date": ERR_END_BEFORE_PREGNANCY})
    profile.ended_on = on
    profile.save(update_fields=["ended_on", "updated_at"])
    enrolment = Enrolment.objects.filter(client=client).first()
    if enrolment is not None:
        cancel_after(enrolment, min(on, today), "ended")
        Enrolment.objects.filter(pk=enrolment.pk).update(ended_at=timezone.now())
    plan_change(client, by, PLAN_ENDED)
    return profile


@transaction.atomic
def pregnancy_reopen(*, client, by, today: dt.date) -> PregnancyProfile:
    """Her PT or an admin undoes an "ended" recorded by mistake: the program goes on."""
    _lock(client)
    pt = safety.pt_of(client)
    if not (_is_admin(by) or (pt is not None and pt.pk == by.pk)):
        raise PermissionDenied(ERR_NOT_YOURS)
    profile = PregnancyProfile.objects.select_for_update().filter(client=client).first()
    if profile is None or profile.ended_on is None:
        raise ValidationError(ERR_NOT_ENDED)
    profile.ended_on = None
    profile.save(update_fields=["ended_on", "updated_at"])
    Enrolment.objects.filter(client=client).update(ended_at=None)
    plan_change(client, by, PLAN_REOPENED)
    _restore_schedule(client, today)
    return profile
