"""The dispatcher: finds what is due from the database, records one Delivery row per
message (idempotently) and enqueues one task per message. Beat runs it every few minutes;
`manage.py dispatch_reminders` runs the same pass by hand.

Queries are per batch, never per client: each batch is one read of candidates, one bulk
insert, one read of rows to enqueue and one update."""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import timezone

from users.models import User

from ..models import (
    Assessment,
    Delivery,
    NotificationSettings,
    ReminderKind,
    ScheduledSession,
)
from ..safety import active_clients_q, after_program
from . import timing

logger = logging.getLogger(__name__)

LOOKBACK = dt.timedelta(hours=24)  # how far back a late dispatcher still looks
CLAIM_TIMEOUT = dt.timedelta(minutes=10)  # a claim older than this was lost (worker died)
REENQUEUE_AFTER = dt.timedelta(minutes=15)  # a pending row enqueued this long ago was lost
BATCH = 1000

CLIENT_PROGRAM_KINDS = {
    ReminderKind.SESSION_UPCOMING,
    ReminderKind.SESSION_MISSED,
    ReminderKind.ASSESSMENT_DUE,
}
SKIP_SESSION_OVER = "the session had already started when the dispatcher ran"


@dataclass(frozen=True)
class Candidate:
    recipient_id: int
    kind: str
    object_key: str
    due_at: dt.datetime
    time_zone: str
    skip_reason: str = ""


@dataclass
class DispatchResult:
    candidates: list[Candidate] = field(default_factory=list)
    created: int = 0
    skipped: int = 0
    enqueued: int = 0
    enqueue_failed: int = 0


def _settings(user) -> NotificationSettings:
    try:
        return user.notification_settings
    except NotificationSettings.DoesNotExist:
        return NotificationSettings(user=user)


def _batches(queryset, size=BATCH) -> Iterator[list]:
    """Keyset pagination on pk: each batch is one query."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def _in_window(due: dt.datetime, now: dt.datetime) -> bool:
    return now - LOOKBACK < due <= now


def _session_candidates(now: dt.datetime) -> Iterator[list[Candidate]]:
    """Upcoming (lead time or morning digest) and missed-session reminders."""
    today = now.date()
    sessions = (
        ScheduledSession.objects.filter(
            status=ScheduledSession.Status.SCHEDULED,
            log__isnull=True,
            date__range=(today - dt.timedelta(days=3), today + dt.timedelta(days=2)),
        )
        .filter(active_clients_q("client__"))  # SAFETY.md section 1: only an active program
        .select_related("client__notification_settings", "enrolment")
    )
    for batch in _batches(sessions):
        found = []
        for session in batch:
            prefs = _settings(session.client)
            tz = session.enrolment.time_zone
            quiet = (prefs.quiet_start, prefs.quiet_end)
            start = timing.session_start(session.date, session.start_time, tz)
            if prefs.session_upcoming:
                due = timing.upcoming_due(
                    day=session.date, start=session.start_time, tz=tz, mode=prefs.session_mode,
                    lead_minutes=prefs.session_lead_minutes, digest_time=prefs.digest_time,
                    quiet_start=quiet[0], quiet_end=quiet[1],
                )  # fmt: skip
                if _in_window(due, now):
                    key = (
                        f"day:{session.date.isoformat()}"
                        if prefs.session_mode == NotificationSettings.SessionMode.DIGEST
                        else f"session:{session.pk}"
                    )
                    over = start <= now
                    found.append(
                        Candidate(
                            session.client_id,
                            ReminderKind.SESSION_UPCOMING,
                            key,
                            due,
                            tz,
                            SKIP_SESSION_OVER if over else "",
                        )  # fmt: skip
                    )
            if prefs.session_missed:
                due = timing.missed_due(
                    day=session.date, tz=tz, digest_time=prefs.digest_time,
                    quiet_start=quiet[0], quiet_end=quiet[1],
                )  # fmt: skip
                if _in_window(due, now):
                    found.append(
                        Candidate(
                            session.client_id,
                            ReminderKind.SESSION_MISSED,
                            f"session:{session.pk}",
                            due,
                            tz,
                        )
                    )
        yield found


def _assessment_candidates(now: dt.datetime) -> Iterator[list[Candidate]]:
    """Baseline (from week 16 or at enrolment), week 34, and the opt-in weekly check-in."""
    from ..gestation import date_at

    clients = (
        User.objects.filter(enrolment__isnull=False)
        .filter(active_clients_q())  # SAFETY.md section 1: only an active program
        .select_related("pregnancy", "enrolment", "notification_settings")
        .annotate(
            n_baseline=Count("assessments", filter=Q(assessments__kind=Assessment.Kind.BASELINE)),
            n_follow_up=Count("assessments", filter=Q(assessments__kind=Assessment.Kind.FOLLOW_UP)),
            last_taken=Max("assessments__taken_on"),
        )
    )
    for batch in _batches(clients):
        found = []
        for client in batch:
            prefs = _settings(client)
            if not prefs.assessment_due:
                continue
            tz = client.enrolment.time_zone
            due_date = client.pregnancy.due_date
            if not client.n_baseline:
                day = timing.baseline_check_in_day(
                    week_16=date_at(due_date, 16), enrolled=client.enrolment.created_at, tz=tz
                )
                key = "assessment:baseline"
            elif not client.n_follow_up:
                day, key = date_at(due_date, 34), "assessment:follow_up"
            elif prefs.weekly_check_in and client.last_taken:
                day = client.last_taken + dt.timedelta(days=7)
                key = f"assessment:check_in:{day.isoformat()}"
            else:
                continue
            if after_program(due_date, day):
                continue  # no reminder is ever sent after 42+0
            if (
                prefs.weekly_check_in
                and client.n_baseline
                and not client.n_follow_up
                and client.last_taken
            ):
                weekly = client.last_taken + dt.timedelta(days=7)
                if weekly < day:
                    day, key = weekly, f"assessment:check_in:{weekly.isoformat()}"
            due = timing.check_in_due(
                day=day, tz=tz, quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end
            )
            if _in_window(due, now):
                found.append(Candidate(client.pk, ReminderKind.ASSESSMENT_DUE, key, due, tz))
        yield found


def _pt_digest_candidates(now: dt.datetime) -> Iterator[list[Candidate]]:
    pts = User.objects.filter(role=User.Role.PT, pt_approved=True, is_active=True).select_related(
        "notification_settings"
    )
    for batch in _batches(pts):
        found = []
        for pt in batch:
            prefs = _settings(pt)
            if not prefs.pt_digest:
                continue
            local_today = timezone.localtime(now, timing.zone(pt.time_zone)).date()
            due = timing.pt_digest_due(today=local_today, tz=pt.time_zone)
            if now - dt.timedelta(days=2) < due <= now:
                week = due.astimezone(timing.zone(pt.time_zone)).date().isocalendar()
                found.append(
                    Candidate(
                        pt.pk,
                        ReminderKind.PT_DIGEST,
                        f"week:{week[0]}-W{week[1]:02d}",
                        due,
                        pt.time_zone,
                    )
                )
        yield found


def find_due(now: dt.datetime) -> Iterator[list[Candidate]]:
    yield from _session_candidates(now)
    yield from _assessment_candidates(now)
    yield from _pt_digest_candidates(now)


def _record(batch: list[Candidate], stamp: dt.datetime) -> int:
    """Insert the batch's rows; rows that already exist (same key) are left alone. Returns
    how many were skipped. New rows carry `stamp` as created_at, so the pass can count them."""
    rows = [
        Delivery(
            recipient_id=c.recipient_id,
            kind=c.kind,
            object_key=c.object_key,
            due_at=c.due_at,
            status=Delivery.Status.SKIPPED if c.skip_reason else Delivery.Status.PENDING,
            skip_reason=c.skip_reason,
            created_at=stamp,
        )
        for c in batch
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    return sum(1 for c in batch if c.skip_reason)


def enqueue_pending(now: dt.datetime) -> tuple[int, int]:
    """Enqueue every pending row that is due and not (recently) enqueued, and put lost
    claims back in line. Works after a broker outage: the next run catches up."""
    from ..tasks import enqueue_delivery

    Delivery.objects.filter(
        status=Delivery.Status.CLAIMED, claimed_at__lt=now - CLAIM_TIMEOUT
    ).update(status=Delivery.Status.PENDING, enqueued_at=None)
    waiting = Delivery.objects.filter(status=Delivery.Status.PENDING, due_at__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER)
    )
    enqueued = failed = 0
    for batch in _batches(waiting.only("pk")):
        ok = [d.pk for d in batch if enqueue_delivery(d.pk)]
        failed += len(batch) - len(ok)
        if ok:
            Delivery.objects.filter(pk__in=ok).update(enqueued_at=now)
            enqueued += len(ok)
        if failed:
            break  # the broker is down: the next run tries again
    return enqueued, failed


def reminders_dispatch(*, now: dt.datetime | None = None, dry_run: bool = False) -> DispatchResult:
    now = now or timezone.now()
    stamp = timezone.now()  # marks the rows this pass creates
    result = DispatchResult()
    from ..services.safety import rescreen_overdue, rescreen_sweep

    # A client past 28+0 without her re-screen is held before anything is sent to her; a
    # dry run writes nothing, so it leaves out the clients the sweep would hold.
    held = set() if not dry_run else {c.pk for c in rescreen_overdue(now)}
    if not dry_run:
        rescreen_sweep(now=now)
    for batch in find_due(now):
        if dry_run:
            result.candidates.extend(
                c
                for c in batch
                if not c.skip_reason
                and not (c.recipient_id in held and c.kind in CLIENT_PROGRAM_KINDS)
            )
            continue
        result.skipped += _record(batch, stamp)
    if not dry_run:
        result.created = Delivery.objects.filter(created_at=stamp).count()
        result.enqueued, result.enqueue_failed = enqueue_pending(now)
        logger.info(
            "dispatch: %s new deliveries, %s skipped, %s enqueued, %s not enqueued",
            result.created, result.skipped, result.enqueued, result.enqueue_failed,
        )  # fmt: skip
    return result
