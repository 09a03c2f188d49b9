"""Web Push as a reminder channel (issue 17), without a worker (the worker's test is
tests/integration/test_push_worker.py; the API's is tests/api/test_push_api.py).

A local HTTP server on 127.0.0.1 stands in for the browser vendor's push service: it records
what it receives and answers what the test asks. The test plays the browser too: it makes the
subscription's P-256 key pair and 16-byte auth secret, and decrypts the message with them
(RFC 8291, aes128gcm), so what is asserted is what a phone would show.

The helpers here (`Device`, `running_push_service`, `turn_push_on`) are imported by the API
and worker tests."""

import base64
import datetime as dt
import io
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services
from tracker.management.commands.generate_vapid_keys import vapid_key_pair
from tracker.models import (
    Delivery,
    Notification,
    NotificationSettings,
    PushSubscription,
    ReminderKind,
)
from tracker.reminders import webpush
from tracker.reminders.delivery import delivery_send
from tracker.reminders.dispatch import reminders_dispatch
from tracker.reminders.timing import local_datetime, to_utc
from tracker.services.preferences import ERR_PUSH_OFF

NOW = dt.datetime(2027, 3, 24, 3, 0, tzinfo=dt.UTC)  # Wednesday 04:00 in Madrid
TODAY = NOW.date()
MADRID = "Europe/Madrid"
SUBJECT = "mailto:push-test@prenafit.test"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36"
)
# One key pair for the module, made by the management command's own function.
VAPID_PUBLIC, VAPID_PRIVATE = vapid_key_pair()

pytestmark = [pytest.mark.django_db, pin(NOW), pytest.mark.usefixtures("no_broker")]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the stand-ins: a push service and a browser ------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict  # names in lower case
    body: bytes


@dataclass
class PushService:
    """A push service on 127.0.0.1: records each message; answers `answers[path]` (201)."""

    base: str = ""
    received: list = field(default_factory=list)
    answers: dict = field(default_factory=dict)

    def endpoint(self, name: str) -> str:
        return f"{self.base}/push/{name}"

    def to(self, endpoint: str) -> list:
        path = endpoint.removeprefix(self.base)
        return [r for r in self.received if r.path == path]


def _handler(service: PushService):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            service.received.append(Received(self.path, headers, body))
            self.send_response(service.answers.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def running_push_service():
    service = PushService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    service.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


def turn_push_on(settings):
    """The server has VAPID keys: push is offered (`settings`: pytest-django's fixture)."""
    settings.VAPID_PUBLIC_KEY = VAPID_PUBLIC
    settings.VAPID_PRIVATE_KEY = VAPID_PRIVATE
    settings.VAPID_SUBJECT = SUBJECT
    return settings


@pytest.fixture
def push_service():
    with running_push_service() as service:
        yield service


@pytest.fixture
def push_on(settings):
    return turn_push_on(settings)


class Device:
    """A browser's side of a subscription: its key pair and auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def to_json(self, endpoint: str) -> dict:
        """What `PushSubscription.toJSON()` gives."""
        return {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }

    def subscribe(self, user, endpoint: str) -> PushSubscription:
        return services.push_subscribe(
            user=user,
            endpoint=endpoint,
            p256dh=self.p256dh,
            auth=b64url(self.auth),
            user_agent=ANDROID_CHROME,
        )

    def decrypt(self, received: Received) -> dict:
        plain = http_ece.decrypt(
            received.body,
            private_key=self.private_key,
            auth_secret=self.auth,
            version="aes128gcm",
        )
        return json.loads(plain)


def vapid_claims(authorization: str, public_key: str = VAPID_PUBLIC) -> dict:
    """The VAPID header's JWT, its ES256 signature checked with the server's public key."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == public_key
    header, claims, signature = parts["t"].split(".")
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    public.verify(
        encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
        f"{header}.{claims}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )  # raises if the server's private key did not sign it
    assert json.loads(unb64url(header))["alg"] == "ES256"
    return json.loads(unb64url(claims))


def assert_a_proper_push(service: PushService, received: Received) -> None:
    assert received.headers["content-encoding"] == "aes128gcm"
    assert int(received.headers["ttl"]) > 0
    claims = vapid_claims(received.headers["authorization"])
    assert claims["aud"] == service.base  # the push service's origin
    assert claims["sub"] == SUBJECT
    assert claims["exp"] > timezone.now().timestamp()


# --- the people ---------------------------------------------------------------------------------


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def madrid_client(version, *, pt=None, **prefs):
    user = ClientFactory(time_zone=MADRID, full_name="Zelda Quux")
    enrolment = enrolled_client(today=TODAY, client=user, version=version, pt=pt)
    enrolment.start_time = dt.time(7, 0)
    enrolment.time_zone = MADRID
    enrolment.save()
    enrolment.sessions.update(start_time=dt.time(7, 0))
    if prefs:
        NotificationSettings.objects.update_or_create(user=user, defaults=prefs)
    return user


def next_session(user):
    return user.scheduled_sessions.filter(date__gt=TODAY).order_by("date").first()


def reminder_due(user):
    """Her next session's reminder: 06:00 in Madrid, an hour before the 07:00 session."""
    return to_utc(local_datetime(next_session(user).date, dt.time(6, 0), MADRID))


def rows_of(user, kind=ReminderKind.SESSION_UPCOMING):
    return Delivery.objects.filter(recipient=user, kind=kind).order_by("channel")


# --- generate_vapid_keys --------------------------------------------------------------------


def test_generate_vapid_keys_prints_a_pair_that_signs_headers_pywebpush_sends():
    out = io.StringIO()
    call_command("generate_vapid_keys", stdout=out)

    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert set(lines) == {"VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"}
    public = unb64url(lines["VAPID_PUBLIC_KEY"])
    assert len(public) == 65 and public[0] == 0x04  # what PushManager.subscribe takes
    assert "=" not in lines["VAPID_PUBLIC_KEY"]
    # pywebpush reads the private key with Vapid.from_string: it signs a header whose key is
    # the printed public key, and the signature checks out.
    vapid = Vapid.from_string(private_key=lines["VAPID_PRIVATE_KEY"])
    header = vapid.sign({"sub": SUBJECT, "aud": "https://push.example.test"})
    claims = vapid_claims(header["Authorization"], public_key=lines["VAPID_PUBLIC_KEY"])
    assert claims["aud"] == "https://push.example.test"


# --- a reminder by push ---------------------------------------------------------------------------


def test_a_session_reminder_reaches_her_phone_encrypted_with_no_name_or_health_data(
    version, push_on, push_service
):
    user = madrid_client(version, session_upcoming_push=True)
    device = Device()
    subscription = device.subscribe(user, push_service.endpoint("her-phone"))
    due = reminder_due(user)

    reminders_dispatch(now=due + dt.timedelta(minutes=2))

    main, push = rows_of(user)  # "email" sorts before "push"
    assert (main.channel, push.channel) == ("email", "push")
    assert delivery_send(main.pk, now=due + dt.timedelta(minutes=3)) == "sent"
    assert delivery_send(push.pk, now=due + dt.timedelta(minutes=3)) == "sent"

    (received,) = push_service.to(subscription.endpoint)
    assert_a_proper_push(push_service, received)
    payload = device.decrypt(received)
    assert payload == {
        "title": "Your session starts soon",
        "body": "Open Prenafit to see the time and get ready.",
        "url": reverse("tracker:session", args=[next_session(user).pk]),
        "tag": f"prenafit-session_upcoming-session:{next_session(user).pk}",
    }
    text = json.dumps(payload)
    for secret in (user.full_name, "Zelda", user.email):
        assert secret not in text
    # One in-app notice and one e-mail for the message: the push row adds neither.
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None
    push.refresh_from_db()
    assert push.status == "sent"


def test_an_urgent_alert_reaches_her_pts_phone_naming_nobody_and_no_sign(
    version, push_on, push_service
):
    pt = PTFactory(time_zone=MADRID)
    NotificationSettings.objects.create(user=pt, pt_alert_push=True)
    device = Device()
    device.subscribe(pt, push_service.endpoint("pt-phone"))
    user = madrid_client(version, pt=pt)

    result = services.hold_open(
        client=user, signs=["vaginal_bleeding"], by=user, alert_kind="warning_sign"
    )

    rows = Delivery.objects.filter(kind=ReminderKind.PT_ALERT, recipient=pt).order_by("channel")
    assert [r.channel for r in rows] == ["email", "push"]
    assert delivery_send(rows[1].pk, now=timezone.now()) == "sent"
    (received,) = push_service.received
    assert received.headers.get("urgency") == "high"
    payload = device.decrypt(received)
    assert payload["title"] == "An urgent alert about a client"
    assert payload["url"] == reverse("tracker:pt_client", args=[user.pk])
    text = json.dumps(payload).lower()
    for secret in ("zelda", "quux", user.email, "bleeding", "vaginal", "warning"):
        assert secret.lower() not in text
    # The PT's in-app notice still names her and the sign; the push made no second notice.
    (notice,) = Notification.objects.filter(recipient=pt)
    assert "Vaginal bleeding" in notice.title and notice.alert_id == result.alert.pk


def test_an_alert_without_push_makes_one_delivery_as_before(version, push_on):
    pt = PTFactory()
    NotificationSettings.objects.create(user=pt, pt_alert_push=True)  # but no device
    user = madrid_client(version, pt=pt)

    services.hold_open(client=user, signs=["chest_pain"], by=user, alert_kind="warning_sign")

    assert list(Delivery.objects.filter(recipient=pt).values_list("channel", flat=True)) == [
        "email"
    ]


def test_a_gone_device_is_removed_and_the_others_still_get_it(version, push_on, push_service):
    user = madrid_client(version, session_upcoming_push=True)
    old, new = Device(), Device()
    gone = old.subscribe(user, push_service.endpoint("old-phone"))
    kept = new.subscribe(user, push_service.endpoint("new-phone"))
    push_service.answers["/push/old-phone"] = 410
    due = reminder_due(user)
    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    push = rows_of(user).get(channel="push")

    assert delivery_send(push.pk, now=due + dt.timedelta(minutes=3)) == "sent"

    assert not PushSubscription.objects.filter(pk=gone.pk).exists()
    assert list(PushSubscription.objects.filter(user=user)) == [kept]
    assert len(push_service.to(kept.endpoint)) == 1


def test_when_every_device_has_gone_the_push_is_skipped_and_nothing_fails(
    version, push_on, push_service
):
    user = madrid_client(version, session_upcoming_push=True)
    subscription = Device().subscribe(user, push_service.endpoint("lost-phone"))
    push_service.answers["/push/lost-phone"] = 404
    due = reminder_due(user)
    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    push = rows_of(user).get(channel="push")

    assert delivery_send(push.pk, now=due + dt.timedelta(minutes=3)) == "skipped"

    push.refresh_from_db()
    assert push.skip_reason == webpush.SKIP_ALL_GONE and push.last_error == ""
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_push_service_error_keeps_the_device_and_the_delivery_is_retried(
    version, push_on, push_service
):
    user = madrid_client(version, session_upcoming_push=True)
    subscription = Device().subscribe(user, push_service.endpoint("her-phone"))
    push_service.answers["/push/her-phone"] = 500
    due = reminder_due(user)
    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    push = rows_of(user).get(channel="push")

    with pytest.raises(WebPushException):  # the task retries it with backoff
        delivery_send(push.pk, now=due + dt.timedelta(minutes=3))

    push.refresh_from_db()
    assert push.status == "pending" and "500" in push.last_error
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert not Notification.objects.filter(kind="delivery_failed").exists()  # only e-mails'
    # The push service is back: the retry sends it, once.
    push_service.answers.clear()
    assert delivery_send(push.pk, now=due + dt.timedelta(minutes=5)) == "sent"
    assert len(push_service.to(subscription.endpoint)) == 2  # the failed try and the retry


# --- the dispatcher: a push row beside the main row, once --------------------------------------


def test_with_push_on_and_a_device_two_passes_make_one_push_row_beside_the_main_row(
    version, push_on, push_service, no_broker
):
    user = madrid_client(version, session_upcoming_push=True)
    Device().subscribe(user, push_service.endpoint("her-phone"))
    due = reminder_due(user)

    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    reminders_dispatch(now=due + dt.timedelta(minutes=7))

    rows = list(rows_of(user))
    assert [r.channel for r in rows] == ["email", "push"]
    assert {(r.object_key, r.due_at) for r in rows} == {(rows[0].object_key, due)}
    assert [no_broker.count(r.pk) for r in rows] == [1, 1]  # each enqueued once


def test_switching_e_mail_off_between_passes_never_makes_a_second_main_row(version):
    user = madrid_client(version)
    due = reminder_due(user)
    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    NotificationSettings.objects.create(user=user, session_upcoming_channel="in_app")

    reminders_dispatch(now=due + dt.timedelta(minutes=7))

    (row,) = rows_of(user)
    assert row.channel == "email"  # as it was when the row was made
    assert delivery_send(row.pk, now=due + dt.timedelta(minutes=8)) == "sent"
    row.refresh_from_db()
    assert row.channel == "in_app" and mail.outbox == []  # her setting when it went out


@pytest.mark.parametrize(
    ("wants_push", "has_device", "keys"),
    [(False, True, True), (True, False, True), (True, True, False)],
    ids=["push-off", "no-device", "no-vapid-keys"],
)
def test_without_push_on_a_device_and_keys_there_is_no_push_row(
    version, push_on, push_service, wants_push, has_device, keys
):
    user = madrid_client(version, session_upcoming_push=wants_push)
    if has_device:
        Device().subscribe(user, push_service.endpoint("her-phone"))
    if not keys:
        push_on.VAPID_PRIVATE_KEY = ""
    due = reminder_due(user)

    reminders_dispatch(now=due + dt.timedelta(minutes=2))

    assert [r.channel for r in rows_of(user)] == ["email"]


def test_a_held_clients_queued_push_is_dropped_at_sending(version, push_on, push_service):
    user = madrid_client(version, session_upcoming_push=True)
    Device().subscribe(user, push_service.endpoint("her-phone"))
    due = reminder_due(user)
    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    services.hold_open(client=user, signs=["dizziness"], by=user, alert_kind="warning_sign")

    for row in rows_of(user):
        assert delivery_send(row.pk, now=due + dt.timedelta(minutes=3)) == "skipped"

    push = rows_of(user).get(channel="push")
    assert "not active" in push.skip_reason
    assert push_service.received == []


def test_a_push_she_turned_off_after_it_was_queued_is_dropped(version, push_on, push_service):
    user = madrid_client(version, session_upcoming_push=True)
    Device().subscribe(user, push_service.endpoint("her-phone"))
    due = reminder_due(user)
    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    services.notification_settings_update(user=user, session_upcoming_push=False)

    push = rows_of(user).get(channel="push")
    assert delivery_send(push.pk, now=due + dt.timedelta(minutes=3)) == "skipped"

    push.refresh_from_db()
    assert push.skip_reason == webpush.SKIP_NOT_WANTED
    assert push_service.received == []


def test_always_on_kinds_follow_their_channels_push_setting():
    prefs = NotificationSettings(assessment_due_push=True, pt_alert_push=False)
    assert prefs.push(ReminderKind.RESCREEN_DUE) is True  # the pain check-ins' channels
    assert prefs.push(ReminderKind.PT_ALERT) is False
    assert NotificationSettings(pt_alert_push=True).push(ReminderKind.PT_ALERT) is True
    assert prefs.push(ReminderKind.ADMIN_ESCALATION) is False  # never by push


# --- the reminder settings page -----------------------------------------------------------------


def test_the_settings_page_offers_push_only_when_the_server_has_keys(client, settings):
    user = ClientFactory()
    client.force_login(user)
    url = reverse("tracker:notification_settings")

    page = client.get(url).content.decode()
    assert "session_upcoming_push" not in page and "data-push-subscribe" not in page
    assert "js/push.js" not in page

    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = VAPID_PUBLIC, VAPID_PRIVATE
    page = client.get(url).content.decode()
    for name in ("session_upcoming_push", "session_missed_push", "assessment_due_push"):
        assert f'name="{name}"' in page
    assert 'name="pt_alert_push"' not in page  # a PT's
    assert f'data-vapid-key="{VAPID_PUBLIC}"' in page
    assert "Turn on notifications on this phone" in page
    assert "No device gets notifications yet" in page  # the empty state
    assert "js/push.js" in page


def test_she_turns_push_on_for_a_kind_on_the_page(client, push_on):
    user = ClientFactory()
    client.force_login(user)
    data = {
        "session_upcoming": "on",
        "session_upcoming_channel": "email",
        "session_upcoming_push": "on",
        "session_mode": "before",
        "session_lead_minutes": "60",
        "digest_time": "07:30",
        "session_missed": "on",
        "session_missed_channel": "in_app",
        "assessment_due": "on",
        "assessment_due_channel": "email",
    }

    response = client.post(reverse("tracker:notification_settings"), data)

    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(user=user)
    assert prefs.push(ReminderKind.SESSION_UPCOMING)
    assert not prefs.push(ReminderKind.SESSION_MISSED)


def test_her_devices_are_listed_and_she_removes_one(client, push_on, push_service):
    user = ClientFactory()
    phone = Device().subscribe(user, push_service.endpoint("her-phone"))
    client.force_login(user)

    page = client.get(reverse("tracker:notification_settings")).content.decode()
    assert "Chrome on Android" in page and "no notification yet" in page
    assert reverse("tracker:push_remove", args=[phone.pk]) in page

    response = client.post(reverse("tracker:push_remove", args=[phone.pk]), follow=True)

    assert not PushSubscription.objects.filter(pk=phone.pk).exists()
    assert "That device will get no more notifications from Prenafit." in response.content.decode()


@pytest.mark.parametrize("intruder", ["client", "pt"])
def test_nobody_removes_someone_elses_device(client, push_on, push_service, intruder):
    owner = ClientFactory()
    phone = Device().subscribe(owner, push_service.endpoint("her-phone"))
    client.force_login(ClientFactory() if intruder == "client" else PTFactory())

    response = client.post(reverse("tracker:push_remove", args=[phone.pk]))

    assert response.status_code == 404
    assert PushSubscription.objects.filter(pk=phone.pk, user=owner).exists()


def test_the_test_button_sends_to_each_device_and_says_how_many(client, push_on, push_service):
    user = ClientFactory()
    client.force_login(user)
    url = reverse("tracker:push_test")

    none = client.post(url, follow=True).content.decode()
    assert "No device is set up yet." in none

    device = Device()
    device.subscribe(user, push_service.endpoint("her-phone"))
    Device().subscribe(user, push_service.endpoint("gone-phone"))
    push_service.answers["/push/gone-phone"] = 410
    sent = client.post(url, follow=True).content.decode()

    assert "Sent to 1 device." in sent
    received = push_service.to(push_service.endpoint("her-phone"))
    assert device.decrypt(received[0])["title"] == "Test notification from Prenafit"
    assert PushSubscription.objects.filter(user=user).count() == 1  # the gone one removed


def test_push_cannot_be_turned_on_while_the_server_has_no_keys():
    user = ClientFactory()

    with pytest.raises(ValidationError) as caught:
        services.notification_settings_update(user=user, session_upcoming_push=True)

    assert caught.value.message_dict == {"session_upcoming_push": [str(ERR_PUSH_OFF)]}
    services.notification_settings_update(user=user, session_upcoming_push=False)  # off is fine


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (ANDROID_CHROME, "Chrome on Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
            "Firefox on Linux",
        ),
        ("curl/8.5.0", ""),
    ],
)
def test_a_device_is_named_by_a_short_label_never_its_user_agent(user_agent, label):
    assert services.push.browser_label(user_agent) == label
