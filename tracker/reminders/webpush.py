"""Web Push (issue 17): a reminder as a notification on her phone, beside e-mail and in-app.

A push message is its own Delivery row (channel "push") next to the message's main row, so it
is claimed, re-checked, sent and retried like any other (tracker/reminders/delivery.py). It is
encrypted for each of her devices (RFC 8291, aes128gcm) and signed with the server's VAPID key
(RFC 8292) by pywebpush. Like the e-mail's subject, it carries no name and no health data: a
fixed sentence per kind and the same-origin page the in-app notice opens, behind log-in.

A push service answering 404 or 410 says the device has gone (uninstalled, unsubscribed): its
subscription is deleted, and that is not a failure. Any other refusal fails the delivery, which
the task retries; a device that already got it then shows the retry in place of the first
notification (same `tag`)."""

import json
import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..models import Delivery, PushSubscription, ReminderKind

logger = logging.getLogger(__name__)

GONE = frozenset({404, 410})  # the push service forgot this device: delete its subscription
TIMEOUT = 10  # seconds for the push service to answer
# How long a push service keeps a message for a phone that is off; after that it is dropped
# (the in-app notice stays). An upcoming session's reminder is worthless once it has started.
TTL = {
    ReminderKind.SESSION_UPCOMING: 3 * 3600,
    ReminderKind.PT_ALERT: 24 * 3600,
}
DEFAULT_TTL = 12 * 3600
URGENT = frozenset({ReminderKind.PT_ALERT, ReminderKind.ADMIN_ESCALATION})

# What the notification says: fixed words per kind, no name, no sign, no score (the e-mail's rule).
TEXTS = {
    ReminderKind.SESSION_UPCOMING: (
        _("Your session starts soon"),
        _("Open Prenafit to see the time and get ready."),
    ),
    ReminderKind.SESSION_MISSED: (
        _("Did you do yesterday's session?"),
        _("Log it in Prenafit, or move it to another day."),
    ),
    ReminderKind.ASSESSMENT_DUE: (
        _("Your check-in is due"),
        _("It takes a few minutes in Prenafit."),
    ),
    ReminderKind.RESCREEN_DUE: (
        _("A few safety questions are waiting for you"),
        _("Answer them in Prenafit before your next session."),
    ),
    ReminderKind.PT_ALERT: (
        _("An urgent alert about a client"),
        _("Open Prenafit to see who and why."),
    ),
    ReminderKind.PT_DIGEST: (
        _("Your weekly digest is ready"),
        _("Open Prenafit to see how your clients are doing."),
    ),
    ReminderKind.ADMIN_ESCALATION: (
        _("An urgent alert was not acknowledged"),
        _("Open Prenafit to follow it up."),
    ),
}
SESSIONS_TODAY = _("You have a Prenafit session today")  # the morning digest of session days
TEST_TITLE = _("Test notification from Prenafit")
TEST_BODY = _("Notifications from Prenafit reach this device.")

SKIP_UNAVAILABLE = "push is not configured on the server"
SKIP_NOT_WANTED = "the recipient turned push off for this kind"
SKIP_NO_DEVICE = "no device is set up for push"
SKIP_ALL_GONE = "every device had gone (their subscriptions were removed)"


def push_available() -> bool:
    """Whether the server can send push messages: both VAPID keys are set."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def send(subscription: PushSubscription, payload: dict, *, ttl: int, urgent=False) -> bool:
    """Send one message to one device. True when the push service took it (the subscription's
    `last_success_at` is set); False when it says the device has gone (the subscription is
    deleted). Any other refusal or a network error is raised."""
    from pywebpush import WebPushException, webpush

    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},  # a new dict: webpush adds aud, exp
            ttl=ttl,
            content_encoding="aes128gcm",
            timeout=TIMEOUT,
            headers={"Urgency": "high"} if urgent else None,
        )
    except WebPushException as exc:
        if exc.status_code in GONE:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("push subscription %s gone (%s): removed", subscription.pk, exc.status_code)
            return False
        raise
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
    return True


def payload_for(delivery: Delivery) -> dict:
    """The notification: a fixed title and line in her language, the page her in-app notice
    opens (a same-origin path), and a tag so a retried message replaces the first."""
    from .delivery import _base_url, compose

    url = compose(delivery).url.removeprefix(_base_url()) or "/"
    title, body = TEXTS[delivery.kind]
    if delivery.kind == ReminderKind.SESSION_UPCOMING and delivery.object_key.startswith("day:"):
        title = SESSIONS_TODAY
    with translation.override(delivery.recipient.language or None):
        return {
            "title": str(title),
            "body": str(body),
            "url": url,
            "tag": f"prenafit-{delivery.kind}-{delivery.object_key}",
        }


def test_payload(user) -> dict:
    from django.urls import reverse

    with translation.override(user.language or None):
        return {
            "title": str(TEST_TITLE),
            "body": str(TEST_BODY),
            "url": reverse("tracker:notification_settings"),
            "tag": "prenafit-test",
        }


def push_problem(delivery: Delivery, prefs) -> str | None:
    """Why a push row should not go out (besides the checks every row has), or None."""
    if not push_available():
        return SKIP_UNAVAILABLE
    if not prefs.push(delivery.kind):
        return SKIP_NOT_WANTED
    if not PushSubscription.objects.filter(user_id=delivery.recipient_id).exists():
        return SKIP_NO_DEVICE
    return None


def push_delivery_send(delivery: Delivery) -> str | None:
    """Send a push row to every device of hers. None when at least one device took it; the
    reason to skip it when every device had gone. Raises the first other refusal once every
    device was tried (the delivery is then retried)."""
    payload = payload_for(delivery)
    ttl = TTL.get(delivery.kind, DEFAULT_TTL)
    delivered, error = 0, None
    for subscription in PushSubscription.objects.filter(user_id=delivery.recipient_id):
        try:
            delivered += send(subscription, payload, ttl=ttl, urgent=delivery.kind in URGENT)
        except Exception as exc:  # noqa: BLE001 - the other devices still get theirs
            logger.warning(
                "push to subscription %s failed: %s", subscription.pk, type(exc).__name__
            )
            error = error or exc
    if error is not None:
        raise error
    return None if delivered else SKIP_ALL_GONE
