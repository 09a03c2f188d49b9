"""The dispatcher: finds what is due from the database, records one Delivery row per
message (idempotently) and enqueues one task per message. Beat runs it every few minutes;
`manage.py dispatch_reminders` runs the same pass by hand.

Queries are per batch, never per client: each batch is one read of candidates, one bulk
insert, one read of rows to enqueue and one update."""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from users.models import User

from ..language import speaking_to
from ..models import (
    Alert,
    Assessment,
    Delivery,
    Notification,
    NotificationSettings,
    ReminderKind,
    ScheduledSession,
    Screening,
)
from ..safety import active_clients_q, after_program, sign_labels
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
ESCALATE_AFTER = dt.timedelta(hours=24)  # an urgent alert her PT has not acknowledged
RESCREEN_EVERY = dt.timedelta(days=7)  # the re-screen reminder, until she answers


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
    escalated: int = 0


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
        .select_related("client__notification_settings", "client__pregnancy", "enrolment")
    )
    for batch in _batches(sessions):
        found = []
        for session in batch:
            profile = getattr(session.client, "pregnancy", None)
            if profile is not None and after_program(profile.due_date, session.date):
                continue  # no reminder is ever sent after 42+0
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
                sent_on = due.astimezone(timing.zone(tz)).date()
                past_42 = profile is not None and after_program(profile.due_date, sent_on)
                if _in_window(due, now) and not past_42:
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


def _rescreen_candidates(now: dt.datetime) -> Iterator[list[Candidate]]:
    """The 26-week re-screen (SAFETY.md section 4): from 25+4 until she answers it, at 09:00
    her time, once a week, while she is enrolled and her pregnancy is not over. Sent in any
    state: answering it is what closes a re-screen-due hold."""
    from ..gestation import date_at
    from ..safety import RESCREEN_ASK_FROM

    weeks, days = RESCREEN_ASK_FROM
    ask_offset = dt.timedelta(days=280 - 7 * weeks - days)  # due date - ask date
    clients = (
        User.objects.filter(
            enrolment__isnull=False,
            pregnancy__birth_date__isnull=True,
            pregnancy__ended_on__isnull=True,
            # roughly past 25+4 and before 42+0 (the exact day is checked below, in her zone)
            pregnancy__due_date__lte=now.date() + ask_offset + dt.timedelta(days=1),
            pregnancy__due_date__gt=now.date() - dt.timedelta(weeks=2, days=1),
        )
        .select_related("pregnancy", "enrolment", "notification_settings")
        .annotate(
            last_rescreen=Max(
                "screenings__submitted_at",
                filter=Q(screenings__kind=Screening.Kind.RESCREEN),
            )
        )
    )
    for batch in _batches(clients):
        found = []
        for client in batch:
            prefs = _settings(client)
            tz = client.enrolment.time_zone
            due_date = client.pregnancy.due_date
            start = date_at(due_date, weeks) + dt.timedelta(days=days)
            if client.last_rescreen is not None:
                answered_on = timezone.localtime(client.last_rescreen, timing.zone(tz)).date()
                if answered_on >= start:
                    continue
            local_today = timezone.localtime(now, timing.zone(tz)).date()
            if local_today < start:
                continue
            day = start + RESCREEN_EVERY * ((local_today - start) // RESCREEN_EVERY)
            if after_program(due_date, day):
                continue
            due = timing.check_in_due(
                day=day, tz=tz, quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end
            )
            if _in_window(due, now):
                found.append(
                    Candidate(
                        client.pk, ReminderKind.RESCREEN_DUE, f"rescreen:{day.isoformat()}", due, tz
                    )
                )
        yield found


def find_due(now: dt.datetime) -> Iterator[list[Candidate]]:
    yield from _session_candidates(now)
    yield from _assessment_candidates(now)
    yield from _rescreen_candidates(now)
    yield from _pt_digest_candidates(now)


# --- escalation of unacknowledged urgent alerts (SAFETY.md section 2) -------------------------


def admins():
    """Who hears of an urgent alert nobody acted on: every active staff account."""
    return User.objects.filter(is_staff=True, is_active=True).order_by("pk")


def escalation_due(now: dt.datetime):
    """Alerts her PT was told of and has not acknowledged within 24 hours, not yet escalated."""
    return (
        Alert.objects.filter(
            pt__isnull=False,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lte=now - ESCALATE_AFTER,
        )
        .select_related("client", "pt")
        .order_by("pk")
    )


def _escalation_candidates(now: dt.datetime, staff: list) -> list[Candidate]:
    return [
        Candidate(
            admin.pk,
            ReminderKind.ADMIN_ESCALATION,
            f"alert:{alert.pk}",
            alert.created_at + ESCALATE_AFTER,
            admin.time_zone,
        )
        for alert in escalation_due(now)
        for admin in staff
    ]


def _escalation_text(alert: Alert) -> tuple[str, str]:
    """The admins' in-app notice of an alert nobody acknowledged, in the active language."""
    signs = ", ".join(sign_labels(alert.signs)) or str(alert.get_kind_display())
    title = gettext("Not acknowledged for 24 hours: %(client)s, %(signs)s") % {
        "client": alert.client,
        "signs": signs,
    }
    body = gettext(
        "Her PT %(pt)s was alerted on %(when)s UTC and has not acknowledged it. Contact the PT "
        "or the client."
    ) % {
        "pt": alert.pt,
        "when": date_format(timezone.localtime(alert.created_at, dt.UTC), gettext("d M Y H:i")),
    }
    return title, body


def alerts_escalate(now: dt.datetime, stamp: dt.datetime) -> int:
    """Escalate each overdue alert once: an in-app notice (naming the client and the sign,
    behind log-in) and one e-mail delivery (no name, no health data) per admin, and the
    alert's `escalated_at`. A conditional update makes the escalation happen once, however
    many dispatchers run at the same moment."""
    staff = list(admins())
    if not staff:
        return 0  # nobody to tell yet: the next pass tries again
    escalated = 0
    for alert in escalation_due(now):
        with transaction.atomic():
            won = Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if not won:
                continue
            due = alert.created_at + ESCALATE_AFTER
            url = reverse("admin:tracker_alert_change", args=[alert.pk])
            for admin in staff:
                with speaking_to(admin):  # each admin reads it in her own language
                    title, body = _escalation_text(alert)
                Notification.objects.create(
                    recipient=admin,
                    about_client=alert.client,
                    kind=Notification.Kind.ESCALATION,
                    title=title[:200],
                    body=body,
                    url=url,
                    urgent=True,
                    created_at=now,
                )
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        recipient=admin,
                        kind=ReminderKind.ADMIN_ESCALATION,
                        object_key=f"alert:{alert.pk}",
                        due_at=due,
                        created_at=stamp,
                    )
                    for admin in staff
                ],
                ignore_conflicts=True,
            )
        escalated += 1
        logger.info("dispatch: alert %s escalated to %s admin(s)", alert.pk, len(staff))
    return escalated


def _record(batch: list[Candidate], stamp: dt.datetime) -> int:
    """Insert the batch's rows; rows that already exist (same key) are left alone. Returns
    how many were skipped. New rows carry `stamp` as created_at, so the pass can count them.

    Each message's main row names the channel her setting has now; beside it, a push row
    when she wants this kind by push and has a device set up (issue 17)."""
    if not batch:
        return 0
    ids = {c.recipient_id for c in batch}
    prefs = {p.user_id: p for p in NotificationSettings.objects.filter(user_id__in=ids)}
    default = NotificationSettings()
    rows = [
        Delivery(
            recipient_id=c.recipient_id,
            kind=c.kind,
            object_key=c.object_key,
            due_at=c.due_at,
            channel=prefs.get(c.recipient_id, default).channel(c.kind),
            status=Delivery.Status.SKIPPED if c.skip_reason else Delivery.Status.PENDING,
            skip_reason=c.skip_reason,
            created_at=stamp,
        )
        for c in batch
    ]
    rows += _push_rows(batch, prefs, stamp)
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    return sum(1 for c in batch if c.skip_reason)


def _push_rows(batch: list[Candidate], prefs: dict, stamp: dt.datetime) -> list[Delivery]:
    """The push rows of a batch: for whom wants the kind by push and has a device."""
    from ..models import PushSubscription
    from .webpush import push_available

    wanting = [
        c
        for c in batch
        if not c.skip_reason and c.recipient_id in prefs and prefs[c.recipient_id].push(c.kind)
    ]
    if not wanting or not push_available():
        return []
    with_device = set(
        PushSubscription.objects.filter(user_id__in={c.recipient_id for c in wanting})
        .values_list("user_id", flat=True)
        .distinct()
    )
    return [
        Delivery(
            recipient_id=c.recipient_id,
            kind=c.kind,
            object_key=c.object_key,
            due_at=c.due_at,
            channel=Delivery.Channel.PUSH,
            created_at=stamp,
        )
        for c in wanting
        if c.recipient_id in with_device
    ]


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
        result.escalated = alerts_escalate(now, stamp)
    else:
        result.candidates.extend(_escalation_candidates(now, list(admins())))
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
            "dispatch: %s new deliveries, %s skipped, %s enqueued, %s not enqueued, "
            "%s alerts escalated",
            result.created, result.skipped, result.enqueued, result.enqueue_failed,
            result.escalated,
        )  # fmt: skip
    return result
