"""Her corrections (SPEC section 6, issue 15 part 6): she edits or withdraws a check-in or a
log within 7 days of saving it; the earlier version stays in a history her PT sees; a withdrawn
record leaves every count, and never closes a safety hold it opened."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import selectors, services
from tracker.models import Assessment, SafetyItem, SessionLog
from tracker.safety import state_of
from tracker.selectors import local_today
from tracker.views.outcomes import (
    CHECK_IN_UPDATED,
    CHECK_IN_WITHDRAWN,
    LOG_WITHDRAWN,
    LOG_WITHDRAWN_SESSION,
)

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def setup():
    """A client at week 24 with two weeks of past sessions, linked to her PT."""
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    pt = PTFactory(full_name="Paula Therapist")
    her = ClientFactory(full_name="Nora Client")
    today = local_today(her)
    enrolment = enrolled_client(
        today=today, client=her, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    past = list(enrolment.sessions.filter(date__lt=today).order_by("date"))
    return {"client": her, "pt": pt, "today": today, "past": past}


def post_log(client, session, **overrides):
    data = {
        "status": "completed",
        "performed_on": session.date.isoformat(),
        "minutes": "60",
        "rpe": "13",
        **overrides,
    }
    return client.post(reverse("tracker:session_log", args=[session.pk]), data)


def checkin(**overrides):
    """A complete check-in: both pain scales set, all ten ODI sections answered."""
    odi = {f"odi_{n}": "1" for n in range(1, 11)}
    return {"vas_low_back_mm": "40", "vas_sciatic_mm": "5", **odi, **overrides}


def new_check_in(client, **overrides) -> Assessment:
    client.post(reverse("tracker:assessment_new"), checkin(**overrides))
    return Assessment.objects.order_by("pk").last()


def withdraw(client, name, pk, *, confirm=True):
    url = reverse(name, args=[pk])
    return client.post(url, {"confirm": "yes"} if confirm else {})


def pt_page(client, setup) -> str:
    """Her corrections on her PT's page: the section its first view links to, loaded there."""
    client.force_login(setup["pt"])
    response = client.get(reverse("tracker:pt_client", args=[setup["client"].pk]))
    assert response.status_code == 200
    url = reverse("tracker:pt_client_corrections", args=[setup["client"].pk])
    assert f'data-section="{url}"' in response.content.decode()
    section = client.get(url, headers={"X-Requested-With": "fetch"})
    assert section.status_code == 200
    return section.content.decode()


def test_her_pt_sees_the_earlier_version_of_a_corrected_check_in_and_log(client, setup):
    client.force_login(setup["client"])
    assessment = new_check_in(client, vas_low_back_mm="40")
    session = setup["past"][0]
    post_log(client, session)
    detail = client.get(reverse("tracker:assessment", args=[assessment.pk])).content.decode()
    assert reverse("tracker:assessment_edit", args=[assessment.pk]) in detail

    response = client.post(
        reverse("tracker:assessment_edit", args=[assessment.pk]),
        checkin(vas_low_back_mm="25"),
        follow=True,
    )
    post_log(client, session, minutes="45")  # the log's edit page posts here

    assert str(CHECK_IN_UPDATED) in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.vas_low_back_mm == 25
    earlier = assessment.revisions.get()
    assert (earlier.snapshot["vas_low_back_mm"], earlier.edited_by) == (40, setup["client"])
    page = pt_page(client, setup)
    assert "Changed by her on" in page
    assert "low back pain: 40 mm → 25 mm" in page
    assert "minutes: 60 → 45" in page


def test_a_withdrawn_check_in_leaves_the_charts_the_change_and_her_pts_dashboard(client, setup):
    client.force_login(setup["client"])
    baseline = new_check_in(client, vas_low_back_mm="20")
    mistake = new_check_in(client, vas_low_back_mm="60")
    before = client.get(reverse("tracker:progress")).context
    assert [a.pk for a in before["assessments"]] == [baseline.pk, mistake.pk]
    assert before["changes"]["low_back"] == 40

    asked = withdraw(client, "tracker:assessment_withdraw", mistake.pk, confirm=False)
    assert asked.status_code == 200 and "Withdraw this check-in?" in asked.content.decode()
    assert Assessment.objects.get(pk=mistake.pk).withdrawn_at is None
    done = withdraw(client, "tracker:assessment_withdraw", mistake.pk)

    assert done["Location"] == reverse("tracker:progress")
    after = client.get(done["Location"])
    assert str(CHECK_IN_WITHDRAWN) in after.content.decode()
    assert [a.pk for a in after.context["assessments"]] == [baseline.pk]
    assert after.context["latest"].pk == baseline.pk and after.context["changes"] is None
    api = APIClient()
    api.force_authenticate(setup["client"])
    assert [a["id"] for a in api.get("/api/v1/me/assessments/").json()] == [baseline.pk]
    # Kept, never deleted: her page and her PT's say it was withdrawn.
    mine = client.get(reverse("tracker:assessment", args=[mistake.pk])).content.decode()
    assert "You withdrew this check-in on" in mine
    page = pt_page(client, setup)
    assert "Withdrawn by her on" in page
    (row,) = client.get(reverse("home")).context["rows"]
    assert row.low_back == 20


def test_withdrawing_the_baseline_makes_the_next_measure_the_baseline(client, setup):
    client.force_login(setup["client"])
    first = new_check_in(client, vas_low_back_mm="70")
    second = new_check_in(client, vas_low_back_mm="30")
    assert (first.kind, second.kind) == ("baseline", "check_in")

    withdraw(client, "tracker:assessment_withdraw", first.pk)

    second.refresh_from_db()
    assert second.kind == "baseline"
    assert client.get(reverse("tracker:progress")).context["baseline"].pk == second.pk


def test_a_withdrawn_log_leaves_adherence_minutes_and_calendar_and_is_logged_afresh(client, setup):
    client.force_login(setup["client"])
    session = setup["past"][0]
    post_log(client, session)
    assert client.get(reverse("tracker:progress")).context["adherence"].attended == 1
    form_page = client.get(reverse("tracker:session_log", args=[session.pk])).content.decode()
    assert "Withdraw this log" in form_page

    response = withdraw(client, "tracker:log_withdraw", SessionLog.objects.get().pk)

    assert response["Location"] == reverse("tracker:logs")
    assert str(LOG_WITHDRAWN_SESSION) in client.get(response["Location"]).content.decode()
    log = SessionLog.objects.get()
    assert log.withdrawn_at is not None and log.session is None
    assert log.revisions.get().snapshot["session_id"] == session.pk  # which session it was
    progress = client.get(reverse("tracker:progress")).context
    assert (progress["adherence"].attended, progress["minutes_by_week"]) == (0, [])
    weeks = client.get(reverse("tracker:calendar")).context["weeks"]
    states = {s.pk: s.state for w in weeks for s in w["sessions"]}
    assert states[session.pk] == "missed"
    # Withdrawn once: not again, and the session takes a fresh log.
    again = withdraw(client, "tracker:log_withdraw", log.pk)
    assert "You withdrew this log, so it can no longer be changed." in again.content.decode()
    assert post_log(client, session, minutes="50").status_code == 302
    assert SessionLog.objects.get(session=session).minutes == 50
    assert client.get(reverse("tracker:progress")).context["adherence"].attended == 1
    assert "withdrawn on" in client.get(reverse("tracker:logs")).content.decode()
    page = pt_page(client, setup)
    assert "Withdrawn by her on" in page and "session log of" in page


def test_an_extra_session_log_is_withdrawn_from_its_edit_page(client, setup):
    client.force_login(setup["client"])
    client.post(
        reverse("tracker:extra_log"),
        {"status": "completed", "performed_on": setup["today"].isoformat(), "minutes": "30"}
        | {"rpe": "12"},
    )
    log = SessionLog.objects.get()
    edit_page = client.get(reverse("tracker:log_edit", args=[log.pk])).content.decode()
    assert reverse("tracker:log_withdraw", args=[log.pk]) in edit_page

    response = withdraw(client, "tracker:log_withdraw", log.pk)

    assert str(LOG_WITHDRAWN) in client.get(response["Location"]).content.decode()
    assert client.get(reverse("tracker:progress")).context["minutes_by_week"] == []


def test_after_7_days_corrections_and_withdrawals_are_refused_with_the_message(
    client, setup, time_machine
):
    client.force_login(setup["client"])
    session = setup["past"][0]
    post_log(client, session)
    assessment = new_check_in(client, vas_low_back_mm="40")
    log = SessionLog.objects.get()
    too_late_log = "A log can be changed or withdrawn for 7 days after you save it."
    too_late_check_in = "A check-in can be changed or withdrawn for 7 days after you save it."
    saved_on = "This one was saved on 10 March, so it stays as it is."

    time_machine.move_to(log.created_at + dt.timedelta(days=7, minutes=-1), tick=False)
    assert post_log(client, session, minutes="45").status_code == 302  # still in time

    time_machine.move_to(assessment.created_at + dt.timedelta(days=7, minutes=1), tick=False)
    refused = [
        post_log(client, session, minutes="30"),
        withdraw(client, "tracker:log_withdraw", log.pk),
        client.post(
            reverse("tracker:assessment_edit", args=[assessment.pk]),
            checkin(vas_low_back_mm="10"),
        ),
        withdraw(client, "tracker:assessment_withdraw", assessment.pk),
    ]

    pages = [r.content.decode() for r in refused]
    assert [r.status_code for r in refused] == [200] * 4
    assert too_late_log in pages[0] and too_late_log in pages[1] and saved_on in pages[0]
    assert too_late_check_in in pages[2] and too_late_check_in in pages[3]
    assert saved_on in pages[3]
    log.refresh_from_db()
    assessment.refresh_from_db()
    assert (log.minutes, log.withdrawn_at, log.revisions.count()) == (45, None, 1)
    assert (assessment.vas_low_back_mm, assessment.withdrawn_at) == (40, None)
    assert not assessment.revisions.exists()
    detail = client.get(reverse("tracker:assessment", args=[assessment.pk])).content.decode()
    assert reverse("tracker:assessment_edit", args=[assessment.pk]) not in detail


def test_withdrawing_never_closes_the_hold_it_opened(client, setup):
    client.force_login(setup["client"])
    post_log(client, setup["past"][1], warning_signs=["dizziness"])
    red_flag = new_check_in(client, red_flags=["saddle_numbness"])
    holds = SafetyItem.objects.filter(client=setup["client"], kind="hold")
    assert holds.count() == 2 and state_of(setup["client"]).state == "held"

    withdraw(client, "tracker:log_withdraw", SessionLog.objects.get().pk)
    withdraw(client, "tracker:assessment_withdraw", red_flag.pk)

    assert SessionLog.objects.get().withdrawn_at is not None
    assert Assessment.objects.get().withdrawn_at is not None
    assert holds.filter(closed_at__isnull=True).count() == 2
    assert state_of(setup["client"]).state == "held"


@pytest.mark.parametrize("n", [1, 6])
def test_her_corrections_are_read_in_a_fixed_number_of_queries(
    n, client, setup, django_assert_max_num_queries
):
    client.force_login(setup["client"])
    for session in setup["past"][:n]:
        post_log(client, session)
        post_log(client, session, minutes="40")
        new_check_in(client)
    for assessment in Assessment.objects.all():
        withdraw(client, "tracker:assessment_withdraw", assessment.pk)

    with django_assert_max_num_queries(5):
        entries = selectors.corrections_of(setup["client"])

    assert len(entries) == 2 * n
    assert sum(e["withdrawn"] for e in entries) == n


def test_the_services_refuse_late_corrections_for_every_door(client, setup):
    """The pages ask first; the services refuse anyway (the API and the sync call them)."""
    client.force_login(setup["client"])
    post_log(client, setup["past"][0])
    log = SessionLog.objects.get()
    assessment = new_check_in(client)
    late = log.created_at + dt.timedelta(days=8)
    data = services.LogInput(
        status="completed", performed_on=setup["past"][0].date, minutes=30, rpe=12
    )
    scores = {"vas_low_back_mm": 1, "vas_sciatic_mm": 1, "odi_answers": [1] * 10}
    scores |= {"pain_locations": [], "symptoms": []}
    her = setup["client"]

    calls = [
        lambda: services.session_log_update(
            log=log, data=data, by=her, today=setup["today"], now=late
        ),
        lambda: services.session_log_withdraw(log=log, by=her, now=late),
        lambda: services.assessment_update(assessment=assessment, by=her, now=late, **scores),
        lambda: services.assessment_withdraw(assessment=assessment, by=her, now=late),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as refused:
            call()
        assert "for 7 days after you save it" in refused.value.messages[0]

    assert SessionLog.objects.get().minutes == 60
    assert Assessment.objects.get().vas_low_back_mm == 40
