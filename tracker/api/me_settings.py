"""Her settings and her account through the API (issue 16): reminder preferences (anyone signed
in, as the web's reminder settings page) and the deletion of her account (clients, as the web's
"delete my account" page). Her weekdays, start time and time zone are PATCH /me/enrolment/
(tracker.api.views.EnrolmentView).

Each view calls the service the web page calls: services.notification_settings_update,
services.account_deletion_request and services.account_deletion_cancel."""

from collections.abc import Mapping

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_contract import error_response, validation_error
from users.api import ERR_TOO_MANY
from users.idempotency import idempotent
from users.serializers import StrictFields

from .. import services
from ..forms import ERR_LEAD_MINUTES
from ..models import Channel, NotificationSettings, ReminderKind
from ..reminders.delivery import settings_for
from ..reminders.webpush import push_available
from .base import ClientAPIView, call_service
from .serializers import HourMinuteField

# --- reminder preferences ---------------------------------------------------------------------

# The channels a reminder can take. Each kind's e-mail and in-app channels are stored as one
# Channel value, read here as a set: "email" is by email and in the app, "in_app" in the app
# only. In the app is always one of them. "push" (issue 17) is its own switch
# (`<kind>_push`), offered only when the server has VAPID keys; the API's shape (a list) stays.
IN_APP = "in_app"
PUSH = "push"
CHANNELS = ("email", IN_APP, PUSH)
STORED_CHANNELS = {Channel.EMAIL: ("email", IN_APP), Channel.IN_APP: (IN_APP,)}

# Her settings besides each kind's on/off and channels: API name -> NotificationSettings field.
OTHER_SETTINGS = {
    "session_mode": "session_mode",
    "lead_minutes": "session_lead_minutes",
    "digest_time": "digest_time",
    "weekly_check_in": "weekly_check_in",
}

ERR_NO_CHANNEL = _(
    'Choose at least one channel: ["in_app"] for in the app only (reminders are always in the app).'
)
ERR_CHANNELS = _("This combination of channels is not available.")
ERR_NOT_YOUR_REMINDER = _("You do not get this reminder: nothing was saved.")


def channels_of(stored: str) -> list[str]:
    return list(STORED_CHANNELS[stored])


def stored_channel(channels) -> str:
    wanted = (set(channels) - {PUSH}) | {IN_APP}
    for stored, names in STORED_CHANNELS.items():
        if set(names) == wanted:
            return stored
    raise ApiValidationError(ERR_CHANNELS)  # none today: every combination has a value


def channel_field(kind: str) -> str:
    """The NotificationSettings field holding a kind's channel (the re-screen reminder follows
    the pain check-ins')."""
    return NotificationSettings.ALWAYS_ON.get(kind) or f"{kind}_channel"


def push_field(kind: str) -> str:
    """The NotificationSettings field saying whether a kind also goes by push."""
    return channel_field(kind).removesuffix("_channel") + "_push"


def channels_now(prefs: NotificationSettings, kind: str) -> list[str]:
    """Her channels for a kind, "push" among them when it is on and offered."""
    names = channels_of(prefs.channel(kind))
    if push_available() and prefs.push(kind):
        names.append(PUSH)
    return names


def follows(kind: str) -> str | None:
    field = channel_field(kind)
    return field.removesuffix("_channel") if field != f"{kind}_channel" else None


def kinds_for(user) -> list[str]:
    """The kinds of reminder she gets, as the web's page shows them (by role)."""
    fields = set(services.notification_settings_fields(user))
    always_on = set(services.notification_settings_always_on(user))
    return [kind for kind in ReminderKind.values if kind in fields or kind in always_on]


def _only_hers(serializer, names, data):
    """Refuse (400) a setting she does not have, before StrictFields calls it unknown."""
    if isinstance(data, Mapping):
        theirs = sorted((set(data) & set(names)) - set(serializer.fields))
        if theirs:
            raise serializers.ValidationError({name: [ERR_NOT_YOUR_REMINDER] for name in theirs})


class ReminderPreferenceSerializer(StrictFields, serializers.Serializer):
    """One kind of reminder: on or off, and how it reaches her."""

    label = serializers.CharField(read_only=True)
    on = serializers.BooleanField(
        required=False,
        help_text="Whether she gets it. Always true when `always_on`: turning it off is refused.",
    )
    always_on = serializers.BooleanField(
        read_only=True, help_text="About someone's safety: cannot be switched off."
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNELS),
        allow_empty=False,
        max_length=10,
        required=False,
        error_messages={"empty": ERR_NO_CHANNEL},
        help_text="How it reaches her. `in_app` is always one of them (it is added when left "
        'out: `["email"]` is answered `["email", "in_app"]`). `push`: also as a notification '
        "on her devices (see /me/push-subscriptions/), only when `vapid_public_key` is given.",
    )
    channels_follow = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The kind whose channels this one takes (change them there), or null.",
    )

    def get_fields(self):
        fields = super().get_fields()
        if not push_available():  # not offered: "push" is not a valid choice (nor in the schema)
            fields["channels"].child.choices = [c for c in CHANNELS if c != PUSH]
        return fields


class FollowingReminderPreferenceSerializer(ReminderPreferenceSerializer):
    """A kind whose channels follow another's (`channels_follow`): read here, changed there."""

    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNELS), read_only=True
    )


class ReminderPreferencesSerializer(StrictFields, serializers.Serializer):
    """One entry per kind of reminder she gets: a client's four or a PT's two."""

    session_upcoming = ReminderPreferenceSerializer(required=False, help_text="Clients.")
    session_missed = ReminderPreferenceSerializer(required=False, help_text="Clients.")
    assessment_due = ReminderPreferenceSerializer(required=False, help_text="Clients.")
    pt_alert = ReminderPreferenceSerializer(
        required=False, help_text="PTs: urgent alerts about a client (always on)."
    )
    pt_digest = ReminderPreferenceSerializer(required=False, help_text="PTs.")
    rescreen_due = FollowingReminderPreferenceSerializer(
        required=False,
        help_text="Clients: the 26-week safety re-screen (always on; by the pain check-ins' "
        "channels).",
    )

    def get_fields(self):
        fields = super().get_fields()
        user = self.context.get("user")
        if user is None:  # the schema: every kind
            return fields
        kinds = kinds_for(user)
        return {name: field for name, field in fields.items() if name in kinds}

    def to_internal_value(self, data):
        _only_hers(self, ReminderKind.values, data)
        return super().to_internal_value(data)


class QuietHoursSerializer(StrictFields, serializers.Serializer):
    """From `start` to `end` in her time zone (across midnight when `end` is earlier)."""

    start = HourMinuteField(allow_null=True)
    end = HourMinuteField(allow_null=True)


class PreferencesSerializer(StrictFields, serializers.Serializer):
    """Her reminder settings: the session settings are a client's (a PT has none)."""

    reminders = ReminderPreferencesSerializer(required=False)
    session_mode = serializers.ChoiceField(
        choices=NotificationSettings.SessionMode.choices,
        required=False,
        help_text="Clients: `before` each session (`lead_minutes`), or a morning `digest` on "
        "session days (at `digest_time`).",
    )
    lead_minutes = serializers.IntegerField(
        min_value=5,
        max_value=24 * 60,
        required=False,
        error_messages={"min_value": ERR_LEAD_MINUTES, "max_value": ERR_LEAD_MINUTES},
        help_text="Clients: minutes before each session, 5 to 1440.",
    )
    digest_time = HourMinuteField(
        required=False,
        help_text="Clients: the morning digest's and missed-session reminders' time.",
    )
    weekly_check_in = serializers.BooleanField(
        required=False, help_text="Clients: also remind her of the optional weekly check-in."
    )
    quiet_hours = QuietHoursSerializer(
        required=False,
        allow_null=True,
        help_text="Nothing is sent from `start` to `end` (her time zone; urgent alerts to a PT "
        "excepted); null: none. Both or neither.",
    )
    vapid_public_key = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The server's key for `PushManager.subscribe` (applicationServerKey, "
        'base64url) when push notifications are offered (then `"push"` may be one of a '
        "reminder's channels); null when they are not.",
    )

    def get_fields(self):
        fields = super().get_fields()
        user = self.context.get("user")
        if user is None:
            return fields
        hers = set(services.notification_settings_fields(user))
        return {
            name: field
            for name, field in fields.items()
            if name not in OTHER_SETTINGS or OTHER_SETTINGS[name] in hers
        }

    def to_internal_value(self, data):
        _only_hers(self, OTHER_SETTINGS, data)
        return super().to_internal_value(data)


def _preferences_data(user, prefs: NotificationSettings) -> dict:
    data = {
        "reminders": {
            kind: {
                "label": ReminderKind(kind).label,
                "on": prefs.wants(kind),
                "always_on": kind in NotificationSettings.ALWAYS_ON,
                "channels": channels_now(prefs, kind),
                "channels_follow": follows(kind),
            }
            for kind in kinds_for(user)
        },
        "quiet_hours": None
        if prefs.quiet_start is None and prefs.quiet_end is None
        else {"start": prefs.quiet_start, "end": prefs.quiet_end},
    }
    hers = set(services.notification_settings_fields(user))
    for name, field in OTHER_SETTINGS.items():
        if field in hers:
            data[name] = getattr(prefs, field)
    data["vapid_public_key"] = settings.VAPID_PUBLIC_KEY if push_available() else None
    return data


def _changes(values: dict) -> dict:
    """The validated request as NotificationSettings changes (the service's arguments)."""
    changes = {}
    for kind, asked in values.get("reminders", {}).items():
        if "on" in asked:
            changes[kind] = asked["on"]
        if "channels" in asked:
            changes[channel_field(kind)] = stored_channel(asked["channels"])
            changes[push_field(kind)] = PUSH in asked["channels"]
    for name, field in OTHER_SETTINGS.items():
        if name in values:
            changes[field] = values[name]
    if "quiet_hours" in values:
        quiet = values["quiet_hours"]
        if quiet is None:
            changes.update(quiet_start=None, quiet_end=None)
        else:
            changes.update({f"quiet_{end}": quiet[end] for end in ("start", "end") if end in quiet})
    return changes


def _api_path(field: str) -> list[str]:
    """Where a NotificationSettings field is in the request (for the service's refusals)."""
    if field in ("quiet_start", "quiet_end"):
        return ["quiet_hours", field.removeprefix("quiet_")]
    for name, model_field in OTHER_SETTINGS.items():
        if model_field == field:
            return [name]
    if field in ReminderKind.values:
        return ["reminders", field, "on"]
    for kind in ReminderKind.values:
        if field in (channel_field(kind), push_field(kind)) and not follows(kind):
            return ["reminders", kind, "channels"]
    return [field]


def _refusal(exc: DjangoValidationError) -> ApiValidationError:
    """The service's refusal, each message next to the request's own field."""
    detail = validation_error(exc).detail
    nested: dict = {}
    for field, messages in detail.items():
        *parents, last = _api_path(field)
        node = nested
        for key in parents:
            node = node.setdefault(key, {})
        node.setdefault(last, []).extend(messages)
    return ApiValidationError(nested)


class PreferencesView(APIView):
    """Anyone signed in: her own reminder settings (the web's reminder settings page)."""

    @extend_schema(
        responses=PreferencesSerializer,
        summary="Your reminder settings: each kind on or off and its channels, session timing, "
        "quiet hours",
        description="A client gets `session_upcoming`, `session_missed`, `assessment_due` and "
        "`rescreen_due` (always on) and the session settings; a PT `pt_alert` (always on) and "
        "`pt_digest`. Times are in her time zone.",
    )
    def get(self, request):
        prefs = settings_for(request.user)
        context = {"user": request.user}
        return Response(
            PreferencesSerializer(_preferences_data(request.user, prefs), context=context).data
        )

    @extend_schema(
        request=PreferencesSerializer,
        responses=PreferencesSerializer,
        summary="Change some of your reminder settings (send only what changes)",
        description="Refused as a whole (400, messages next to the fields, e.g. "
        "`reminders.pt_alert.on`) when one change is not allowed: turning off an always-on "
        "kind, a setting or reminder that is not yours, one end of the quiet hours.",
    )
    def patch(self, request):
        context = {"user": request.user}
        data = PreferencesSerializer(data=request.data, partial=True, context=context)
        data.is_valid(raise_exception=True)
        try:
            prefs = services.notification_settings_update(
                user=request.user, **_changes(data.validated_data)
            )
        except DjangoValidationError as exc:
            raise _refusal(exc) from exc
        return Response(
            PreferencesSerializer(_preferences_data(request.user, prefs), context=context).data
        )


# --- deleting her account -----------------------------------------------------------------

ERR_WRONG_PASSWORD = _("That is not your password. Nothing was scheduled for deletion.")
DELETION_ASKED = _(
    "Your account and all your data will be deleted on %(due)s. Every app signed in to your "
    "account is now signed out; until then you can cancel on the web, from your profile."
)
DELETION_ALREADY_ASKED = _(
    "Your account was already set to be deleted on %(due)s. Nothing was changed."
)


class DeleteAccountSerializer(StrictFields, serializers.Serializer):
    """Her password confirms that she wants her account deleted."""

    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        trim_whitespace=False,
        max_length=128,
        help_text="Her password, to confirm.",
    )


class AccountDeletionSerializer(serializers.Serializer):
    deletion_due = serializers.DateTimeField(
        allow_null=True,
        help_text="When her account and all her data go; null when she has not asked.",
    )
    grace_days = serializers.IntegerField(
        help_text="How long after she asks (she can cancel until then)."
    )


class AccountDeletionAskedSerializer(serializers.Serializer):
    deletion_due = serializers.DateTimeField()
    detail = serializers.CharField()


class DeleteAccountView(ClientAPIView):
    """Clients only, like the web page (anyone else: 404). While a deletion is pending her
    tokens are revoked and the API refuses her (users.selectors.api_refusal): after the POST
    an app is signed out, and only the web session reaches GET and DELETE here."""

    @extend_schema(
        responses=AccountDeletionSerializer,
        summary="Whether your account is set to be deleted, and when",
    )
    def get(self, request):
        data = {"deletion_due": services.purge_due(request.user), "grace_days": services.GRACE.days}
        return Response(AccountDeletionSerializer(data).data)

    @extend_schema(
        request=DeleteAccountSerializer,
        responses={
            202: OpenApiResponse(
                AccountDeletionAskedSerializer,
                description="Asked: everything about her goes at `deletion_due` unless she "
                "cancels. Her PT is told in the app; reminders stop; every API token of hers is "
                "revoked (this one too).",
            ),
            200: OpenApiResponse(
                AccountDeletionAskedSerializer,
                description="Already asked: the first date stands, nothing changed.",
            ),
            400: OpenApiResponse(description="Not her password (`fields.password`)."),
            429: OpenApiResponse(
                description="Too many wrong passwords (the web log-in's limits, shared)."
            ),
        },
        summary="Delete your account (after a grace period; confirm with your password)",
    )
    @idempotent
    def post(self, request):
        data = DeleteAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        # allauth's own check, with the log-in's limits on failed attempts (users.api).
        try:
            found = get_adapter(request._request).authenticate(
                request._request, email=user.email, password=data.validated_data["password"]
            )
        except DjangoValidationError:
            return error_response(
                ERR_TOO_MANY, "too_many_attempts", status.HTTP_429_TOO_MANY_REQUESTS
            )
        if found is None or found.pk != user.pk:
            raise ApiValidationError({"password": [ERR_WRONG_PASSWORD]})
        user.refresh_from_db(fields=["deletion_requested_at"])
        already = user.deletion_requested_at is not None
        due = call_service(services.account_deletion_request, user=user)
        message = DELETION_ALREADY_ASKED if already else DELETION_ASKED
        body = {
            "deletion_due": due,
            "detail": message % {"due": date_format(localtime(due), "DATE_FORMAT")},
        }
        return Response(
            AccountDeletionAskedSerializer(body).data,
            status=status.HTTP_200_OK if already else status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Keep your account: cancel its deletion (204 also when none was pending)",
    )
    def delete(self, request):
        services.account_deletion_cancel(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("me/preferences/", PreferencesView.as_view(), name="api_preferences"),
    path("me/delete/", DeleteAccountView.as_view(), name="api_delete_account"),
]
