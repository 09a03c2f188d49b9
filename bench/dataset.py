"""Build the benchmark dataset in the (already migrated) bench database.

Run by bench/run.py as `python -m bench.dataset OUT.json` with the environment it sets
(DJANGO_SETTINGS_MODULE=config.settings.local, DATABASE_URL of the bench database, the
server's SECRET_KEY so the sessions created here are valid there). Writes the ids and session
keys bench/run.py needs to OUT.json.

- One PT with 200 linked clients at weeks 20-38, each enrolled since week 17 (about 75
  sessions, most in the past), with logs for most past sessions and weekly check-ins: the same
  approach as tracker.demo (`session_history`, `check_in_history`), through the real
  services (pregnancy_save, screening_submit, enrolment_create(start=...), care_link_create)
  and bulk_create for logs and assessments.
- 10,000 unlinked "reminder" clients, bulk-created, each with one upcoming session whose
  reminder is due at the moment the dispatcher benchmark uses.

`python -m bench.dataset --dispatch N OUT.json` builds only N reminder clients (no PT, no
caseload): the dataset of reminder_dispatch_100k, in a database of its own.
"""

import datetime as dt
import random
import sys
import time
import zoneinfo

import django

from bench import common


def _user(email: str, name: str, role: str, **extra):
    from users.models import User

    return User(
        email=email,
        full_name=name,
        role=role,
        time_zone=common.TIME_ZONE,
        password="!bench-no-password",  # noqa: S106 - unusable; log-in is by session cookie
        **extra,
    )


def _session_key(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def build_caseload(pt, today: dt.date) -> dict:
    """The PT's 200 clients. Client 0 is the one whose pages are measured."""
    from tracker import services
    from tracker.demo import check_in_history, session_history
    from tracker.gestation import date_at
    from tracker.models import Alert, Assessment, ScheduledSession, ScreeningQuestion, SessionLog
    from users.models import User
    from users.services import care_link_create

    clients = User.objects.bulk_create(
        _user(common.client_email(i), f"Bench Client {i:03d}", User.Role.CLIENT)
        for i in range(common.N_CLIENTS)
    )
    answers = {key: False for key in ScreeningQuestion.objects.values_list("key", flat=True)}
    weeks = list(common.CLIENT_WEEKS)
    due_dates = {}
    for i, client in enumerate(clients):
        week = common.MEASURED_CLIENT_WEEK if i == 0 else weeks[i % len(weeks)]
        due = today + dt.timedelta(days=280 - 7 * week)
        due_dates[client.pk] = due
        care_link_create(pt=pt, client=client)
        services.pregnancy_save(client=client, due_date=due, lmp_date=None, today=today)
        services.screening_submit(client=client, answers=answers, today=today)
        services.enrolment_create(
            client=client,
            weekdays=[0, 2, 4],
            start_time=dt.time(18, 0),
            time_zone=common.TIME_ZONE,
            today=today,
            start=min(today, date_at(due, 17)),
        )

    past: dict[int, list] = {client.pk: [] for client in clients}
    rows = (
        ScheduledSession.objects.filter(client__in=clients, date__lt=today)
        .order_by("client_id", "date")
        .values_list("client_id", "pk", "date")
    )
    for client_id, session_id, day in rows:
        past[client_id].append((session_id, day))

    measured = clients[0]
    # The measured client: her oldest past sessions stay unlogged for the POST benchmark
    # (each POST logs one of them, so her history is full again when her pages are timed).
    unlogged = past[measured.pk][: common.UNLOGGED_FOR_POSTS]
    if len(unlogged) < common.UNLOGGED_FOR_POSTS:
        raise SystemExit(f"the measured client has only {len(unlogged)} past sessions")

    logs, assessments = [], []
    for i, client in enumerate(clients):
        rng = random.Random(1000 + i)  # noqa: S311 - benchmark data, not security
        sessions = past[client.pk]
        if client == measured:
            sessions = sessions[common.UNLOGGED_FOR_POSTS :]
        logs += session_history(client, sessions, rng, miss_rate=0.05 + 0.01 * (i % 10))
        assessments += check_in_history(client, due_dates[client.pk], today, rng)
    SessionLog.objects.bulk_create(logs, batch_size=1000)
    Assessment.objects.bulk_create(assessments, batch_size=1000)

    # A few open warning-sign alerts, as on a real caseload (the dashboard sorts by them).
    flagged = SessionLog.objects.filter(client__in=clients[5::20], status="completed").order_by(
        "client_id", "-performed_on"
    )
    seen = set()
    for log in flagged.select_related("client"):
        if log.client_id in seen:
            continue
        seen.add(log.client_id)
        log.warning_signs, log.flagged = ["dizziness"], True
        log.save(update_fields=["warning_signs", "flagged"])
        services.alert_raise(client=log.client, kind=Alert.Kind.WARNING_SIGN, session_log=log)

    return {
        "measured_client_id": measured.pk,
        "unlogged_past_sessions": [
            {"id": session_id, "date": day.isoformat()} for session_id, day in unlogged
        ],
        "clients": clients,
    }


def build_reminder_clients(today: dt.date, n: int = common.N_REMINDER_CLIENTS) -> dict:
    """`n` active clients at week 25, each with one session tomorrow at 12:00 (local) whose
    reminder (60 minutes before, the default) is due at tomorrow 11:30 local: `dispatch_now`.
    Each has a baseline check-in, so no assessment reminder is due for them at that moment.
    Bulk inserts of 2,000 rows, 10,000 clients at a time (each table in turn)."""
    from programs.selectors import current_version_by_slug
    from tracker.gestation import gestational_age
    from tracker.models import Assessment, Enrolment, PregnancyProfile, ScheduledSession
    from tracker.reminders import timing
    from tracker.schedule import phase_for_week
    from tracker.selectors import template_minutes, version_phase_slots
    from users.models import User

    version = current_version_by_slug(slug=common.PROGRAM)
    slots = version_phase_slots(version)
    minutes = template_minutes(version)
    day = today + dt.timedelta(days=1)
    start = dt.time(12, 0)
    week_today = 25
    due = today + dt.timedelta(days=280 - 7 * week_today)
    week_then = gestational_age(due, day).weeks
    slot = phase_for_week(slots, week_then)
    template_id = slot.template_ids[0]

    # The instances of one chunk are dropped before the next is built.
    chunk = 10_000
    ids = []
    for first in range(0, n, chunk):
        users = User.objects.bulk_create(
            (
                _user(common.reminder_email(i), f"Reminder Client {i:05d}", User.Role.CLIENT)
                for i in range(first, min(n, first + chunk))
            ),
            batch_size=2000,
        )
        PregnancyProfile.objects.bulk_create(
            (PregnancyProfile(client=u, due_date=due) for u in users),
            batch_size=2000,
        )
        enrolments = Enrolment.objects.bulk_create(
            (
                Enrolment(
                    client=u,
                    program_version=version,
                    weekdays=[0, 2, 4],
                    start_time=start,
                    time_zone=common.TIME_ZONE,
                )
                for u in users
            ),
            batch_size=2000,
        )
        ScheduledSession.objects.bulk_create(
            (
                ScheduledSession(
                    enrolment=e,
                    client_id=e.client_id,
                    date=day,
                    start_time=start,
                    gestational_week=week_then,
                    version=version,
                    phase_id=slot.phase_id,
                    template_id=template_id,
                    planned_minutes=minutes.get(template_id, version.session_minutes),
                )
                for e in enrolments
            ),
            batch_size=2000,
        )
        Assessment.objects.bulk_create(
            (
                Assessment(
                    client=u,
                    kind=Assessment.Kind.BASELINE,
                    taken_on=today - dt.timedelta(days=7 * (week_today - 16)),
                    gestational_week=16,
                    vas_low_back_mm=20,
                    vas_sciatic_mm=10,
                    odi_answers=[1] * 10,
                    odi_percent=20.0,
                )
                for u in users
            ),
            batch_size=2000,
        )
        ids += [users[0].pk, users[-1].pk]
    session_start = timing.session_start(day, start, common.TIME_ZONE)
    return {
        "reminder_session_date": day.isoformat(),
        "reminder_session_start_utc": session_start.isoformat(),
        # 30 minutes before the start: the default 60-minute reminder is due, the session is
        # not over, and the 09:00 check-in reminder of the day is not due.
        "dispatch_now": (session_start - dt.timedelta(minutes=30)).isoformat(),
        "reminder_client_ids": [ids[0], ids[-1]],
    }


def analyze() -> None:
    """PostgreSQL: gather the planner's statistics now, as autovacuum would soon after a bulk
    load; without them the planner guesses, and the figures would depend on whether
    autovacuum had run yet. (SQLite keeps no statistics unless asked: left as it is.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main(out_path: str) -> None:
    django.setup()
    from django.conf import settings
    from django.db import transaction

    from tracker.models import Assessment, ScheduledSession, SessionLog
    from tracker.selectors import local_today
    from users.models import Consent, User

    started = time.perf_counter()
    with transaction.atomic():
        pt = _user(common.PT_EMAIL, "Bench Therapist", User.Role.PT, pt_approved=True)
        pt.save()
        today = local_today(pt)
        caseload = build_caseload(pt, today)
        reminders = build_reminder_clients(today)
        clients = caseload.pop("clients")
        measured = clients[0]
        # They agreed to the privacy notice, as every user past sign-up has (else each page
        # redirects to /consent/).
        Consent.objects.bulk_create(
            Consent(user=u, notice_version=settings.PRENAFIT_PRIVACY_NOTICE_VERSION,
                    age_confirmed=True)
            for u in [pt, *clients]
        )  # fmt: skip
        out = {
            "today": today.isoformat(),
            "pt_id": pt.pk,
            "pt_session": _session_key(pt),
            "client_session": _session_key(measured),
            **caseload,
            **reminders,
        }
    analyze()
    counts = {
        "pt_clients": len(clients),
        "pt_client_sessions": ScheduledSession.objects.filter(client__in=clients).count(),
        "pt_client_logs": SessionLog.objects.filter(client__in=clients).count(),
        "pt_client_assessments": Assessment.objects.filter(client__in=clients).count(),
        "measured_client_sessions": ScheduledSession.objects.filter(client=measured).count(),
        "measured_client_past_sessions": ScheduledSession.objects.filter(
            client=measured, date__lt=today
        ).count(),
        "measured_client_logs_before_posts": SessionLog.objects.filter(client=measured).count(),
        "users": User.objects.count(),
        "scheduled_sessions": ScheduledSession.objects.count(),
    }
    out["counts"] = counts
    out["build_seconds"] = round(time.perf_counter() - started, 1)
    common.write_json(out_path, out)


def main_dispatch(n: int, out_path: str) -> None:
    """The dataset of reminder_dispatch_100k: `n` reminder clients and nothing else."""
    django.setup()
    from django.db import transaction

    from tracker.models import ScheduledSession
    from users.models import User

    started = time.perf_counter()
    today = dt.datetime.now(dt.UTC).astimezone(zoneinfo.ZoneInfo(common.TIME_ZONE)).date()
    with transaction.atomic():
        out = {"today": today.isoformat(), **build_reminder_clients(today, n)}
    analyze()
    out["counts"] = {
        "users": User.objects.count(),
        "scheduled_sessions": ScheduledSession.objects.count(),
    }
    out["build_seconds"] = round(time.perf_counter() - started, 1)
    common.write_json(out_path, out)


if __name__ == "__main__":
    if sys.argv[1] == "--dispatch":
        main_dispatch(int(sys.argv[2]), sys.argv[3])
    else:
        main(sys.argv[1])
