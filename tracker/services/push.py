"""Her devices for Web Push (issue 17): set one up, remove one, send a test. The API
(tracker/api/push.py) and the reminder settings page (tracker/views/notifications.py) call
these. Reminders themselves go out through the delivery task (tracker/reminders/webpush.py).

A device is the browser's push subscription: the push service's endpoint for it and the keys
the message is encrypted with (RFC 8291). One row per endpoint: the same phone subscribing
again updates its row, and a phone another person used before moves to whoever turned
notifications on last (a shared phone)."""

import base64
import binascii
import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from users.models import User

from ..models import PushSubscription
from ..reminders.webpush import push_available, send, test_payload

logger = logging.getLogger(__name__)

ERR_PUSH_UNAVAILABLE = _(
    "Notifications on your phone are not available on this Prenafit server. Reminders still "
    "come by email and in the app."
)
ERR_ENDPOINT = _("This is not a push service address this server can use (it must be https).")
ERR_P256DH = _("This is not a browser's public key for push messages (65 bytes, base64url).")
ERR_AUTH = _("This is not a browser's secret for push messages (16 bytes, base64url).")

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")

# (what the User-Agent contains, the label), first match wins: Edge, Opera and Samsung Internet
# also say "Chrome", and Chrome also says "Safari".
BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str) -> str:
    """A short label for her list of devices ("Chrome on Android"); never the header itself.
    Empty when neither is recognised."""
    user_agent = user_agent or ""
    browser = next((label for key, label in BROWSERS if key in user_agent), "")
    system = next((label for key, label in SYSTEMS if key in user_agent), "")
    if browser and system:
        # Translators: a device in her list of phones, e.g. "Chrome on Android".
        return gettext("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system


def _decoded(value: str) -> bytes | None:
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value):
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _valid_public_key(raw: bytes | None) -> bool:
    """An uncompressed point on P-256 (what `PushSubscription.getKey("p256dh")` gives)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if raw is None or len(raw) != 65 or raw[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def _endpoint_allowed(endpoint: str) -> bool:
    """https; plain http only to this machine and only where settings allow it (the tests'
    stand-in push service, development): never in production, so a signed-in user cannot make
    the server post to a port of its own machine."""
    parts = urlsplit(endpoint or "")
    if parts.scheme == "https":
        return True
    return (
        parts.scheme == "http"
        and settings.PRENAFIT_PUSH_ALLOW_LOCAL_HTTP
        and parts.hostname in LOCAL_HOSTS
    )


def _require_push() -> None:
    if not push_available():
        raise ValidationError(ERR_PUSH_UNAVAILABLE, code="push_unavailable")


def push_subscribe(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Set up (or refresh) this device for her push notifications. Refused with the message
    next to each field: not https, keys of the wrong kind; as a whole when the server has no
    VAPID keys."""
    _require_push()
    errors: dict[str, list] = {}
    if not _endpoint_allowed(endpoint):
        errors["endpoint"] = [ERR_ENDPOINT]
    if not _valid_public_key(_decoded(p256dh)):
        errors["p256dh"] = [ERR_P256DH]
    auth_raw = _decoded(auth)
    if auth_raw is None or len(auth_raw) != 16:
        errors["auth"] = [ERR_AUTH]
    if errors:
        raise ValidationError(errors)
    fields = {"p256dh": p256dh, "auth": auth, "browser": browser_label(user_agent)[:120]}
    PushSubscription(user=user, endpoint=endpoint, **fields).full_clean(validate_unique=False)
    with transaction.atomic():
        subscription, created = PushSubscription.objects.select_for_update().get_or_create(
            endpoint=endpoint, defaults={"user": user, **fields}
        )
        if not created:
            if subscription.user_id != user.pk:  # a shared phone: hers from now on
                subscription.user = user
                subscription.created_at = timezone.now()
                subscription.last_success_at = None
            for name, value in fields.items():
                setattr(subscription, name, value)
            subscription.save()
    logger.info("push subscription %s set up for user %s", subscription.pk, user.pk)
    return subscription


def push_unsubscribe(*, subscription: PushSubscription) -> None:
    """Remove one of her devices (she found it with tracker.selectors.push_device_for)."""
    subscription.delete()


def push_test(*, user: User) -> int:
    """Send "Test notification from Prenafit" to each of her devices now, through the same
    sender as the reminders. Returns how many took it; a device the push service says has
    gone is removed; another refusal only leaves that device out of the count."""
    _require_push()
    payload = test_payload(user)
    delivered = 0
    for subscription in PushSubscription.objects.filter(user=user):
        try:
            delivered += send(subscription, payload, ttl=60)
        except Exception as exc:  # noqa: BLE001 - she sees the count; the others still try
            logger.warning(
                "test push to subscription %s failed: %s", subscription.pk, type(exc).__name__
            )
    return delivered
