"""Her devices for push notifications through the API (issue 17): anyone signed in (a client's
reminders, a PT's urgent alerts and digest), as the web's reminder settings page.

- GET /me/push-subscriptions/: her devices.
- POST /me/push-subscriptions/: set up this device. The body is the browser's
  `PushSubscription.toJSON()` as it comes (`endpoint`, `keys.p256dh`, `keys.auth`, and
  `expirationTime`, which is ignored). The same endpoint again updates its row.
- DELETE /me/push-subscriptions/{id}/: remove one (another person's id: 404).
- POST /me/push-subscriptions/test/: send a test notification to each of her devices now.

Without VAPID keys on the server push is not offered: the writes answer 400 with code
`push_unavailable`. Each view calls one service (tracker/services/push.py)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_contract import validation_error
from config.validators import single_line
from users.idempotency import idempotent
from users.serializers import StrictFields

from .. import selectors, services

UNAVAILABLE = "push_unavailable"  # the error `code` when the server has no VAPID keys
UNAVAILABLE_400 = OpenApiResponse(
    description="Refused: a field is wrong (`fields`), or push notifications are not offered on "
    "this server (`code` push_unavailable)."
)
# Where each of the service's fields is in the request.
API_FIELDS = {"p256dh": "keys.p256dh", "auth": "keys.auth"}


class PushKeysSerializer(StrictFields, serializers.Serializer):
    p256dh = serializers.CharField(
        max_length=200,
        validators=[single_line],
        help_text="The browser's public key (P-256, uncompressed, base64url: 65 bytes).",
    )
    auth = serializers.CharField(
        max_length=100,
        validators=[single_line],
        help_text="The browser's authentication secret (base64url: 16 bytes).",
    )


class PushSubscriptionRequestSerializer(StrictFields, serializers.Serializer):
    """`PushSubscription.toJSON()` as the browser gives it."""

    endpoint = serializers.URLField(
        max_length=1000, help_text="The push service's address for this device (https)."
    )
    keys = PushKeysSerializer()
    expirationTime = serializers.FloatField(  # noqa: N815 - the browser's own name
        required=False, allow_null=True, help_text="Ignored (the browser's, in milliseconds)."
    )


class PushSubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.URLField()
    browser = serializers.CharField(
        help_text='A short label from the browser\'s User-Agent ("Chrome on Android"); empty '
        "when not recognised."
    )
    created_at = serializers.DateTimeField()
    last_success_at = serializers.DateTimeField(
        allow_null=True, help_text="When a notification last reached the push service for it."
    )


class PushTestSerializer(serializers.Serializer):
    sent = serializers.IntegerField(help_text="How many of her devices took the test.")


def _refuse_unless_offered():
    if not services.push_available():
        raise validation_error(
            DjangoValidationError(services.ERR_PUSH_UNAVAILABLE, code=UNAVAILABLE)
        )


class PushSubscriptionList(APIView):
    """Anyone signed in: her own devices."""

    @extend_schema(
        responses=PushSubscriptionSerializer(many=True),
        summary="Your devices that get push notifications",
    )
    def get(self, request):
        devices = selectors.push_devices(request.user)
        return Response(PushSubscriptionSerializer(devices, many=True).data)

    @extend_schema(
        request=PushSubscriptionRequestSerializer,
        responses={
            201: OpenApiResponse(
                PushSubscriptionSerializer,
                description="Set up (or, for an endpoint already known, updated: one row per "
                "device; a device another account used moves to you).",
            ),
            400: UNAVAILABLE_400,
        },
        summary="Set up this device for push notifications (the browser's "
        "PushSubscription.toJSON())",
    )
    @idempotent
    def post(self, request):
        _refuse_unless_offered()
        data = PushSubscriptionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            device = services.push_subscribe(
                user=request.user,
                endpoint=values["endpoint"],
                p256dh=values["keys"]["p256dh"],
                auth=values["keys"]["auth"],
                user_agent=request.headers.get("User-Agent", ""),
            )
        except DjangoValidationError as exc:
            detail = validation_error(exc).detail
            raise ApiValidationError(
                {API_FIELDS.get(name, name): messages for name, messages in detail.items()}
            ) from exc
        return Response(PushSubscriptionSerializer(device).data, status=status.HTTP_201_CREATED)


class PushSubscriptionDetail(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        summary="Remove one of your devices (it gets no more push notifications)",
    )
    def delete(self, request, subscription_id):
        device = selectors.push_device_for(user=request.user, subscription_id=subscription_id)
        services.push_unsubscribe(subscription=device)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushTestView(APIView):
    @extend_schema(
        request=None,
        responses={200: PushTestSerializer, 400: UNAVAILABLE_400},
        summary="Send a test notification to each of your devices now",
    )
    @idempotent
    def post(self, request):
        _refuse_unless_offered()
        sent = services.push_test(user=request.user)
        return Response(PushTestSerializer({"sent": sent}).data)


urlpatterns = [
    path("me/push-subscriptions/", PushSubscriptionList.as_view(), name="api_push_subscriptions"),
    path("me/push-subscriptions/test/", PushTestView.as_view(), name="api_push_test"),
    path(
        "me/push-subscriptions/<int:subscription_id>/",
        PushSubscriptionDetail.as_view(),
        name="api_push_subscription",
    ),
]
