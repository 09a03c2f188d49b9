"""Her devices for push notifications through the API (issue 17): set up with the browser's
`PushSubscription.toJSON()`, listed, removed, tested; one row per device; refused with the one
error shape when a key is wrong or the server offers no push. And the reminder preferences'
`"push"` channel and `vapid_public_key`."""

import uuid

import pytest
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory
from tests.tracker.test_push import (
    ANDROID_CHROME,
    VAPID_PUBLIC,
    Device,
    running_push_service,
    turn_push_on,
)
from tracker.models import NotificationSettings, PushSubscription, ReminderKind
from tracker.services.push import ERR_AUTH, ERR_ENDPOINT, ERR_P256DH, ERR_PUSH_UNAVAILABLE

pytestmark = [pytest.mark.django_db, pin()]

URL = "/api/v1/me/push-subscriptions/"


@pytest.fixture
def push_on(settings):
    return turn_push_on(settings)


@pytest.fixture
def push_service():
    with running_push_service() as service:
        yield service


def api_for(user) -> APIClient:
    api = APIClient(headers={"User-Agent": ANDROID_CHROME})
    api.force_authenticate(user)
    return api


def subscribe(api, body, key=None):
    return api.post(URL, body, format="json", headers={"Idempotency-Key": key or str(uuid.uuid4())})


@pytest.mark.parametrize("role", ["client", "pt"])
def test_she_sets_up_her_phone_and_sees_it_listed(push_on, role):
    user = ClientFactory() if role == "client" else PTFactory()
    api = api_for(user)
    device = Device()

    response = subscribe(api, device.to_json("https://push.example.test/send/abc"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["browser"] == "Chrome on Android" and body["last_success_at"] is None
    assert set(body) == {"id", "endpoint", "browser", "created_at", "last_success_at"}
    (row,) = PushSubscription.objects.filter(user=user)
    assert (row.pk, row.p256dh) == (body["id"], device.p256dh)
    assert api.get(URL).json() == [body]


def test_the_same_device_again_updates_its_row_and_a_shared_phone_moves_to_its_new_user(
    push_on,
):
    her, partner = ClientFactory(), ClientFactory()
    endpoint = "https://push.example.test/send/shared-phone"
    first = subscribe(api_for(her), Device().to_json(endpoint)).json()

    renewed = Device()
    again = subscribe(api_for(her), renewed.to_json(endpoint))
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert PushSubscription.objects.get().p256dh == renewed.p256dh

    taken = subscribe(api_for(partner), Device().to_json(endpoint))
    assert taken.status_code == 201 and taken.json()["id"] == first["id"]
    (row,) = PushSubscription.objects.all()
    assert row.user == partner
    assert api_for(her).get(URL).json() == []


def test_she_removes_her_own_device_and_nobody_else_can(push_on):
    her = ClientFactory()
    device_id = subscribe(api_for(her), Device().to_json("https://push.example.test/a")).json()[
        "id"
    ]

    for other in (ClientFactory(), PTFactory()):
        refused = api_for(other).delete(f"{URL}{device_id}/")
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert PushSubscription.objects.filter(pk=device_id).exists()

    assert api_for(her).delete(f"{URL}{device_id}/").status_code == 204
    assert not PushSubscription.objects.exists()


def test_wrong_keys_and_a_plain_http_address_are_refused_next_to_their_fields(push_on):
    api = api_for(ClientFactory())
    body = Device().to_json("http://push.example.test/send/abc")
    body["keys"] = {"p256dh": "A" * 87, "auth": "c2hvcnQ"}  # 65 bytes not on the curve; 5 bytes

    response = subscribe(api, body)

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields == {
        "endpoint": [str(ERR_ENDPOINT)],
        "keys.p256dh": [str(ERR_P256DH)],
        "keys.auth": [str(ERR_AUTH)],
    }
    assert not PushSubscription.objects.exists()


def test_an_unknown_field_is_refused_and_expiration_time_is_taken(push_on):
    api = api_for(ClientFactory())
    body = Device().to_json("https://push.example.test/send/abc") | {"expirationTime": 1.5e12}
    assert subscribe(api, body).status_code == 201

    extra = subscribe(api, body | {"endpoint": "https://push.example.test/b", "topic": "x"})
    assert extra.status_code == 400 and "topic" in extra.json()["fields"]


def test_without_vapid_keys_the_writes_say_push_is_not_offered():
    api = api_for(ClientFactory())

    for response in (
        subscribe(api, Device().to_json("https://push.example.test/send/abc")),
        api.post(f"{URL}test/", format="json"),
    ):
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "push_unavailable" and body["detail"] == str(ERR_PUSH_UNAVAILABLE)
    assert not PushSubscription.objects.exists()
    assert api.get(URL).json() == []


def test_the_test_notification_reaches_each_device_once_per_key(push_on, push_service):
    user = PTFactory()
    api = api_for(user)
    device = Device()
    subscribe(api, device.to_json(push_service.endpoint("pt-phone")))
    key = str(uuid.uuid4())

    first = api.post(f"{URL}test/", format="json", headers={"Idempotency-Key": key})
    again = api.post(f"{URL}test/", format="json", headers={"Idempotency-Key": key})

    assert first.status_code == 200 and first.json() == {"sent": 1}
    assert again.json() == {"sent": 1} and again["Idempotent-Replayed"] == "true"
    (received,) = push_service.received  # the replay sent nothing
    assert device.decrypt(received)["title"] == "Test notification from Prenafit"
    assert api.get(URL).json()[0]["last_success_at"] is not None


# --- the reminder preferences' "push" channel -------------------------------------------------


def test_preferences_offer_push_and_the_key_only_when_the_server_has_keys(settings):
    her = ClientFactory()
    api = api_for(her)

    without = api.get("/api/v1/me/preferences/").json()
    assert without["vapid_public_key"] is None
    refused = api.patch(
        "/api/v1/me/preferences/",
        {"reminders": {"session_upcoming": {"channels": ["email", "push"]}}},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "reminders.session_upcoming.channels.1": ['"push" is not a valid choice.']
    }

    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = VAPID_PUBLIC, "a-private-key"
    assert api.get("/api/v1/me/preferences/").json()["vapid_public_key"] == VAPID_PUBLIC
    changed = api.patch(
        "/api/v1/me/preferences/",
        {
            "reminders": {
                "session_upcoming": {"channels": ["email", "push"]},
                "assessment_due": {"channels": ["push"]},
            }
        },
        format="json",
    )

    assert changed.status_code == 200, changed.content
    reminders = changed.json()["reminders"]
    assert reminders["session_upcoming"]["channels"] == ["email", "in_app", "push"]
    assert reminders["assessment_due"]["channels"] == ["in_app", "push"]
    assert reminders["rescreen_due"]["channels"] == ["in_app", "push"]  # follows check-ins
    assert reminders["session_missed"]["channels"] == ["email", "in_app"]
    prefs = NotificationSettings.objects.get(user=her)
    assert prefs.push(ReminderKind.SESSION_UPCOMING) and prefs.push(ReminderKind.RESCREEN_DUE)
    assert prefs.channel(ReminderKind.ASSESSMENT_DUE) == "in_app"

    off = api.patch(
        "/api/v1/me/preferences/",
        {"reminders": {"session_upcoming": {"channels": ["email"]}}},
        format="json",
    )
    assert off.json()["reminders"]["session_upcoming"]["channels"] == ["email", "in_app"]
    assert not NotificationSettings.objects.get(user=her).session_upcoming_push


def test_a_pt_turns_push_on_for_urgent_alerts(push_on):
    pt = PTFactory()

    response = api_for(pt).patch(
        "/api/v1/me/preferences/",
        {"reminders": {"pt_alert": {"channels": ["email", "push"]}}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["reminders"]["pt_alert"]["channels"] == ["email", "in_app", "push"]
    assert NotificationSettings.objects.get(user=pt).push(ReminderKind.PT_ALERT)
