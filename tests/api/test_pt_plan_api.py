"""A PT's plan changes, exports and invitations through the API (issue 16): the web's pages
(swap, schedule, client and cohort CSV, invite) on the same services, with the same messages,
the same bytes and the same audit rows; anyone else's client answers 404."""

import datetime as dt
import re
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from rest_framework.test import APIClient

from programs.loaders import program_load, read_program_file, resolve_program_file
from programs.models import Exercise
from tests.clock import pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.api.pt_plan import ERR_NO_SUCH_EXERCISE
from tracker.models import AuditEvent, ExerciseSwap, PlanChange, ScheduledSession, SessionLog
from tracker.schedule import ERR_THREE_DAYS, back_to_back_warning
from tracker.selectors import local_today
from tracker.services.review import (
    ERR_NOT_ENROLLED,
    ERR_NOT_IN_PLAN,
    ERR_SAME_EXERCISE,
    ERR_SWAP_KIND,
    ERR_SWAP_REGION,
    ERR_SWAP_SUPINE,
)
from users import services as user_services
from users.models import Invitation
from users.selectors import linked_clients
from users.serializers import ERR_READ_ONLY_FIELD, ERR_UNKNOWN_FIELD

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def api():
    return APIClient()


def _not_found(response):
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_found" and body["fields"] == {}
    return body


def _new_audit(before: set, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.exclude(pk__in=before).filter(**filters).order_by("pk"))


def _audit_ids() -> set:
    return set(AuditEvent.objects.values_list("pk", flat=True))


# --- swaps ----------------------------------------------------------------------------------


@pytest.fixture
def shipped():
    """The shipped Aparicio 2023 program and its exercise library, published."""
    data = read_program_file(resolve_program_file("aparicio2023"))
    return program_load(data, publish=True).version


def ex(slug: str) -> Exercise:
    return Exercise.objects.get(slug=slug)


@pytest.fixture
def swap_case(shipped):
    """Her PT, her (at 24+0, linked, enrolled on the shipped program) and another PT."""
    pt = PTFactory(full_name="Paula Therapist")
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(today=today, week=24, client=user, version=shipped, pt=pt)
    return pt, user, today


def _swap(api, user, original, replacement, **extra):
    body = {"original": original, "replacement": replacement} | extra
    return api.post(f"/api/v1/clients/{user.pk}/swaps/", body, format="json")


def test_her_pt_sees_each_exercise_of_her_plan_with_what_the_web_form_offers(
    api, client, swap_case, django_assert_max_num_queries
):
    pt, user, _today = swap_case
    api.force_authenticate(pt)
    before = _audit_ids()

    response = api.get(f"/api/v1/clients/{user.pk}/swaps/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["swaps"] == []
    # The web's client page: the same exercises, and for each the form's choices, in order.
    client.force_login(pt)
    page = client.get(reverse("tracker:pt_client", args=[user.pk]))
    in_plan = list(page.context["in_plan"])
    assert [e["slug"] for e in body["exercises"]] == [e.slug for e in in_plan]
    assert len(in_plan) > 20
    for exercise in in_plan[:5] + [ex("split-squat-supported")]:
        form = client.get(reverse("tracker:pt_client", args=[user.pk]), {"swap": exercise.pk})
        offered = [e.slug for e in form.context["swap_form"].fields["replacement"].queryset]
        choices = [str(pk) for pk, _ in form.context["swap_form"].fields["replacement"].choices]
        (row,) = [e for e in body["exercises"] if e["slug"] == exercise.slug]
        assert sorted(a["slug"] for a in row["alternatives"]) == sorted(offered), exercise.slug
        assert [str(ex(a["slug"]).pk) for a in row["alternatives"]] == choices[1:]
        assert row["swapped_for"] is None
    (split_squat,) = [e for e in body["exercises"] if e["slug"] == "split-squat-supported"]
    assert {a["slug"] for a in split_squat["alternatives"]} == {
        "squat-to-chair",
        "step-up-low",
        "calf-raise-supported",
    }
    assert split_squat["kind"] == "resistance"
    # A PT reading her plan leaves one audit row, like the client page.
    (event,) = _new_audit(before, what="API: swaps")
    assert (event.actor, event.action, event.client_ids) == (pt, "view", [user.pk])
    # Two queries an exercise of her plan (its alternatives), and a handful more.
    with django_assert_max_num_queries(2 * len(in_plan) + 12):
        api.get(f"/api/v1/clients/{user.pk}/swaps/")


def test_a_swap_through_the_api_is_the_web_swap_from_tomorrow(api, swap_case):
    pt, user, today = swap_case
    split_squat, squat, step_up = (
        ex("split-squat-supported"),
        ex("squat-to-chair"),
        ex("step-up-low"),
    )
    api.force_authenticate(pt)

    response = _swap(api, user, split_squat.slug, squat.slug, reason="Pelvic girdle pain")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original"]["slug"] == split_squat.slug
    assert body["replacement"] == {
        "slug": squat.slug,
        "name": squat.name,
        "kind": "resistance",
        "body_region": squat.body_region,
        "equipment": squat.equipment,
        "supine": squat.supine,
    }
    assert body["reason"] == "Pelvic girdle pain"
    assert body["from_date"] == (today + dt.timedelta(days=1)).isoformat()
    assert (body["by"], body["ended"]) == ("Paula Therapist", None)
    swap = ExerciseSwap.objects.get(client=user)
    assert (swap.original, swap.replacement, swap.created_by) == (split_squat, squat, pt)
    change = PlanChange.objects.get(client=user)
    assert change.description == f"swapped {split_squat.name} for {squat.name} from tomorrow"
    assert AuditEvent.objects.filter(
        actor=pt, client=user, action="change", what="plan change"
    ).exists()

    # Swapping the same exercise again ends the first swap; the list shows both.
    assert _swap(api, user, split_squat.slug, step_up.slug).status_code == 201
    listed = api.get(f"/api/v1/clients/{user.pk}/swaps/").json()
    (row,) = [e for e in listed["exercises"] if e["slug"] == split_squat.slug]
    assert row["swapped_for"]["slug"] == step_up.slug
    assert [(s["replacement"]["slug"], s["ended"] is None) for s in listed["swaps"]] == [
        (step_up.slug, True),
        (squat.slug, False),
    ]


def test_a_replacement_that_does_not_fit_is_refused_with_the_services_reason(api, swap_case):
    pt, user, _today = swap_case
    split_squat, stretch, push_up = (
        ex("split-squat-supported"),
        ex("standing-side-stretch"),
        ex("wall-push-up"),
    )
    hip_lift, bridge = ex("inclined-hip-lift"), ex("glute-bridge")
    api.force_authenticate(pt)

    def refusal(original, replacement, field="replacement", **extra):
        response = _swap(api, user, original, replacement, **extra)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid"
        return body["fields"][field] if field else body["detail"]

    assert refusal(split_squat.slug, stretch.slug) == [
        ERR_SWAP_KIND.format(
            replacement=stretch.name,
            replacement_kind="mobility or stretching",
            original=split_squat.name,
            original_kind="strength",
        )
    ]
    assert refusal(split_squat.slug, push_up.slug) == [
        ERR_SWAP_REGION.format(replacement=push_up.name, original=split_squat.name)
    ]
    # She is at 24+0: the glute bridge is done lying on the back, which her program stops at 20.
    assert refusal(hip_lift.slug, bridge.slug) == [
        ERR_SWAP_SUPINE.format(replacement=bridge.name, week=20)
    ]
    assert refusal(split_squat.slug, split_squat.slug) == [ERR_SAME_EXERCISE]
    assert refusal("no-such-exercise", "squat-to-chair", field="original") == [ERR_NOT_IN_PLAN]
    assert refusal(split_squat.slug, "no-such-exercise") == [str(ERR_NO_SUCH_EXERCISE)]
    assert refusal(split_squat.slug, "squat-to-chair", field="when", when="now") == [
        str(ERR_UNKNOWN_FIELD)
    ]
    assert refusal(split_squat.slug, "squat-to-chair", field="reason", reason="a\nb")
    assert not ExerciseSwap.objects.filter(client=user).exists()
    assert not PlanChange.objects.filter(client=user).exists()


def test_an_exercise_outside_her_plan_or_a_client_not_enrolled_is_refused(api, swap_case):
    pt, user, today = swap_case
    api.force_authenticate(pt)
    outside = Exercise.objects.exclude(
        prescriptions__block__template__phase__version=user.enrolment.program_version
    ).first()
    response = _swap(api, user, outside.slug, "squat-to-chair")
    assert response.status_code == 400
    assert response.json()["fields"] == {"original": [ERR_NOT_IN_PLAN]}

    newcomer = ClientFactory()
    CareLinkFactory(pt=pt, client=newcomer)
    assert api.get(f"/api/v1/clients/{newcomer.pk}/swaps/").json() == {
        "exercises": [],
        "swaps": [],
    }
    response = _swap(api, newcomer, "split-squat-supported", "squat-to-chair")
    assert response.status_code == 400
    assert response.json()["detail"] == ERR_NOT_ENROLLED
    assert not ExerciseSwap.objects.exists()


def test_swaps_of_a_client_who_is_not_hers_answer_404_and_change_nothing(api, swap_case):
    _pt, user, _today = swap_case
    for who in (PTFactory(), user, ClientFactory()):
        api.force_authenticate(who)
        _not_found(api.get(f"/api/v1/clients/{user.pk}/swaps/"))
        _not_found(_swap(api, user, "split-squat-supported", "squat-to-chair"))
    assert not ExerciseSwap.objects.exists()


# --- her days -------------------------------------------------------------------------------


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def _client_of(pt, version, **kwargs):
    user = ClientFactory(time_zone="Europe/Madrid")
    today = local_today(user)
    enrolled_client(
        today=today, client=user, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    return user


def _sessions(user):
    """Her sessions as (date, start time, logged), in date order."""
    return [
        (s.date, s.start_time, hasattr(s, "log"))
        for s in ScheduledSession.objects.filter(client=user).order_by("date", "pk")
    ]


def test_her_pt_reads_her_days_and_the_read_is_audited(api, version):
    pt = PTFactory()
    user = _client_of(pt, version)
    api.force_authenticate(pt)
    before = _audit_ids()

    response = api.get(f"/api/v1/clients/{user.pk}/schedule/")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "weekdays": ["mon", "wed", "fri"],
        "start_time": "18:00",
        "time_zone": "Europe/Madrid",
        "warnings": [],
    }
    (event,) = _new_audit(before)
    assert (event.what, event.action, event.client_ids) == ("API: schedule", "view", [user.pk])


def test_a_change_of_her_days_moves_the_same_sessions_as_the_web_form(api, client, version):
    pt = PTFactory()
    by_api, by_web = _client_of(pt, version), _client_of(pt, version)
    today = local_today(by_api)
    for user in (by_api, by_web):  # a session she logged last week stays where it was
        logged = ScheduledSession.objects.filter(client=user, date__lt=today).first()
        SessionLog.objects.create(
            client=user,
            session=logged,
            status="completed",
            performed_on=logged.date,
            minutes=30,
            rpe=12,
        )
    kept = _sessions(by_api)[:1]
    api.force_authenticate(pt)

    response = api.patch(
        f"/api/v1/clients/{by_api.pk}/schedule/",
        {"weekdays": ["tue", "thu", "sat"], "start_time": "07:30"},
        format="json",
    )
    client.force_login(pt)
    web = client.post(
        reverse("tracker:pt_schedule", args=[by_web.pk]),
        {"weekdays": ["1", "3", "5"], "start_time": "07:30", "time_zone": "Europe/Madrid"},
    )

    assert response.status_code == 200, response.content
    assert web.status_code == 302
    assert response.json() == {
        "weekdays": ["tue", "thu", "sat"],
        "start_time": "07:30",
        "time_zone": "Europe/Madrid",
        "warnings": [],
    }
    assert _sessions(by_api) == _sessions(by_web)
    assert [s for s in _sessions(by_api) if s[2]] == [s for s in kept if s[2]]
    future = [s for s in _sessions(by_api) if s[0] > today]
    assert future and {(d.weekday(), t) for d, t, _ in future} <= {
        (1, dt.time(7, 30)),
        (3, dt.time(7, 30)),
        (5, dt.time(7, 30)),
    }
    changes = [
        list(PlanChange.objects.filter(client=u).values_list("description", flat=True))
        for u in (by_api, by_web)
    ]
    assert changes[0] == changes[1] == ["changed her days to Tue, Thu, Sat at 07:30"]

    # A partial change keeps the rest; back-to-back days come with the web's warning.
    response = api.patch(
        f"/api/v1/clients/{by_api.pk}/schedule/",
        {"weekdays": ["mon", "tue", "thu"]},
        format="json",
    )
    assert response.json()["start_time"] == "07:30"
    assert response.json()["warnings"] == [back_to_back_warning([0, 1, 3])]


def test_a_change_of_her_days_that_the_web_form_refuses_is_refused_with_its_message(api, version):
    pt = PTFactory()
    user = _client_of(pt, version)
    api.force_authenticate(pt)
    before = _sessions(user)
    url = f"/api/v1/clients/{user.pk}/schedule/"

    def refused(body):
        response = api.patch(url, body, format="json")
        assert response.status_code == 400, response.content
        return response.json()["fields"]

    assert refused({"weekdays": ["mon", "tue"]}) == {"weekdays": [ERR_THREE_DAYS]}
    assert refused({"weekdays": ["mon", "mon", "tue"]}) == {"weekdays": [ERR_THREE_DAYS]}
    assert refused({"time_zone": "Mars/Olympus"}) == {
        "time_zone": ["“Mars/Olympus” is not a known time zone."]
    }
    assert refused({"warnings": []}) == {"warnings": [str(ERR_READ_ONLY_FIELD)]}
    assert refused({"start_time": "25:00"})["start_time"]
    nothing = api.patch(url, {}, format="json")  # nothing sent: nothing changes
    assert nothing.status_code == 200 and nothing.json()["weekdays"] == ["mon", "wed", "fri"]
    assert _sessions(user) == before
    assert not PlanChange.objects.filter(client=user).exists()

    newcomer = ClientFactory()
    CareLinkFactory(pt=pt, client=newcomer)
    assert _not_found(api.get(f"/api/v1/clients/{newcomer.pk}/schedule/"))["detail"] == (
        ERR_NOT_ENROLLED
    )
    _not_found(
        api.patch(
            f"/api/v1/clients/{newcomer.pk}/schedule/", {"start_time": "08:00"}, format="json"
        )
    )


def test_her_days_are_not_another_pts_nor_hers_to_read_or_change(api, version):
    user = _client_of(PTFactory(), version)
    before = _sessions(user)
    for who in (PTFactory(), user):
        api.force_authenticate(who)
        _not_found(api.get(f"/api/v1/clients/{user.pk}/schedule/"))
        _not_found(
            api.patch(
                f"/api/v1/clients/{user.pk}/schedule/", {"start_time": "08:00"}, format="json"
            )
        )
    assert _sessions(user) == before


# --- exports --------------------------------------------------------------------------------


@pytest.fixture
def caseload(version):
    """Her PT with two clients: one with a log (a warning sign) and a check-in, one with none."""
    pt = PTFactory()
    user = _client_of(pt, version)
    _client_of(pt, version)
    today = local_today(user)
    session = ScheduledSession.objects.filter(client=user, date__lt=today).first()
    services.session_log_record(
        client=user,
        session=session,
        data=services.LogInput(
            status="completed",
            performed_on=session.date,
            minutes=35,
            rpe=13,
            warning_signs=["dizziness"],
            notes="Felt dizzy, then fine",
        ),
        today=today,
    )
    services.assessment_record(
        client=user,
        vas_low_back_mm=37,
        vas_sciatic_mm=12,
        odi_answers=[2] * 10,
        pain_locations=["low_back"],
        symptoms=[],
        today=today,
    )
    return pt, user


def test_her_csv_is_the_web_export_byte_for_byte_and_the_export_is_audited(api, client, caseload):
    pt, user = caseload
    client.force_login(pt)
    web = client.get(reverse("tracker:pt_client_csv", args=[user.pk]))
    api.force_authenticate(pt)
    before = _audit_ids()

    plain = api.get(f"/api/v1/clients/{user.pk}/report.csv")
    asking = api.get(f"/api/v1/clients/{user.pk}/report.csv", HTTP_ACCEPT="text/csv")

    for response in (plain, asking):
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == web["Content-Disposition"]
        assert response["Content-Disposition"] == (
            f'attachment; filename="prenafit-client-{user.pk}.csv"'
        )
        assert response.content == web.content
    assert b"session" in web.content and len(web.content.splitlines()) > 10
    events = _new_audit(before)
    assert [(e.actor, e.action, e.what, e.client_ids) for e in events] == [
        (pt, "export", "API: client CSV", [user.pk])
    ] * 2


def test_the_cohort_csv_is_the_web_export_and_can_be_de_identified(api, client, caseload):
    pt, user = caseload
    client.force_login(pt)
    web = client.get(reverse("tracker:pt_cohort_csv"))
    api.force_authenticate(pt)
    before = _audit_ids()

    response = api.get("/api/v1/cohort.csv", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="prenafit-cohort.csv"'
    assert response.content == web.content
    assert user.email.encode() in response.content

    anonymous = api.get("/api/v1/cohort.csv", {"deidentify": "1"})
    assert anonymous.status_code == 200
    assert user.email.encode() not in anonymous.content
    assert user.full_name.encode() not in anonymous.content
    assert len(anonymous.content.splitlines()) == len(web.content.splitlines())
    clients = sorted(linked_clients(pt=pt).values_list("pk", flat=True))
    assert len(clients) == 2
    events = _new_audit(before)
    assert [(e.action, e.what, e.client_ids) for e in events] == [
        ("export", "API: cohort CSV", clients),
        ("export", "API: cohort CSV (de-identified)", clients),
    ]

    refused = api.get("/api/v1/cohort.csv", {"deidentify": "perhaps"}, HTTP_ACCEPT="text/csv")
    assert refused.status_code == 400 and refused["Content-Type"] == "application/json"
    assert list(refused.json()["fields"]) == ["deidentify"]


def test_an_export_refused_is_json_in_the_error_shape_whatever_accept_asks(api, caseload):
    pt, user = caseload
    before = _audit_ids()
    for accept in ("text/csv", "application/json", "application/xml", None):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        api.force_authenticate(PTFactory())  # not her PT
        _not_found(api.get(f"/api/v1/clients/{user.pk}/report.csv", **headers))
        api.force_authenticate(user)  # a client has no cohort
        _not_found(api.get("/api/v1/cohort.csv", **headers))
        _not_found(api.get(f"/api/v1/clients/{user.pk}/report.csv", **headers))
        api.force_authenticate(None)
        anonymous = api.get("/api/v1/cohort.csv", **headers)
        assert anonymous.status_code == 401
        assert anonymous["Content-Type"] == "application/json"
        assert anonymous.json()["code"] == "not_authenticated"
    assert _new_audit(before) == []


# --- invitations ----------------------------------------------------------------------------


BASE = "https://prenafit.example"


@pytest.fixture
def base_url(settings):
    settings.PRENAFIT_BASE_URL = BASE + "/"


def test_a_pt_invites_a_client_and_she_gets_the_webs_email_with_a_working_link(
    api, client, base_url, django_capture_on_commit_callbacks
):
    pt = PTFactory()
    api.force_authenticate(pt)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/invitations/", {"email": " Nora@Example.test "}, format="json")

    assert response.status_code == 201, response.content
    invitation = Invitation.objects.get(pt=pt)
    body = response.json()
    assert body == {
        "id": invitation.pk,
        "email": "nora@example.test",
        "created": body["created"],
        "expires": body["expires"],
        "accepted": None,
        "status": "open",
    }
    expires = dt.datetime.fromisoformat(body["expires"])
    assert expires == invitation.expires_at
    assert abs(expires - invitation.created_at - dt.timedelta(days=14)) < dt.timedelta(seconds=1)
    (email,) = mail.outbox
    assert email.to == ["nora@example.test"]
    assert email.subject == "[Prenafit] An invitation to Prenafit"
    (link,) = re.findall(r"https?://\S+", email.body)
    assert link.startswith(BASE + "/invitations/")
    token = link.removeprefix(BASE + "/invitations/").strip("/")
    assert token.encode() not in response.content  # only the email holds the token
    assert user_services.invitation_lookup(token=token) == invitation
    # The same e-mail as the web page's, but for the token.
    web_email = user_services.invitation_email(invitation=invitation, token="TOKEN")
    assert email.body == web_email.body.replace(f"{BASE}/invitations/TOKEN/", link)
    # She accepts it on the web, and her PT's list says so.
    she = ClientFactory(email="nora@example.test")
    client.force_login(she)
    assert client.post(link.removeprefix(BASE)).status_code == 302
    assert api.get("/api/v1/invitations/").json()["results"][0]["status"] == "accepted"


def test_an_invitation_sent_twice_with_one_key_is_made_and_mailed_once(
    api, django_capture_on_commit_callbacks
):
    pt = PTFactory()
    api.force_authenticate(pt)
    headers = {"HTTP_IDEMPOTENCY_KEY": "invite-nora-1"}

    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/invitations/", {"email": "nora@example.test"}, **headers)
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post("/api/v1/invitations/", {"email": "nora@example.test"}, **headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_her_invitations_list_shows_each_state_like_the_web_page(api, time_machine):
    pt, other = PTFactory(), PTFactory()
    old, _ = user_services.invitation_create(pt=pt, email="old@example.test")
    time_machine.shift(dt.timedelta(days=15))  # the first has expired
    accepted, token = user_services.invitation_create(pt=pt, email="ana@example.test")
    user_services.invitation_accept(token=token, user=ClientFactory(email="ana@example.test"))
    fresh, _ = user_services.invitation_create(pt=pt, email="bea@example.test")
    user_services.invitation_create(pt=other, email="theirs@example.test")
    api.force_authenticate(pt)

    response = api.get("/api/v1/invitations/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3 and body["next"] is None
    assert [(i["id"], i["email"], i["status"]) for i in body["results"]] == [
        (fresh.pk, "bea@example.test", "open"),
        (accepted.pk, "ana@example.test", "accepted"),
        (old.pk, "old@example.test", "expired"),
    ]
    assert body["results"][1]["accepted"] is not None
    assert all("token" not in str(i).lower() for i in body["results"])


def test_invitations_are_for_approved_pts_only_and_refusals_send_nothing(
    api, django_capture_on_commit_callbacks
):
    pending = PTFactory(pt_approved=False)
    for who in (ClientFactory(), pending):
        api.force_authenticate(who)
        _not_found(api.get("/api/v1/invitations/"))
        with django_capture_on_commit_callbacks(execute=True):
            _not_found(api.post("/api/v1/invitations/", {"email": "x@example.test"}))
    api.force_authenticate(None)
    assert api.get("/api/v1/invitations/").status_code == 401

    api.force_authenticate(PTFactory())
    with django_capture_on_commit_callbacks(execute=True):
        bad = api.post("/api/v1/invitations/", {"email": "not an address"}, format="json")
        unknown = api.post(
            "/api/v1/invitations/", {"email": "x@example.test", "token": "mine"}, format="json"
        )
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["email"]
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"token": [str(ERR_UNKNOWN_FIELD)]}
    assert not Invitation.objects.exists() and not mail.outbox


def _refused(self, fail_silently=False):
    raise smtplib.SMTPServerDisconnected("the mail server went away")


@pytest.mark.django_db(transaction=True)  # the commit is real: its callback runs in it
def test_the_pt_is_told_when_the_invitation_email_cannot_be_sent(api, monkeypatch):
    pt = PTFactory()
    monkeypatch.setattr(EmailMultiAlternatives, "send", _refused)
    api.force_authenticate(pt)

    response = api.post("/api/v1/invitations/", {"email": "nora@example.test"}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["detail"] == user_services.ERR_INVITE_NOT_SENT
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_an_invitation_whose_email_failed_is_made_again_by_a_retry_with_the_same_key(
    api, monkeypatch
):
    pt = PTFactory()
    api.force_authenticate(pt)
    headers = {"HTTP_IDEMPOTENCY_KEY": "invite-nora-2"}
    with monkeypatch.context() as patched:
        patched.setattr(EmailMultiAlternatives, "send", _refused)
        first = api.post("/api/v1/invitations/", {"email": "nora@example.test"}, **headers)
    assert first.status_code == 400

    again = api.post("/api/v1/invitations/", {"email": "nora@example.test"}, **headers)

    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1
