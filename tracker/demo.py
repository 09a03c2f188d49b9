"""Demo data for `manage.py seed_demo`: stable logins, idempotent, relative to today."""

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from programs.loaders import program_load, read_program_file, resolve_program_file
from users.models import CareLink, User
from users.services import care_link_create, consent_record

from . import services
from .gestation import date_at, gestational_age
from .models import Alert, Assessment, Enrolment, ScheduledSession, ScreeningQuestion, SessionLog
from .scoring import odi_percent
from .selectors import local_today
from .services import alert_raise

DEMO_PROGRAM = "aparicio2023"
DEMO_ACCOUNTS = [
    # email, full name, role, staff
    ("admin@prenafit.test", "Ana Admin", User.Role.CLIENT, True),
    ("pt@prenafit.test", "Paula Therapist", User.Role.PT, False),
    ("client@prenafit.test", "Clara Client", User.Role.CLIENT, False),
    ("pt2@prenafit.test", "Pilar Second", User.Role.PT, False),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    created: bool


def _demo_user(email: str, full_name: str, role: str, staff: bool) -> tuple[User, bool]:
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(
            email=email,
            full_name=full_name,
            role=role,
            pt_approved=role == User.Role.PT,
            is_staff=staff,
            is_superuser=staff,
            time_zone="Europe/Madrid",
        )
        user.set_password(settings.PRENAFIT_DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    consent_record(user=user, age_confirmed=True)  # so `make run` lands on the home page
    return user, created


# Other demo clients: (email, name, PT, week today, share of sessions missed, warning sign?)
CASELOAD = [
    ("lucia@prenafit.test", "Lucía Romero", "pt@prenafit.test", 18, 0.05, False),
    ("maria@prenafit.test", "María Ortega", "pt@prenafit.test", 21, 0.10, True),
    ("sofia@prenafit.test", "Sofía Navarro", "pt@prenafit.test", 27, 0.45, False),
    ("elena@prenafit.test", "Elena Castillo", "pt@prenafit.test", 30, 0.10, False),
    ("carmen@prenafit.test", "Carmen Vidal", "pt@prenafit.test", 33, 0.15, False),
    ("julia@prenafit.test", "Julia Herrera", "pt@prenafit.test", 35, 0.05, False),
    ("paula@prenafit.test", "Paula Molina", "pt@prenafit.test", 38, 0.20, False),
    ("nerea@prenafit.test", "Nerea Campos", "pt2@prenafit.test", 22, 0.10, False),
    ("irene@prenafit.test", "Irene Blanco", "pt2@prenafit.test", 29, 0.10, False),
]


def _enrol_at_week(
    client: User, week: int, rng: random.Random, miss_rate: float = 0.08, warning_sign=False
) -> None:
    """A client at `week`+0 today, enrolled since week 17, with a plausible history."""
    if Enrolment.objects.filter(client=client).exists():
        return
    today = local_today(client)
    due = today + dt.timedelta(days=280 - 7 * week)
    services.pregnancy_save(client=client, due_date=due, lmp_date=None, today=today)
    services.screening_submit(
        client=client,
        answers={key: False for key in ScreeningQuestion.objects.values_list("key", flat=True)},
        today=today,
    )
    enrolment = services.enrolment_create(
        client=client,
        weekdays=[0, 2, 4],
        start_time=dt.time(18, 0),
        time_zone=client.time_zone,
        today=today,
        start=min(today, date_at(due, 17)),
    )
    past = ScheduledSession.objects.filter(enrolment=enrolment, date__lt=today).order_by("date")
    logs = session_history(client, past.values_list("pk", "date"), rng, miss_rate)
    SessionLog.objects.bulk_create(logs)
    Assessment.objects.bulk_create(check_in_history(client, due, today, rng))
    if warning_sign and logs:
        flagged = logs[-1]
        flagged.warning_signs, flagged.flagged = ["dizziness"], True
        flagged.save(update_fields=["warning_signs", "flagged"])
        alert_raise(client=client, kind=Alert.Kind.WARNING_SIGN, session_log=flagged)


def session_history(client: User, sessions, rng: random.Random, miss_rate: float) -> list:
    """Unsaved logs for past sessions given as (id, date) pairs: some missed, some skipped,
    most done (the benchmark builds its dataset with this too)."""
    logs = []
    for session_id, day in sessions:
        roll = rng.random()
        if roll < miss_rate:
            continue  # missed: nothing logged
        if roll < miss_rate + 0.08:
            logs.append(
                SessionLog(
                    client=client,
                    session_id=session_id,
                    status=SessionLog.Status.SKIPPED,
                    skip_reason=rng.choice(["time", "pain", "childcare"]),
                    performed_on=day,
                )
            )
            continue
        partial = roll < 0.26
        logs.append(
            SessionLog(
                client=client,
                session_id=session_id,
                status=SessionLog.Status.PARTIAL if partial else SessionLog.Status.COMPLETED,
                performed_on=day,
                minutes=rng.randint(30, 45) if partial else rng.randint(55, 62),
                rpe=rng.randint(11, 14),
            )
        )
    return logs


def check_in_history(client: User, due: dt.date, today: dt.date, rng: random.Random) -> list:
    """Unsaved check-ins: a baseline at week 16 and weekly ones since, pain rising slowly as in
    the trial (the benchmark builds its dataset with this too)."""
    week_now = gestational_age(due, today).weeks
    rows = []
    for week in range(16, week_now):
        rise = (week - 16) * 1.2
        answers = [min(5, max(0, round(rng.gauss(1 + rise / 12, 0.6)))) for _ in range(10)]
        answers[7] = None  # sex life: prefer not to say
        rows.append(
            Assessment(
                client=client,
                kind=Assessment.Kind.BASELINE if week == 16 else Assessment.Kind.CHECK_IN,
                taken_on=date_at(due, week, 1),
                gestational_week=week,
                vas_low_back_mm=min(100, round(18 + rise + rng.uniform(-4, 4))),
                vas_sciatic_mm=min(100, round(8 + rise * 0.6 + rng.uniform(-3, 3))),
                odi_answers=answers,
                odi_percent=odi_percent(answers),
                pain_locations=["low_back", "buttock"]
                if week % 3
                else ["low_back", "back_of_thigh"],
            )
        )
    return rows


@transaction.atomic
def demo_seed() -> list[DemoLogin]:
    # The shipped file is the newest version: publish it, so new enrolments use it.
    program_load(read_program_file(resolve_program_file(DEMO_PROGRAM)), publish=True)
    logins = []
    users = {}
    for email, full_name, role, staff in DEMO_ACCOUNTS:
        user, created = _demo_user(email, full_name, role, staff)
        users[email] = user
        logins.append(DemoLogin(email=email, role="admin" if staff else role, created=created))
    pt, client = users["pt@prenafit.test"], users["client@prenafit.test"]
    if not CareLink.objects.filter(client=client, ended_at__isnull=True).exists():
        care_link_create(pt=pt, client=client)
    _enrol_at_week(client, 24, random.Random(24))  # noqa: S311 - demo data, not security
    for email, name, pt_email, week, miss_rate, warning in CASELOAD:
        other, _created = _demo_user(email, name, User.Role.CLIENT, False)
        if not CareLink.objects.filter(client=other, ended_at__isnull=True).exists():
            care_link_create(pt=users[pt_email], client=other)
        rng = random.Random(week)  # noqa: S311 - demo data, not security
        _enrol_at_week(other, week, rng, miss_rate=miss_rate, warning_sign=warning)
    return logins
