"""API sign-in for apps: a token per device (django-rest-knox), issued through allauth's own
adapter so the web's rules hold here too: the same failed-log-in limits (per address and per
account), mandatory email verification, the PTs' and admins' required two-factor sign-in, and a
TOTP or recovery code for accounts that use two-factor sign-in."""

from allauth.account.adapter import get_adapter
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.settings import knox_settings
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_contract import error_response
from config.validators import single_line

from .idempotency import idempotent
from .models import ApiToken, Invitation
from .selectors import api_refusal
from .serializers import StrictFields
from .services import api_token_create, api_token_revoke, invitation_create

ERR_BAD_CREDENTIALS = _("Unable to log in with this email and password.")
ERR_TOO_MANY = _("Too many failed log-in attempts. Try again later.")
ERR_CODE_REQUIRED = _(
    "This account uses two-factor sign-in: send the 6-digit code from your authenticator app "
    "(or a recovery code) as “code”."
)
ERR_BAD_CODE = _("That code is not right. Use the current code from your app, or a recovery code.")
ERR_NOT_A_TOKEN = _("Signed in without a token: there is no token to revoke.")


class TokenRequestSerializer(StrictFields, serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, max_length=128
    )
    code = serializers.CharField(
        required=False, allow_blank=True, max_length=64, validators=[single_line]
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        validators=[single_line],
        help_text="A name for this device, shown in the list of your tokens.",
    )


class TokenSerializer(serializers.ModelSerializer):
    last_used = serializers.SerializerMethodField(help_text="To the hour.")
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created", "expiry", "last_used", "current"]

    def get_last_used(self, token) -> str | None:
        if token.expiry is None:
            return None
        return serializers.DateTimeField().to_representation(token.expiry - knox_settings.TOKEN_TTL)

    def get_current(self, token) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


TokenResponse = inline_serializer(
    "TokenResponse",
    {
        "token": serializers.CharField(),
        "id": serializers.IntegerField(),
        "expiry": serializers.DateTimeField(),
    },
)


def _refuse(detail: str, code: str, status_code: int) -> Response:
    return error_response(detail, code, status_code)


class TokenView(APIView):
    throttle_scope = "token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_authenticators(self):
        # Signing in needs no credentials (and a stale token must not stop it).
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponse,
            400: OpenApiResponse(
                description="Field errors, or a wrong email or password (code bad_credentials)"
            ),
            403: OpenApiResponse(
                description="`code`: code_required, bad_code or refused (email not confirmed, "
                "two-factor sign-in to set up, PT not approved yet)"
            ),
            429: OpenApiResponse(
                description="Too many attempts (allauth's limits or the throttle)"
            ),
        },
        summary="Get a token for this device",
        description=(
            "The web's sign-in rules apply: 5 failed attempts per email address in 5 minutes "
            "and 10 per network address a minute, shared with the web log-in; email confirmed; "
            "two-factor code (`code`) for accounts that use it. Tokens expire 30 days after "
            "their last use."
        ),
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        adapter = get_adapter(request._request)
        try:
            user = adapter.authenticate(
                request._request, email=email, password=data.validated_data["password"]
            )
        except ValidationError:
            return _refuse(ERR_TOO_MANY, "too_many_attempts", status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            return _refuse(ERR_BAD_CREDENTIALS, "bad_credentials", status.HTTP_400_BAD_REQUEST)
        refusal = api_refusal(user, signing_in=True)
        if refusal:
            # In her own language, as every answer once she is signed in.
            with translation.override(user.language or translation.get_language()):
                return _refuse(str(refusal), "refused", status.HTTP_403_FORBIDDEN)
        if is_mfa_enabled(user):
            code = data.validated_data.get("code", "").strip()
            if not code:
                return _refuse(ERR_CODE_REQUIRED, "code_required", status.HTTP_403_FORBIDDEN)
            form = AuthenticateForm(user=user, data={"code": code})
            if not form.is_valid():
                if form.has_error("code", "too_many_login_attempts"):  # any language
                    return _refuse(
                        ERR_TOO_MANY, "too_many_attempts", status.HTTP_429_TOO_MANY_REQUESTS
                    )
                return _refuse(ERR_BAD_CODE, "bad_code", status.HTTP_403_FORBIDDEN)
            form.authenticator.record_usage()
        token, key = api_token_create(user=user, name=data.validated_data.get("name", ""))
        return Response({"token": key, "id": token.pk, "expiry": token.expiry})

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token you are using")
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            return _refuse(ERR_NOT_A_TOKEN, "not_a_token", status.HTTP_400_BAD_REQUEST)
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenList(APIView):
    @extend_schema(responses=TokenSerializer(many=True), summary="Your tokens (one per device)")
    def get(self, request):
        tokens = ApiToken.objects.filter(user=request.user)
        return Response(TokenSerializer(tokens, many=True, context={"request": request}).data)


class TokenDetail(APIView):
    @extend_schema(request=None, responses={204: None, 404: None}, summary="Revoke one token")
    def delete(self, request, token_id: int):
        if not api_token_revoke(user=request.user, token_id=token_id):
            get_object_or_404(ApiToken.objects.none())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- a PT's invitations (the web's /pt/invite/) ---------------------------------------------


class InvitationRequestSerializer(StrictFields, serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The client's email address.")


class InvitationSerializer(serializers.ModelSerializer):
    created = serializers.DateTimeField(source="created_at")
    expires = serializers.DateTimeField(source="expires_at", help_text="The link works until.")
    accepted = serializers.DateTimeField(source="accepted_at", allow_null=True)
    status = serializers.SerializerMethodField(
        help_text="`accepted`, `expired` or `open` (as the web page shows it)."
    )

    class Meta:
        model = Invitation
        fields = ["id", "email", "created", "expires", "accepted", "status"]

    def get_status(self, invitation) -> str:
        if invitation.accepted_at is not None:
            return "accepted"
        if invitation.expires_at < self.context.get("now", timezone.now()):
            return "expired"
        return "open"


class InvitationList(generics.ListAPIView):
    """An approved PT's invitations, newest first; anyone else gets 404, like the web page.
    The link's token is only in the email: it is never shown again."""

    serializer_class = InvitationSerializer
    other_roles_get_404 = True  # documented in the schema (config.api_contract)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.is_active_pt:
            raise NotFound(_("Physical therapists only."))

    def get_queryset(self):
        return self.request.user.invitations.all()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(summary="Your invitations, newest first, 50 a page")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=InvitationRequestSerializer,
        responses={201: InvitationSerializer},
        summary="Invite a client: she gets an email with a link that works once, for 14 days",
        description="The email is sent as from the web page. If it cannot be sent, no "
        "invitation is made (400, `detail` says so): try again later.",
    )
    @idempotent
    def post(self, request):
        data = InvitationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The link starts with PRENAFIT_BASE_URL, like every link in every email.
        invitation, _token = invitation_create(pt=request.user, email=data.validated_data["email"])
        return Response(
            InvitationSerializer(invitation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
