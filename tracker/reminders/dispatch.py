"""The dispatcher: finds what is due from the database, records one Delivery row per
message (idempotently) and enqueues one task per message. Beat runs it every few minutes;
`manage.py dispatch_reminders` runs the same pass by hand.

Queries are per batch, never per client: finding and recording a batch is one read of
candidates, one read of their settings, one insert (and one read of push devices when push
is on); enqueueing a batch is one read of rows and one update, its tasks published through
one producer.

Memory is bounded by the batch size, not by the number of clients: a real pass keeps one
batch of rows at a time (only a dry run collects its candidates). Candidates are read as
plain values, not model instances, and the due times of a batch are computed once per
distinct (day, time, zone, settings)."""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connections, router, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.constants import OnConflict
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
    Enrolment,
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


class Candidate(NamedTuple):
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


def _pk(row) -> int:
    """The pk of a model instance, a values() dict or a flat values_list() value."""
    if isinstance(row, dict):
        return row["pk"]
    return getattr(row, "pk", row)


def _batches(queryset, size=None) -> Iterator[list]:
    """Keyset pagination on pk: each batch is one query. Rows may be instances, values()
    dicts (with "pk") or flat pks."""
    size = size or BATCH
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = _pk(rows[-1])


def _in_window(due: dt.datetime, now: dt.datetime) -> bool:
    return now - LOOKBACK < due <= now


def _prefs_columns(path: str, names: tuple[str, ...]) -> dict:
    """values() expressions for some of a user's notification settings through `path`
    (e.g. "client__"), and whether she has a settings row at all (LEFT JOIN: None if not)."""
    columns = {"prefs_id": F(f"{path}notification_settings__id")}
    columns.update({f"pref_{n}": F(f"{path}notification_settings__{n}") for n in names})
    return columns


def _prefs_of(row: dict, names: tuple[str, ...], defaults: tuple) -> tuple:
    """Her settings `names` from a values() row, or the defaults when she has no row (as
    `_settings` gives an unsaved NotificationSettings())."""
    if row["prefs_id"] is None:
        return defaults
    return tuple(row[f"pref_{n}"] for n in names)


def _defaults(names: tuple[str, ...]) -> tuple:
    fields = NotificationSettings._meta
    return tuple(fields.get_field(n).get_default() for n in names)


class _Memo(dict):
    """A per-pass cache of pure computations (due times by day, zone and settings), emptied
    whenever it holds a batch's worth, so that it never grows with the number of clients."""

    def put(self, key, value):
        if len(self) >= BATCH:
            self.clear()
        self[key] = value
        return value


SESSION_PREFS = (
    "session_upcoming",
    "session_mode",
    "session_lead_minutes",
    "digest_time",
    "session_missed",
    "quiet_start",
    "quiet_end",
)


def _session_timing(day, start, tz, prefs, now):
    """What one session's reminders are, for every session with the same day, start time,
    zone and settings: (upcoming, missed), each None when not due in this pass's window.
    upcoming = (due, is a digest, skip reason); missed = (due, the local day it goes out)."""
    upcoming_on, mode, lead, digest_time, missed_on, quiet_start, quiet_end = prefs
    upcoming = missed = None
    if upcoming_on:
        due = timing.upcoming_due(
            day=day, start=start, tz=tz, mode=mode, lead_minutes=lead,
            digest_time=digest_time, quiet_start=quiet_start, quiet_end=quiet_end,
        )  # fmt: skip
        if _in_window(due, now):
            over = timing.session_start(day, start, tz) <= now
            digest = mode == NotificationSettings.SessionMode.DIGEST
            upcoming = (due, digest, SKIP_SESSION_OVER if over else "")
    if missed_on:
        due = timing.missed_due(
            day=day, tz=tz, digest_time=digest_time, quiet_start=quiet_start, quiet_end=quiet_end
        )
        if _in_window(due, now):
            missed = (due, due.astimezone(timing.zone(tz)).date())
    return upcoming, missed


def _session_candidates(now: dt.datetime) -> Iterator[list[Candidate]]:
    """Upcoming (lead time or morning digest) and missed-session reminders."""
    today = now.date()
    # Only the session's own columns filter the rows, so that each batch is read in pk order
    # from the session table whatever the planner guesses of the joined conditions (a guess
    # too low made PostgreSQL join and sort the whole window for every batch). Whether she
    # is reminded at all (not logged, an active program) comes back as a column per row.
    sessions = (
        ScheduledSession.objects.filter(
            status=ScheduledSession.Status.SCHEDULED,
            date__range=(today - dt.timedelta(days=3), today + dt.timedelta(days=2)),
        )
        .annotate(
            # SAFETY.md section 1: only an active program
            remind=ExpressionWrapper(
                Q(log__isnull=True) & active_clients_q("client__"), output_field=BooleanField()
            )
        )
        .values(
            "pk",
            "client_id",
            "date",
            "start_time",
            "remind",
            tz=F("enrolment__time_zone"),
            due_date=F("client__pregnancy__due_date"),  # None: no pregnancy profile
            **_prefs_columns("client__", SESSION_PREFS),
        )
    )
    defaults = _defaults(SESSION_PREFS)
    memo = _Memo()
    for batch in _batches(sessions):
        found = []
        for row in batch:
            if not row["remind"]:
                continue  # logged, or her program is not active
            day, due_date = row["date"], row["due_date"]
            if due_date is not None and after_program(due_date, day):
                continue  # no reminder is ever sent after 42+0
            tz, start = row["tz"], row["start_time"]
            prefs = _prefs_of(row, SESSION_PREFS, defaults)
            alike = (day, start, tz, prefs)  # the sessions whose reminders are due alike
            upcoming, missed = memo.get(alike) or memo.put(
                alike, _session_timing(day, start, tz, prefs, now)
            )
            if upcoming is not None:
                due, digest, skip_reason = upcoming
                key = f"day:{day.isoformat()}" if digest else f"session:{row['pk']}"
                found.append(
                    Candidate(
                        row["client_id"], ReminderKind.SESSION_UPCOMING, key, due, tz, skip_reason
                    )
                )
            if missed is not None:
                due, sent_on = missed
                if due_date is None or not after_program(due_date, sent_on):
                    found.append(
                        Candidate(
                            row["client_id"],
                            ReminderKind.SESSION_MISSED,
                            f"session:{row['pk']}",
                            due,
                            tz,
                        )
                    )
        yield found


ASSESSMENT_PREFS = ("assessment_due", "weekly_check_in", "quiet_start", "quiet_end")


def _assessment_candidates(now: dt.datetime) -> Iterator[list[Candidate]]:
    """Baseline (from week 16 or at enrolment), week 34, and the opt-in weekly check-in."""
    from ..gestation import date_at

    # As for sessions, each batch is read in pk order from one table, here her enrolment (one
    # per client), joined to the rest row by row; her check-ins come from subqueries per row
    # and whether her program is active as a column. (Read from the users with a GROUP BY over
    # their check-ins, PostgreSQL merge-joined every earlier client for each batch.)
    taken = Assessment.objects.filter(client=OuterRef("client_id"))
    clients = Enrolment.objects.annotate(
        # SAFETY.md section 1: only an active program
        active=ExpressionWrapper(active_clients_q("client__"), output_field=BooleanField()),
        baseline_id=Subquery(
            taken.filter(kind=Assessment.Kind.BASELINE).order_by().values("pk")[:1]
        ),
        follow_up_id=Subquery(
            taken.filter(kind=Assessment.Kind.FOLLOW_UP).order_by().values("pk")[:1]
        ),
        last_taken=Subquery(taken.order_by("-taken_on").values("taken_on")[:1]),
    ).values(
        "pk",
        "client_id",
        "active",
        "baseline_id",
        "follow_up_id",
        "last_taken",
        tz=F("time_zone"),
        enrolled=F("created_at"),
        due_date=F("client__pregnancy__due_date"),
        **_prefs_columns("client__", ASSESSMENT_PREFS),
    )
    defaults = _defaults(ASSESSMENT_PREFS)
    memo = _Memo()
    for batch in _batches(clients):
        found = []
        for client in batch:
            wanted, weekly_check_in, quiet_start, quiet_end = _prefs_of(
                client, ASSESSMENT_PREFS, defaults
            )
            if not client["active"] or not wanted:
                continue
            tz = client["tz"]
            due_date = client["due_date"]
            has_baseline = client["baseline_id"] is not None  # she has taken it
            has_follow_up = client["follow_up_id"] is not None
            last_taken = client["last_taken"]
            if not has_baseline:
                day = timing.baseline_check_in_day(
                    week_16=date_at(due_date, 16), enrolled=client["enrolled"], tz=tz
                )
                key = "assessment:baseline"
            elif not has_follow_up:
                day, key = date_at(due_date, 34), "assessment:follow_up"
            elif weekly_check_in and last_taken:
                day = last_taken + dt.timedelta(days=7)
                key = f"assessment:check_in:{day.isoformat()}"
            else:
                continue
            if after_program(due_date, day):
                continue  # no reminder is ever sent after 42+0
            if weekly_check_in and has_baseline and not has_follow_up and last_taken:
                weekly = last_taken + dt.timedelta(days=7)
                if weekly < day:
                    day, key = weekly, f"assessment:check_in:{weekly.isoformat()}"
            when = (day, tz, quiet_start, quiet_end)
            due = memo.get(when) or memo.put(
                when,
                timing.check_in_due(day=day, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end),
            )
            if _in_window(due, now):
                found.append(
                    Candidate(client["client_id"], ReminderKind.ASSESSMENT_DUE, key, due, tz)
                )
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


RESCREEN_PREFS = ("quiet_start", "quiet_end")


def _rescreen_candidates(now: dt.datetime) -> Iterator[list[Candidate]]:
    """The 26-week re-screen (SAFETY.md section 4): from 25+4 until she answers it, at 09:00
    her time, once a week, while she is enrolled and her pregnancy is not over. Sent in any
    state: answering it is what closes a re-screen-due hold."""
    from ..gestation import date_at
    from ..safety import RESCREEN_ASK_FROM

    weeks, days = RESCREEN_ASK_FROM
    ask_offset = dt.timedelta(days=280 - 7 * weeks - days)  # due date - ask date
    # One enrolment per client: each batch is read in pk order from that table (see
    # _assessment_candidates), her last re-screen by a subquery per row.
    clients = (
        Enrolment.objects.filter(
            client__pregnancy__birth_date__isnull=True,
            client__pregnancy__ended_on__isnull=True,
            # roughly past 25+4 and before 42+0 (the exact day is checked below, in her zone)
            client__pregnancy__due_date__lte=now.date() + ask_offset + dt.timedelta(days=1),
            client__pregnancy__due_date__gt=now.date() - dt.timedelta(weeks=2, days=1),
        )
        .annotate(
            last_rescreen=Subquery(
                Screening.objects.filter(client=OuterRef("client_id"), kind=Screening.Kind.RESCREEN)
                .order_by("-submitted_at")
                .values("submitted_at")[:1]
            )
        )
        .values(
            "pk",
            "client_id",
            "last_rescreen",
            tz=F("time_zone"),
            due_date=F("client__pregnancy__due_date"),
            **_prefs_columns("client__", RESCREEN_PREFS),
        )
    )
    defaults = _defaults(RESCREEN_PREFS)
    memo = _Memo()
    for batch in _batches(clients):
        found = []
        for client in batch:
            quiet_start, quiet_end = _prefs_of(client, RESCREEN_PREFS, defaults)
            tz = client["tz"]
            due_date = client["due_date"]
            start = date_at(due_date, weeks) + dt.timedelta(days=days)
            if client["last_rescreen"] is not None:
                answered_on = timezone.localtime(client["last_rescreen"], timing.zone(tz)).date()
                if answered_on >= start:
                    continue
            local_today = memo.get(tz) or memo.put(
                tz, timezone.localtime(now, timing.zone(tz)).date()
            )
            if local_today < start:
                continue
            day = start + RESCREEN_EVERY * ((local_today - start) // RESCREEN_EVERY)
            if after_program(due_date, day):
                continue
            when = (day, tz, quiet_start, quiet_end)
            due = memo.get(when) or memo.put(
                when,
                timing.check_in_due(day=day, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end),
            )
            if _in_window(due, now):
                found.append(
                    Candidate(
                        client["client_id"],
                        ReminderKind.RESCREEN_DUE,
                        f"rescreen:{day.isoformat()}",
                        due,
                        tz,
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
    pending, skipped = Delivery.Status.PENDING, Delivery.Status.SKIPPED
    rows = [
        (
            c.recipient_id,
            c.kind,
            c.object_key,
            c.due_at,
            prefs.get(c.recipient_id, default).channel(c.kind),
            skipped if c.skip_reason else pending,
            c.skip_reason,
        )
        for c in batch
    ]
    rows += _push_rows(batch, prefs)
    _insert_deliveries(rows, stamp)
    return sum(1 for c in batch if c.skip_reason)


def _push_rows(batch: list[Candidate], prefs: dict) -> list[tuple]:
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
    push, pending = Delivery.Channel.PUSH, Delivery.Status.PENDING
    return [
        (c.recipient_id, c.kind, c.object_key, c.due_at, push, pending, "")
        for c in wanting
        if c.recipient_id in with_device
    ]


# The columns _record gives, in the order of its row tuples; created_at is the pass's stamp.
RECORDED = ("recipient", "kind", "object_key", "due_at", "channel", "status", "skip_reason")


def _insert_deliveries(rows: list[tuple], stamp: dt.datetime) -> None:
    """Insert the rows (in RECORDED order), skipping any whose key already exists, as
    `Delivery.objects.bulk_create(..., ignore_conflicts=True)` does (ON CONFLICT DO NOTHING;
    INSERT OR IGNORE on SQLite) but without a model instance per row. Values go through their
    field's get_db_prep_save, once per distinct value; every other column gets its default.
    One statement per batch: on PostgreSQL one array per column (as Django's bulk_create
    there), elsewhere a VALUES list, cut where the backend limits parameters."""
    if not rows:
        return
    connection = connections[router.db_for_write(Delivery)]
    ops, meta = connection.ops, Delivery._meta
    given = [meta.get_field(name) for name in RECORDED]
    created_at = meta.get_field("created_at")
    rest = [f for f in meta.concrete_fields if not f.primary_key and f not in (*given, created_at)]
    fields = [*given, created_at, *rest]
    fixed = [
        created_at.get_db_prep_save(stamp, connection),
        *(f.get_db_prep_save(f.get_default(), connection) for f in rest),
    ]
    prepared: list[dict] = [{} for _ in given]

    def prep(i, value):
        try:
            return prepared[i][value]
        except KeyError:
            db_value = prepared[i][value] = given[i].get_db_prep_save(value, connection)
            return db_value

    # The recipient ids (0) and object keys (2) are plain ints and strings, kept as they are.
    values = [
        (r[0], prep(1, r[1]), r[2], prep(3, r[3]), prep(4, r[4]), prep(5, r[5]), prep(6, r[6]))
        for r in rows
    ]
    head = "{insert} {table} ({columns})".format(
        insert=ops.insert_statement(on_conflict=OnConflict.IGNORE),
        table=ops.quote_name(meta.db_table),
        columns=", ".join(ops.quote_name(f.column) for f in fields),
    )
    suffix = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in given)
            scalars = ", ".join(f"%s::{f.db_type(connection)}" for f in fields[len(given) :])
            # Table, columns and types come from the model; every value is a parameter.
            cursor.execute(
                f"{head} SELECT *, {scalars} FROM UNNEST({arrays}) {suffix}",  # noqa: S608
                [*fixed, *(list(column) for column in zip(*values, strict=True))],
            )
            return
        placeholders = "({})".format(", ".join(["%s"] * len(fields)))
        size = max(1, ops.bulk_batch_size(fields, values))
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            cursor.execute(
                f"{head} VALUES {', '.join([placeholders] * len(chunk))} {suffix}",
                [value for row in chunk for value in (*row, *fixed)],
            )


def enqueue_pending(now: dt.datetime) -> tuple[int, int]:
    """Enqueue every pending row that is due and not (recently) enqueued, and put lost
    claims back in line. Works after a broker outage: the next run catches up.

    Each batch is published through one producer (tracker.tasks.publishing: one broker
    connection, the batch's tasks sent together) and then marked enqueued in one update;
    a batch the broker did not take stays pending, whole, for the next run."""
    from .. import tasks

    Delivery.objects.filter(
        status=Delivery.Status.CLAIMED, claimed_at__lt=now - CLAIM_TIMEOUT
    ).update(status=Delivery.Status.PENDING, enqueued_at=None)
    waiting = Delivery.objects.filter(status=Delivery.Status.PENDING, due_at__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER)
    )
    enqueued = failed = 0
    for batch in _batches(waiting.values_list("pk", flat=True)):
        ok = []
        with tasks.publishing(len(batch)) as published:
            for pk in batch:
                if published.failed or not tasks.enqueue_delivery(pk):
                    break  # the broker refused: the rest waits for the next run
                ok.append(pk)
        if published.failed:
            ok = []  # what was buffered did not reach the broker (or not surely): it all waits
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
