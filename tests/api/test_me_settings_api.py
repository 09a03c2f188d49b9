"""Her settings and her account through the API (issue 16): her schedule (PATCH /me/enrolment/,
the web's schedule page), her reminder preferences (/me/preferences/, the web's reminder
settings, for clients and PTs) and the deletion of her account (/me/delete/, the web's page).
Each does what the web page does, through the same service, with the same messages."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from rest_framework.test import APIClient

from tests.clock import WEDNESDAY_MORNING, pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services
from tracker.api.me_settings import (
    DELETION_ALREADY_ASKED,
    DELETION_ASKED,
    ERR_NO_CHANNEL,
    ERR_NOT_YOUR_REMINDER,
    ERR_WRONG_PASSWORD,
)
from tracker.forms import ERR_LEAD_MINUTES
from tracker.models import (
    Notification,
    NotificationSettings,
    ReminderKind,
    ScheduledSession,
    SessionLog,
)
from tracker.reminders.dispatch import find_due
from tracker.schedule import WARN_BACK_TO_BACK
from tracker.selectors import local_today
from users.models import ApiToken, User
from users.serializers import ERR_READ_ONLY_FIELD, ERR_UNKNOWN_FIELD

pytestmark = [pytest.mark.django_db, pin()]

UTC = dt.UTC
PASSWORD = "prenafit-demo"


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def _enrolled(version, pt=None):
    """A client (Madrid) enrolled Mon/Wed/Fri at 18:00 since a week ago; today is Wednesday."""
    client = ClientFactory()
    today = local_today(client)
    enrolled_client(
        today=today, client=client, version=version, pt=pt, start=today - dt.timedelta(days=7)
    )
    return client


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def token_api(user) -> APIClient:
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def _log_today(api, client):
    """She logs today's session through the API."""
    today = local_today(client)
    session = ScheduledSession.objects.get(enrolment__client=client, date=today)
    response = api.post(
        f"/api/v1/me/sessions/{session.pk}/log/",
        {"status": "completed", "performed_on": today.isoformat(), "minutes": 60, "rpe": 13},
        format="json",
    )
    assert response.status_code == 201, response.content
    return session


def _sessions(client):
    return list(
        ScheduledSession.objects.filter(enrolment__client=client)
        .order_by("date", "pk")
        .values_list("date", "start_time", "status", "template_id", "gestational_week")
    )


# --- her schedule: GET and PATCH /me/enrolment/ -------------------------------------------------


def test_her_enrolment_shows_its_state_weekdays_start_time_and_time_zone(version):
    her = _enrolled(version)

    body = api_for(her).get("/api/v1/me/enrolment/").json()

    assert body["state"] == body["status"] == "active"
    assert (body["program"], body["version"]) == ("aparicio2023", version.number)
    assert body["weekdays"] == ["mon", "wed", "fri"]
    assert (body["start_time"], body["time_zone"]) == ("18:00", "Europe/Madrid")
    assert body["warnings"] == []


def test_a_schedule_patch_moves_the_same_future_sessions_as_the_web_form_and_keeps_the_logged_one(
    version, client
):
    by_web, by_api = _enrolled(version), _enrolled(version)
    assert _sessions(by_web) == _sessions(by_api)
    web_logged = _log_today(api_for(by_web), by_web)
    api_logged = _log_today(api_for(by_api), by_api)
    today = local_today(by_api)

    client.force_login(by_web)
    page = client.post(
        reverse("tracker:schedule"),
        {"weekdays": ["1", "3", "5"], "start_time": "07:30", "time_zone": "Europe/Lisbon"},
    )
    assert page.status_code == 302
    response = api_for(by_api).patch(
        "/api/v1/me/enrolment/",
        {"weekdays": ["tue", "thu", "sat"], "start_time": "07:30", "time_zone": "Europe/Lisbon"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["weekdays"] == ["tue", "thu", "sat"]
    assert (body["start_time"], body["time_zone"], body["warnings"]) == (
        "07:30",
        "Europe/Lisbon",
        [],
    )
    # The same sessions as the web's change, and the same enrolment and account.
    assert _sessions(by_api) == _sessions(by_web)
    future = [s for s in _sessions(by_api) if s[0] > today]
    assert future and {s[0].weekday() for s in future} == {1, 3, 5}
    assert {s[1] for s in future} == {dt.time(7, 30)}
    for user in (by_web, by_api):
        user.refresh_from_db()
        assert user.time_zone == user.enrolment.time_zone == "Europe/Lisbon"
    # Her logged Wednesday session is kept as it was, with its log.
    for logged in (web_logged, api_logged):
        kept = ScheduledSession.objects.get(pk=logged.pk)
        assert (kept.date, kept.start_time) == (today, dt.time(18, 0))
        assert SessionLog.objects.filter(session=kept).exists()


def test_a_partial_patch_keeps_the_rest_and_back_to_back_days_come_with_the_webs_warning(version):
    her = _enrolled(version)
    api = api_for(her)

    time_only = api.patch("/api/v1/me/enrolment/", {"start_time": "06:45"}, format="json")
    assert time_only.status_code == 200, time_only.content
    assert time_only.json()["weekdays"] == ["mon", "wed", "fri"]
    assert time_only.json()["time_zone"] == "Europe/Madrid"
    today = local_today(her)
    assert set(
        ScheduledSession.objects.filter(enrolment__client=her, date__gt=today).values_list(
            "start_time", flat=True
        )
    ) == {dt.time(6, 45)}

    back_to_back = api.patch(
        "/api/v1/me/enrolment/", {"weekdays": ["mon", "tue", "thu"]}, format="json"
    )
    assert back_to_back.status_code == 200, back_to_back.content
    assert back_to_back.json()["warnings"] == [WARN_BACK_TO_BACK.format(days="Monday and Tuesday")]
    assert back_to_back.json()["start_time"] == "06:45"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"state": "active"}, "state", ERR_READ_ONLY_FIELD),
        ({"program": "other"}, "program", ERR_READ_ONLY_FIELD),
        ({"version": 2, "start_time": "07:00"}, "version", ERR_READ_ONLY_FIELD),
        ({"colour": "red"}, "colour", ERR_UNKNOWN_FIELD),
        ({"weekdays": ["mon", "mon", "wed"]}, "weekdays", "Choose exactly three days a week."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "“Mars/Olympus” is not a known time zone."),
    ],
)
def test_a_schedule_patch_is_refused_whole_and_changes_nothing(version, body, field, message):
    her = _enrolled(version)
    before = _sessions(her)

    response = api_for(her).patch("/api/v1/me/enrolment/", body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"][field] == [str(message)]
    assert _sessions(her) == before
    her.enrolment.refresh_from_db()
    assert (her.enrolment.weekdays, her.enrolment.start_time) == ([0, 2, 4], dt.time(18, 0))


def test_a_schedule_patch_answers_404_when_she_is_not_enrolled_and_to_a_pt(version):
    pt = PTFactory()
    _enrolled(version, pt=pt)
    for user in (ClientFactory(), pt):
        response = api_for(user).patch(
            "/api/v1/me/enrolment/", {"start_time": "07:00"}, format="json"
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- reminder preferences: GET and PATCH /me/preferences/ -----------------------------------------


def _due(user, now) -> list:
    """(kind, due) of every reminder the dispatcher finds for her at `now`."""
    return [
        (c.kind, c.due_at) for batch in find_due(now) for c in batch if c.recipient_id == user.pk
    ]


def test_a_client_reads_her_reminders_each_with_its_channels_as_a_list(version):
    her = _enrolled(version)

    body = api_for(her).get("/api/v1/me/preferences/").json()

    assert list(body["reminders"]) == [
        "session_upcoming",
        "session_missed",
        "assessment_due",
        "rescreen_due",
    ]
    assert body["reminders"]["session_upcoming"] == {
        "label": "Upcoming session",
        "on": True,
        "always_on": False,
        "channels": ["email", "in_app"],
        "channels_follow": None,
    }
    assert body["reminders"]["rescreen_due"] | {"label": ""} == {
        "label": "",
        "on": True,
        "always_on": True,
        "channels": ["email", "in_app"],
        "channels_follow": "assessment_due",
    }
    assert {k: v for k, v in body.items() if k != "reminders"} == {
        "session_mode": "before",
        "lead_minutes": 60,
        "digest_time": "07:30",
        "weekly_check_in": False,
        "quiet_hours": None,
        "vapid_public_key": None,  # no push on a server without VAPID keys
    }


def test_what_she_patches_is_the_row_the_dispatcher_reads(version):
    her = _enrolled(version)
    api = api_for(her)
    # Her session today is at 18:00 in Madrid (17:00 UTC): reminded an hour before.
    at_1615 = dt.datetime(2027, 3, 10, 16, 15, tzinfo=UTC)
    at_1630 = at_1615 + dt.timedelta(minutes=15)
    assert _due(her, at_1615) == [(ReminderKind.SESSION_UPCOMING, at_1615.replace(minute=0))]

    response = api.patch(
        "/api/v1/me/preferences/",
        {
            "reminders": {
                "session_missed": {"channels": ["in_app"]},
                "assessment_due": {"channels": ["email"], "on": True},
            },
            "lead_minutes": 30,
            "digest_time": "08:15",
            "weekly_check_in": True,
            "quiet_hours": {"start": "22:00", "end": "07:00"},
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reminders"]["session_missed"]["channels"] == ["in_app"]
    assert body["reminders"]["assessment_due"]["channels"] == ["email", "in_app"]
    assert body["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert (body["lead_minutes"], body["digest_time"], body["weekly_check_in"]) == (
        30,
        "08:15",
        True,
    )
    prefs = NotificationSettings.objects.get(user=her)
    assert prefs.channel(ReminderKind.SESSION_MISSED) == "in_app"
    assert prefs.channel(ReminderKind.ASSESSMENT_DUE) == "email"
    assert prefs.channel(ReminderKind.RESCREEN_DUE) == "email"
    assert (prefs.session_lead_minutes, prefs.digest_time) == (30, dt.time(8, 15))
    assert (prefs.quiet_start, prefs.quiet_end) == (dt.time(22), dt.time(7))
    assert prefs.weekly_check_in is True
    # The dispatcher now finds her reminder 30 minutes before the session...
    assert _due(her, at_1615) == []
    assert _due(her, at_1630) == [(ReminderKind.SESSION_UPCOMING, at_1630)]

    # ...and none once she turns session reminders off.
    off = api.patch(
        "/api/v1/me/preferences/",
        {"reminders": {"session_upcoming": {"on": False}}},
        format="json",
    )
    assert off.json()["reminders"]["session_upcoming"]["on"] is False
    assert NotificationSettings.objects.get(user=her).wants(ReminderKind.SESSION_UPCOMING) is False
    assert _due(her, at_1630) == []


def test_the_web_page_and_the_api_write_the_same_row(version, client):
    by_web, by_api = _enrolled(version), _enrolled(version)
    client.force_login(by_web)
    page = client.post(
        reverse("tracker:notification_settings"),
        {
            "session_upcoming": "on",
            "session_upcoming_channel": "in_app",
            "session_mode": "digest",
            "session_lead_minutes": "45",
            "digest_time": "06:30",
            "session_missed": "",
            "session_missed_channel": "email",
            "assessment_due": "on",
            "assessment_due_channel": "in_app",
            "weekly_check_in": "on",
            "quiet_start": "21:30",
            "quiet_end": "06:00",
        },
    )
    assert page.status_code == 302
    response = api_for(by_api).patch(
        "/api/v1/me/preferences/",
        {
            "reminders": {
                "session_upcoming": {"channels": ["in_app"]},
                "session_missed": {"on": False},
                "assessment_due": {"channels": ["in_app"]},
            },
            "session_mode": "digest",
            "lead_minutes": 45,
            "digest_time": "06:30",
            "weekly_check_in": True,
            "quiet_hours": {"start": "21:30", "end": "06:00"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content

    fields = [f.name for f in NotificationSettings._meta.fields if f.name not in ("id", "user")]
    web_row = NotificationSettings.objects.filter(user=by_web).values(*fields).get()
    api_row = NotificationSettings.objects.filter(user=by_api).values(*fields).get()
    assert web_row == api_row
    # The API reads the web's choices back the same way.
    client.logout()
    assert api_for(by_web).get("/api/v1/me/preferences/").json() == response.json()


def test_one_end_of_the_quiet_hours_is_refused_by_the_web_and_the_api_alike(version, client):
    her = _enrolled(version)
    client.force_login(her)
    page = client.post(
        reverse("tracker:notification_settings"),
        {
            "session_upcoming": "on",
            "session_upcoming_channel": "email",
            "session_mode": "before",
            "session_lead_minutes": "60",
            "digest_time": "07:30",
            "session_missed_channel": "email",
            "assessment_due_channel": "email",
            "quiet_start": "22:00",
            "quiet_end": "",
        },
    )
    assert page.status_code == 200
    assert str(services.ERR_QUIET_HOURS_BOTH) in page.content.decode()

    response = api_for(her).patch(
        "/api/v1/me/preferences/",
        {"quiet_hours": {"start": "22:00", "end": None}, "lead_minutes": 20},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"quiet_hours.end": [str(services.ERR_QUIET_HOURS_BOTH)]}
    prefs = NotificationSettings.objects.get(user=her)
    assert (prefs.quiet_start, prefs.quiet_end, prefs.session_lead_minutes) == (None, None, 60)


def test_quiet_hours_change_one_end_at_a_time_and_null_clears_them(version):
    her = _enrolled(version)
    api = api_for(her)
    api.patch(
        "/api/v1/me/preferences/",
        {"quiet_hours": {"start": "22:00", "end": "07:00"}},
        format="json",
    )

    later = api.patch("/api/v1/me/preferences/", {"quiet_hours": {"start": "23:00"}}, format="json")
    assert later.json()["quiet_hours"] == {"start": "23:00", "end": "07:00"}
    cleared = api.patch("/api/v1/me/preferences/", {"quiet_hours": None}, format="json")
    assert cleared.json()["quiet_hours"] is None
    prefs = NotificationSettings.objects.get(user=her)
    assert (prefs.quiet_start, prefs.quiet_end) == (None, None)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        # Safety messages cannot be switched off (SAFETY.md section 1): the service says so.
        (
            {"reminders": {"rescreen_due": {"on": False}}, "lead_minutes": 30},
            "reminders.rescreen_due.on",
            services.ERR_ALWAYS_ON,
        ),
        (
            {"reminders": {"rescreen_due": {"channels": ["in_app"]}}},
            "reminders.rescreen_due.channels",
            ERR_READ_ONLY_FIELD,
        ),
        ({"reminders": {"session_missed": {"channels": []}}}, "reminders.session_missed.channels",
         ERR_NO_CHANNEL),
        (
            {"reminders": {"session_missed": {"channels": ["in_app", "push"]}}},
            "reminders.session_missed.channels.1",
            '"push" is not a valid choice.',
        ),
        ({"reminders": {"pt_digest": {"on": False}}}, "reminders.pt_digest", ERR_NOT_YOUR_REMINDER),
        ({"reminders": {"birthdays": {"on": False}}}, "reminders.birthdays", ERR_UNKNOWN_FIELD),
        ({"reminders": {"session_missed": {"always_on": True}}},
         "reminders.session_missed.always_on", ERR_READ_ONLY_FIELD),
        ({"lead_minutes": 4}, "lead_minutes", ERR_LEAD_MINUTES),
        ({"lead_minutes": 1441}, "lead_minutes", ERR_LEAD_MINUTES),
        ({"session_mode": "hourly"}, "session_mode", '"hourly" is not a valid choice.'),
        ({"digest_time": "25:00"}, "digest_time", None),
    ],
)  # fmt: skip
def test_a_preferences_patch_is_refused_whole_with_the_message_next_to_the_field(
    version, body, field, message
):
    her = _enrolled(version)
    api = api_for(her)
    before = api.get("/api/v1/me/preferences/").json()

    response = api.patch("/api/v1/me/preferences/", body, format="json")

    assert response.status_code == 400, response.content
    fields = response.json()["fields"]
    assert list(fields) == [field]
    if message is not None:
        assert fields[field] == [str(message)]
    assert api.get("/api/v1/me/preferences/").json() == before


def test_keeping_an_always_on_reminder_on_is_accepted_and_changes_nothing(version):
    her = _enrolled(version)

    response = api_for(her).patch(
        "/api/v1/me/preferences/", {"reminders": {"rescreen_due": {"on": True}}}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["reminders"]["rescreen_due"]["on"] is True


def test_a_pt_has_her_own_reminders_and_cannot_switch_off_urgent_alerts():
    pt = PTFactory()
    api = api_for(pt)

    body = api.get("/api/v1/me/preferences/").json()
    assert list(body["reminders"]) == ["pt_alert", "pt_digest"]
    assert body["reminders"]["pt_alert"]["always_on"] is True
    assert set(body) == {"reminders", "quiet_hours", "vapid_public_key"}  # no session settings

    changed = api.patch(
        "/api/v1/me/preferences/",
        {"reminders": {"pt_alert": {"channels": ["in_app"]}, "pt_digest": {"on": False}}},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["reminders"]["pt_alert"] == {
        "label": "Urgent alert about a client (PTs)",
        "on": True,
        "always_on": True,
        "channels": ["in_app"],
        "channels_follow": None,
    }
    prefs = NotificationSettings.objects.get(user=pt)
    assert prefs.pt_alert_channel == "in_app" and prefs.pt_digest is False
    assert prefs.wants(ReminderKind.PT_ALERT) and prefs.channel(ReminderKind.PT_ALERT) == "in_app"

    off = api.patch(
        "/api/v1/me/preferences/", {"reminders": {"pt_alert": {"on": False}}}, format="json"
    )
    assert off.status_code == 400
    assert off.json()["fields"] == {"reminders.pt_alert.on": [str(services.ERR_ALWAYS_ON)]}
    not_hers = api.patch("/api/v1/me/preferences/", {"lead_minutes": 30}, format="json")
    assert not_hers.status_code == 400
    assert not_hers.json()["fields"] == {"lead_minutes": [str(ERR_NOT_YOUR_REMINDER)]}
    prefs.refresh_from_db()
    assert prefs.pt_alert is True


def test_preferences_need_a_log_in():
    assert APIClient().get("/api/v1/me/preferences/").status_code == 401


# --- deleting her account: GET, POST and DELETE /me/delete/ ------------------------------------


def _day(moment) -> str:
    """A date as the web's message writes it (her time zone, Madrid, is the same day as UTC)."""
    return date_format(moment.astimezone(ZoneInfo("Europe/Madrid")), "DATE_FORMAT")


def test_she_asks_with_her_password_her_pt_is_told_and_the_app_is_signed_out(version):
    pt = PTFactory()
    her = _enrolled(version, pt=pt)
    api = token_api(her)
    assert api.get("/api/v1/me/delete/").json() == {"deletion_due": None, "grace_days": 7}

    response = api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")

    assert response.status_code == 202, response.content
    her.refresh_from_db()
    due = her.deletion_requested_at + services.GRACE
    assert services.purge_due(her) == due
    body = response.json()
    assert dt.datetime.fromisoformat(body["deletion_due"]) == due
    assert body["detail"] == str(DELETION_ASKED) % {"due": _day(due)}
    # Her PT is told in the app, as when she asks on the web.
    assert Notification.objects.filter(
        recipient=pt, about_client=her, kind=Notification.Kind.ACCOUNT_DELETION
    ).exists()
    # Every token of hers is revoked: the app is signed out and cannot sign in again.
    assert not ApiToken.objects.filter(user=her).exists()
    assert api.get("/api/v1/me/delete/").status_code == 401


def test_a_wrong_password_is_refused_next_to_the_field_and_schedules_nothing(version):
    pt = PTFactory()
    her = _enrolled(version, pt=pt)
    api = token_api(her)
    key = str(uuid.uuid4())

    response = api.post(
        "/api/v1/me/delete/",
        {"password": "not-hers"},
        format="json",
        headers={"Idempotency-Key": key},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"password": [str(ERR_WRONG_PASSWORD)]}
    her.refresh_from_db()
    assert her.deletion_requested_at is None
    assert ApiToken.objects.filter(user=her).exists()
    assert not Notification.objects.filter(recipient=pt).exists()
    # The refusal left the key free: the corrected request goes through with it.
    right = api.post(
        "/api/v1/me/delete/",
        {"password": PASSWORD},
        format="json",
        headers={"Idempotency-Key": key},
    )
    assert right.status_code == 202


def test_wrong_passwords_spend_the_log_in_limits_then_even_hers_waits(version):
    her = _enrolled(version)
    api = api_for(her)
    for _attempt in range(5):
        wrong = api.post("/api/v1/me/delete/", {"password": "guess"}, format="json")
        assert wrong.status_code == 400

    response = api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    her.refresh_from_db()
    assert her.deletion_requested_at is None


@pytest.mark.parametrize("body", [{}, {"password": PASSWORD, "confirm": "DELETE"}])
def test_a_request_without_the_password_or_with_more_is_refused(version, body):
    her = _enrolled(version)

    response = api_for(her).post("/api/v1/me/delete/", body, format="json")

    assert response.status_code == 400
    her.refresh_from_db()
    assert her.deletion_requested_at is None


def test_asking_again_keeps_the_first_date_and_cancelling_keeps_everything(version, time_machine):
    pt = PTFactory()
    her = _enrolled(version, pt=pt)
    api = api_for(her)  # the web session: a token no longer works once she has asked
    first = api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json").json()
    time_machine.move_to(WEDNESDAY_MORNING + dt.timedelta(days=2))

    again = api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")

    assert again.status_code == 200
    assert again.json()["deletion_due"] == first["deletion_due"]
    due = dt.datetime.fromisoformat(first["deletion_due"])
    assert again.json()["detail"] == str(DELETION_ALREADY_ASKED) % {"due": _day(due)}
    assert api.get("/api/v1/me/delete/").json()["deletion_due"] == first["deletion_due"]

    cancelled = api.delete("/api/v1/me/delete/")
    assert cancelled.status_code == 204
    her.refresh_from_db()
    assert her.deletion_requested_at is None
    assert User.objects.filter(pk=her.pk).exists()
    assert api.get("/api/v1/me/delete/").json()["deletion_due"] is None
    titles = list(
        Notification.objects.filter(recipient=pt, about_client=her)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert len(titles) == 2 and "cancelled the deletion" in titles[1]
    # Nothing pending: DELETE still answers 204 and tells nobody.
    assert api.delete("/api/v1/me/delete/").status_code == 204
    assert Notification.objects.filter(recipient=pt, about_client=her).count() == 2


def test_the_api_and_the_web_schedule_the_same_deletion(version, client):
    by_web, by_api = _enrolled(version), _enrolled(version)
    client.force_login(by_web)
    client.post(reverse("tracker:delete_account"), {"confirm": "DELETE"})
    api_for(by_api).post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")

    by_web.refresh_from_db()
    by_api.refresh_from_db()
    assert by_web.deletion_requested_at is not None and by_api.deletion_requested_at is not None
    assert abs(by_web.deletion_due - by_api.deletion_due) < dt.timedelta(minutes=1)
    # She can cancel it on the web.
    client.force_login(by_api)
    client.post(reverse("tracker:delete_account"), {"cancel": "1"})
    by_api.refresh_from_db()
    assert by_api.deletion_requested_at is None


def test_only_a_client_deletes_her_account_here(version):
    pt = PTFactory()
    _enrolled(version, pt=pt)
    api = api_for(pt)

    assert api.get("/api/v1/me/delete/").status_code == 404
    assert api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json").status_code == 404
    assert api.delete("/api/v1/me/delete/").status_code == 404
    pt.refresh_from_db()
    assert pt.deletion_requested_at is None
