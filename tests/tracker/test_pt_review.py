"""A PT's caseload: invitations, dashboard, client page, plan changes, reports, audit."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from tests.clock import pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.models import Alert, Assessment, AuditEvent, PlanChange, PTNote, SessionLog
from tracker.selectors import local_today, session_with_content
from users.models import CareLink, Invitation

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def version():
    return build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=2
    )


def invite(client, pt, email):
    client.force_login(pt)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the e-mail goes after commit
        client.post(reverse("invite"), {"email": email})
    return re.search(r"(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_an_invitation_links_the_client_once(client):
    pt = PTFactory()
    user = ClientFactory(email="nora@example.test")
    link = invite(client, pt, "Nora@Example.test")
    assert mail.outbox[-1].to == ["nora@example.test"]

    client.force_login(user)
    assert "invites nora@example.test" in client.get(link).content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert CareLink.objects.filter(pt=pt, client=user, ended_at__isnull=True).exists()

    again = client.post(link)  # pressed again (or twice at once): already hers, back home
    assert again.status_code == 302 and again["Location"] == reverse("home")
    assert CareLink.objects.filter(client=user).count() == 1
    client.force_login(ClientFactory(email="someone.else@example.test"))
    other = client.post(link)
    assert other.status_code == 400 and "already been used" in other.content.decode()


def test_an_invitation_does_not_work_after_14_days(client):
    pt, user = PTFactory(), ClientFactory(email="late@example.test")
    link = invite(client, pt, "late@example.test")
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client.force_login(user)
    response = client.post(link)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not CareLink.objects.filter(client=user).exists()


def test_an_invitation_does_not_work_for_another_logged_in_account(client):
    pt = PTFactory()
    link = invite(client, pt, "intended@example.test")
    client.force_login(ClientFactory(email="someone.else@example.test"))
    response = client.post(link)
    assert (
        response.status_code == 400 and "sent to another email address" in response.content.decode()
    )
    assert not CareLink.objects.exists()


def test_an_anonymous_visitor_is_offered_sign_up_and_log_in(client):
    link = invite(client, PTFactory(), "new@example.test")
    client.logout()
    page = client.get(link).content.decode()
    assert "Sign up to accept" in page and f"next={link}" in page
    assert client.get("/invitations/not-a-token/").status_code == 404


PT_CLIENT_PAGES = [
    ("tracker:pt_client", "get", {}),
    ("tracker:pt_client_logs", "get", {}),
    ("tracker:pt_client_check_ins", "get", {}),
    ("tracker:pt_client_corrections", "get", {}),
    ("tracker:pt_client_sessions", "get", {}),
    ("tracker:pt_client_screen", "get", {}),
    ("tracker:pt_client_notes", "get", {}),
    ("tracker:pt_client_plan_changes", "get", {}),
    ("tracker:pt_clearance", "get", {}),
    ("tracker:pt_client_csv", "get", {}),
    ("tracker:pt_report", "get", {}),
    ("tracker:pt_note_add", "post", {"text": "x"}),
    ("tracker:pt_pause", "post", {}),
    ("tracker:pt_resume", "post", {}),
    ("tracker:pt_schedule", "post", {}),
    ("tracker:pt_swap", "post", {}),
    ("tracker:pt_unlink", "post", {}),
]


def test_after_unlinking_the_former_pt_gets_404_on_every_page_of_that_client(client, version):
    pt = PTFactory()
    user = ClientFactory()
    enrolled_client(today=local_today(user), client=user, version=version, pt=pt)
    client.force_login(pt)
    assert client.get(reverse("tracker:pt_client", args=[user.pk])).status_code == 200

    client.force_login(user)
    client.post(reverse("unlink_pt"))

    client.force_login(pt)
    for name, method, data in PT_CLIENT_PAGES:
        response = getattr(client, method)(reverse(name, args=[user.pk]), data)
        assert response.status_code == 404, name
    assert SessionLog.objects.model.objects.filter(client=user).count() >= 0  # history kept
    assert CareLink.objects.filter(pt=pt, client=user).exists()


def _caseload(pt, version, n, today):
    clients = []
    for i in range(n):
        user = ClientFactory(full_name=f"Client {i:03d}")
        enrolment = enrolled_client(
            today=today,
            week=18 + i % 20,
            client=user,
            version=version,
            pt=pt,
            start=today - dt.timedelta(days=14),
        )
        for session in enrolment.sessions.filter(date__lt=today)[: i % 5]:
            SessionLog.objects.create(
                client=user,
                session=session,
                status="completed",
                performed_on=session.date,
                minutes=60,
                rpe=13,
            )
        services.assessment_record(
            client=user,
            vas_low_back_mm=10 + i % 50,
            vas_sciatic_mm=i % 30,
            odi_answers=[1] * 10,
            pain_locations=[],
            symptoms=[],
            today=today,
        )
        clients.append(user)
    return clients


def test_the_dashboard_runs_as_many_queries_with_200_clients_as_with_2(
    client, version, django_assert_max_num_queries
):
    today = local_today(PTFactory.build())
    small, big = PTFactory(), PTFactory()
    _caseload(small, version, 2, today)
    _caseload(big, version, 200, today)

    client.force_login(small)
    with django_assert_max_num_queries(20) as few:
        response = client.get(reverse("home"))
    assert len(response.context["rows"]) == 2
    baseline = len(few.captured_queries)
    client.force_login(big)
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("home"))
    assert len(response.context["rows"]) == 25  # one page
    assert response.context["page"].paginator.count == 200


def test_dashboard_puts_open_alerts_first_and_filters(client, version):
    pt = PTFactory()
    today = local_today(PTFactory.build())
    calm, alarmed, lazy = _caseload(pt, version, 3, today)
    log = SessionLog.objects.create(
        client=alarmed,
        status="completed",
        performed_on=today,
        minutes=20,
        rpe=12,
        warning_signs=["headache"],
        flagged=True,
    )
    services.alert_raise(client=alarmed, kind="warning_sign", session_log=log)
    SessionLog.objects.filter(client=lazy).delete()
    for session in calm.scheduled_sessions.filter(date__lt=today, log__isnull=True):
        SessionLog.objects.create(
            client=calm,
            session=session,
            status="completed",
            performed_on=session.date,
            minutes=60,
            rpe=13,
        )
    client.force_login(pt)

    def names(**params):
        """The clients in the table, in its order (from the page, cached or drawn)."""
        page = client.get(reverse("home"), params).text
        return [
            int(pk) for pk in re.findall(r'href="/pt/clients/(\d+)/" class="fw-semibold"', page)
        ]

    assert names()[0] == alarmed.pk
    assert names(show="alerts") == [alarmed.pk]
    assert lazy.pk in names(show="below") and calm.pk not in names(show="below")
    assert names(q=calm.full_name) == [calm.pk]
    assert set(names(show="t2")) | set(names(show="t3")) == {calm.pk, alarmed.pk, lazy.pk}
    assert names(show="t1") == []


def test_viewing_a_client_page_leaves_an_audit_entry_without_values(client, version):
    pt = PTFactory()
    user = ClientFactory()
    enrolled_client(today=local_today(user), client=user, version=version, pt=pt)
    client.force_login(pt)
    client.get(reverse("tracker:pt_client", args=[user.pk]))
    client.get(reverse("tracker:pt_client_csv", args=[user.pk]))

    events = list(AuditEvent.objects.filter(client=user).order_by("at"))
    assert [(e.actor, e.action, e.what) for e in events] == [
        (pt, "view", "client page"),
        (pt, "export", "client CSV"),
    ]


def test_notes_are_for_pts_only_and_editable_by_their_author(client, version):
    pt = PTFactory()
    user = ClientFactory()
    enrolled_client(today=local_today(user), client=user, version=version, pt=pt)
    client.force_login(pt)
    client.post(reverse("tracker:pt_note_add", args=[user.pk]), {"text": "Check her hip on Monday"})
    note = PTNote.objects.get()
    assert note.author == pt

    client.force_login(user)
    for url in (reverse("home"), reverse("tracker:progress"), reverse("tracker:export_json")):
        assert "Check her hip" not in client.get(url).content.decode()

    # Another PT who takes her on sees the note but cannot edit it.
    CareLink.objects.update(ended_at=timezone.now())
    new_pt = PTFactory()
    CareLinkFactory(pt=new_pt, client=user)
    client.force_login(new_pt)
    assert (
        "Check her hip on Monday"
        in client.get(reverse("tracker:pt_client", args=[user.pk])).content.decode()
    )
    assert (
        client.post(
            reverse("tracker:pt_note_edit", args=[user.pk, note.pk]), {"text": "changed"}
        ).status_code
        == 404
    )
    note.refresh_from_db()
    assert note.text == "Check her hip on Monday"


def test_acknowledging_an_alert_keeps_who_and_when(client, version):
    pt = PTFactory()
    user = ClientFactory()
    enrolled_client(today=local_today(user), client=user, version=version, pt=pt)
    alert = services.alert_raise(client=user, kind=Alert.Kind.LEG_WEAKNESS)
    client.force_login(pt)
    client.post(reverse("tracker:pt_alert_ack", args=[user.pk, alert.pk]))
    alert.refresh_from_db()
    assert alert.acknowledged_by == pt and alert.acknowledged_at is not None


def test_a_swap_changes_future_sessions_only_and_is_recorded(client, version):
    pt = PTFactory()
    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(
        today=today, client=user, version=version, pt=pt, start=today - dt.timedelta(days=7)
    )
    past = enrolment.sessions.filter(date__lt=today).first()
    future = enrolment.sessions.filter(date__gt=today).order_by("date").first()
    original = session_with_content(future).blocks[2].prescriptions.all()[0].exercise
    replacement = (  # strength for strength
        build_program_version(slug="other")
        .phases.first()
        .templates.first()
        .blocks.get(kind="resistance")
        .prescriptions.first()
        .exercise
    )
    replacement.body_region = original.body_region
    replacement.save()

    client.force_login(pt)
    page = client.get(
        reverse("tracker:pt_client", args=[user.pk]), {"swap": original.pk}
    ).content.decode()
    assert replacement.name in page
    client.post(
        reverse("tracker:pt_swap", args=[user.pk]),
        {"original": original.pk, "replacement": replacement.pk},
    )

    future_names = [
        rx.exercise.name
        for b in session_with_content(future).blocks
        for rx in b.prescriptions.all()
    ]
    past_names = [
        rx.exercise.name for b in session_with_content(past).blocks for rx in b.prescriptions.all()
    ]
    assert replacement.name in future_names and original.name not in future_names
    assert original.name in past_names
    change = PlanChange.objects.get(client=user)
    assert change.changed_by == pt and original.name in change.description


def test_pt_pause_and_weekday_change_are_shown_with_who_made_them(client, version):
    pt = PTFactory()
    user = ClientFactory()
    enrolled_client(today=local_today(user), client=user, version=version, pt=pt)
    client.force_login(pt)
    client.post(
        reverse("tracker:pt_schedule", args=[user.pk]),
        {"weekdays": ["1", "3", "5"], "start_time": "09:00", "time_zone": "Europe/Madrid"},
    )
    client.post(reverse("tracker:pt_pause", args=[user.pk]), {"reason": "Pelvic girdle pain"})
    page = client.get(reverse("tracker:pt_client", args=[user.pk])).content.decode()
    assert "changed her days to Tue, Thu, Sat at 09:00" in page
    assert "paused the program" in page
    assert str(pt) in page


def test_cohort_csv_has_baseline_week_34_and_changes_and_can_be_deidentified(client, version):
    pt = PTFactory()
    user = ClientFactory(full_name="Ana Real")
    # She is at 36+0 today (10 March 2027): due 7 April, 16+0 on 21 October, 34+0 on 24 February.
    enrolled_client(today=local_today(user), week=36, client=user, version=version, pt=pt)
    Assessment.objects.create(
        client=user,
        kind="baseline",
        taken_on=dt.date(2026, 10, 21),
        gestational_week=16,
        vas_low_back_mm=20,
        vas_sciatic_mm=10,
        odi_answers=[1] * 10,
        odi_percent=20.0,
    )
    Assessment.objects.create(
        client=user,
        kind="follow_up",
        taken_on=dt.date(2027, 2, 24),
        gestational_week=34,
        vas_low_back_mm=35,
        vas_sciatic_mm=12,
        odi_answers=[2] * 10,
        odi_percent=26.0,
    )
    client.force_login(pt)

    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("tracker:pt_cohort_csv")).content.decode()))
    )
    (row,) = rows
    assert row["client"] == f"Ana Real <{user.email}>"
    assert (
        row["vas_low_back_mm_16"],
        row["vas_low_back_mm_34"],
        row["change_vas_low_back_mm"],
    ) == ("20", "35", "15")
    assert (row["vas_sciatic_mm_16"], row["vas_sciatic_mm_34"], row["change_vas_sciatic_mm"]) == (
        "10",
        "12",
        "2",
    )
    assert (row["odi_percent_16"], row["odi_percent_34"], row["change_odi_points"]) == (
        "20.0",
        "26.0",
        "6.0",
    )

    anonymous = client.get(reverse("tracker:pt_cohort_csv"), {"deidentify": "1"}).content.decode()
    assert "Ana Real" not in anonymous and user.email not in anonymous
    assert re.search(r"^P-[0-9a-f]{8},", anonymous, re.M)


def test_the_session_grid_names_the_month_on_each_weeks_first_day_and_where_it_changes(
    client, version
):
    pt = PTFactory()
    user = ClientFactory()
    # At 24+0 on Wednesday 10 March 2027, Mon/Wed/Fri: her week 27 runs Wed 31 March to Mon 5
    # April, her week 25 Wed 17 to Mon 22 March.
    enrolled_client(today=local_today(user), week=24, client=user, version=version, pt=pt)
    client.force_login(pt)

    # Her sessions: a section of her page loaded when opened.
    page = client.get(reverse("tracker:pt_client_sessions", args=[user.pk])).content.decode()

    days = {
        week: re.findall(r'class="session-day">([^<]+?) <span', row)
        for week, row in re.findall(
            r'<span class="fw-semibold me-1">(\d+)</span>(.*?)</div>', page, re.S
        )
    }
    assert days["27"] == ["Wed 31 Mar", "Fri 2 Apr", "Mon 5"]
    assert days["25"] == ["Wed 17 Mar", "Fri 19", "Mon 22"]


def test_the_dashboard_shows_the_changes_in_brackets_on_a_phone_too(client, version):
    pt = PTFactory()
    user = ClientFactory(full_name="Rosa Phone")
    today = local_today(user)
    enrolled_client(today=today, client=user, version=version, pt=pt)
    for day, low_back, odi in ((today - dt.timedelta(days=7), 20, [1] * 10), (today, 35, [2] * 10)):
        services.assessment_record(
            client=user,
            vas_low_back_mm=low_back,
            vas_sciatic_mm=10,
            odi_answers=odi,
            pain_locations=[],
            symptoms=[],
            today=day,
        )
    client.force_login(pt)

    page = client.get(reverse("home")).content.decode()

    # The wide table's columns (hidden on a phone) and the line under her name (phones only).
    assert page.count("(+15)") == 2 and page.count("(+20)") == 2
    phone = re.search(r'<tr class="d-md-none phone-summary[^"]*"><td[^>]*>(.*?)</td>', page, re.S)
    assert phone
    assert "Low back 35 mm (+15) · Sciatic 10 mm (0) · ODI 40.0% (+20)" in phone.group(1)
    assert "Changes in brackets are since her baseline check-in." in page
