"""The cohort CSV adds up: every column of a small cohort against values worked out by hand,
with the baseline and the week-34 measure chosen by SAFETY.md section 6 (>= 8 ODI sections;
week 34 = the check-in nearest to 34+0 within 33+0 to 35+6), whatever they were stored as."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import reports, services
from tracker.models import Assessment
from tracker.selectors import local_today
from users.models import User

# Wednesday 10 March 2027: each client is at 37+0 today, so due on Wednesday 31 March 2027.
# Her gestational dates (due date - (280 - days)): 16+0 = 2026-10-14, 30+0 = 2027-01-20,
# 33+1 = 2027-02-11, 34+0 = 2027-02-17, 34+2 = 2027-02-19, 35+0 = 2027-02-24, 36+0 = 2027-03-03.
pytestmark = [pytest.mark.django_db, pin()]

ALL_ONE = [1] * 10  # ODI 10 / 50 = 20.0 %
ALL_TWO = [2] * 10  # 40.0 %


def check_in(user, day, low_back, sciatic, odi, kind=None) -> Assessment:
    """A check-in through the service on `day`; `kind` overwrites what it was stored as (as the
    demo data and an older rule did)."""
    a = services.assessment_record(
        client=user,
        vas_low_back_mm=low_back,
        vas_sciatic_mm=sciatic,
        odi_answers=odi,
        pain_locations=[],
        symptoms=[],
        today=day,
    )
    if kind:
        Assessment.objects.filter(pk=a.pk).update(kind=kind)
    return a


def log(user, session, **fields):
    data = {"status": "completed", "performed_on": session.date, "minutes": 50, "rpe": 13}
    services.session_log_record(
        client=user,
        session=session,
        data=services.LogInput(**{**data, **fields}),
        today=local_today(user),
    )


@pytest.fixture
def cohort():
    version = build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=1
    )
    pt = PTFactory()
    users = {}
    for name in ("Ana Arce", "Bea Blanco", "Cora Cano", "Dina Diaz"):
        user = ClientFactory(full_name=name, email=f"{name.split()[0].lower()}@example.test")
        today = local_today(user)
        assert today == dt.date(2027, 3, 10)
        # Sessions Mon, Wed, Fri from Wed 24 Feb: six before today (24, 26 Feb; 1, 3, 5, 8 Mar).
        enrolled_client(
            today=today,
            week=37,
            client=user,
            version=version,
            pt=pt,
            start=today - dt.timedelta(days=14),
        )
        users[name] = user
    sessions = {
        name: list(u.scheduled_sessions.filter(date__lt=dt.date(2027, 3, 10)).order_by("date"))
        for name, u in users.items()
    }
    assert all(len(s) == 6 for s in sessions.values())
    base = dt.date(2026, 10, 14)  # 16+0

    # Ana: week 34 at 34+2, stored as a weekly check-in (as the demo stores it); a measure at
    # 30+0 that is outside the window. Three of six sessions done: 50.0 %.
    ana = users["Ana Arce"]
    check_in(ana, base, 20, 10, ALL_ONE)
    check_in(ana, dt.date(2027, 1, 20), 50, 40, ALL_TWO)
    check_in(ana, dt.date(2027, 2, 19), 35, 22, ALL_TWO, kind=Assessment.Kind.CHECK_IN)
    for session in sessions["Ana Arce"][:3]:
        log(ana, session)

    # Bea: two candidates, 33+1 (6 days from 34+0) and 35+0 (7 days), the later one stored as
    # the week-34 follow-up: 33+1 is nearer and counts.
    bea = users["Bea Blanco"]
    check_in(bea, base, 30, 20, ALL_TWO)
    check_in(bea, dt.date(2027, 2, 11), 28, 18, ALL_ONE, kind=Assessment.Kind.CHECK_IN)
    check_in(bea, dt.date(2027, 2, 24), 10, 5, [0] * 10, kind=Assessment.Kind.FOLLOW_UP)

    # Cora: 8 ODI sections at baseline (8 / 40 = 20.0 %); her only later one at 36+0, past
    # 35+6 (stored as a follow-up all the same). A warning sign on 8 March: one alert, a hold,
    # and one of six sessions done: 16.7 %.
    cora = users["Cora Cano"]
    check_in(cora, base, 15, 5, [1] * 8 + [None] * 2)
    check_in(cora, dt.date(2027, 3, 3), 40, 30, [3] * 10, kind=Assessment.Kind.FOLLOW_UP)
    log(cora, sessions["Cora Cano"][-1], warning_signs=["dizziness"])

    # Dina: at 34+0 only 7 ODI sections answered: not a measure, whatever it is stored as.
    dina = users["Dina Diaz"]
    check_in(dina, base, 25, 12, ALL_ONE)
    check_in(dina, dt.date(2027, 2, 17), 45, 33, [2] * 7 + [None] * 3, kind="follow_up")
    return pt


EXPECTED = [
    reports.COHORT_HEADER,
    ["Ana Arce <ana@example.test>", "2027-03-31", "2026-10-14", "16", "20", "10", "20.0",
     "2027-02-19", "34", "35", "22", "40.0", "15", "12", "20.0", "50.0", "Active", ""],
    ["Bea Blanco <bea@example.test>", "2027-03-31", "2026-10-14", "16", "30", "20", "40.0",
     "2027-02-11", "33", "28", "18", "20.0", "-2", "-2", "-20.0", "0.0", "Active", ""],
    ["Cora Cano <cora@example.test>", "2027-03-31", "2026-10-14", "16", "15", "5", "20.0",
     "", "", "", "", "", "", "", "", "16.7", "On hold", "2027-03-10: Dizziness"],
    ["Dina Diaz <dina@example.test>", "2027-03-31", "2026-10-14", "16", "25", "12", "20.0",
     "", "", "", "", "", "", "", "", "0.0", "Active", ""],
]  # fmt: skip

# The same without names and dates: enrolled at 37, alerts by week; any order.
EXPECTED_DEIDENTIFIED = [
    ["37", "16", "20", "10", "20.0", "34", "35", "22", "40.0", "15", "12", "20.0", "50.0",
     "Active", ""],
    ["37", "16", "30", "20", "40.0", "33", "28", "18", "20.0", "-2", "-2", "-20.0", "0.0",
     "Active", ""],
    ["37", "16", "15", "5", "20.0", "", "", "", "", "", "", "", "16.7", "On hold",
     "week 37: Dizziness"],
    ["37", "16", "25", "12", "20.0", "", "", "", "", "", "", "", "0.0", "Active", ""],
]  # fmt: skip


def rows(client, **params) -> list[list[str]]:
    response = client.get(reverse("tracker:pt_cohort_csv"), params)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_every_column_of_the_cohort_csv_matches_the_hand_computed_values(client, cohort):
    client.force_login(cohort)

    assert rows(client) == EXPECTED

    anonymous = rows(client, deidentify="1")
    assert anonymous[0] == reports.DEIDENTIFIED_HEADER
    assert all(re.fullmatch(r"P-[0-9a-f]{8}", r[0]) for r in anonymous[1:])
    assert sorted(r[1:] for r in anonymous[1:]) == sorted(EXPECTED_DEIDENTIFIED)


def test_her_own_csv_marks_her_baseline_and_week_34_by_the_same_rule(client, cohort):
    bea = User.objects.get(email="bea@example.test")
    client.force_login(bea)

    table = list(csv.reader(io.StringIO(client.get(reverse("tracker:export_csv")).text)))

    check_ins = [(r[1], r[3]) for r in table if r[0] == "assessment"]
    assert check_ins == [
        ("2026-10-14", "baseline"),
        ("2027-02-11", "follow_up"),
        ("2027-02-24", "check_in"),
    ]
