"""Token auth for apps: POST email + password for a token, DELETE to revoke it."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

ERR_BAD_CREDENTIALS = "Unable to log in with this e-mail and password."
ERR_MFA = (
    "This account uses two-factor sign-in: a password alone cannot get a token. "
    "Use the web app, or an account without two-factor sign-in."
)


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, max_length=128
    )


TokenResponse = inline_serializer("TokenResponse", {"token": serializers.CharField()})


class TokenView(APIView):
    throttle_scope = "token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponse, 400: None, 403: None},
        summary="Get a token",
        description="Throttled. Refused (403) for accounts with two-factor sign-in.",
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response({"detail": ERR_BAD_CREDENTIALS}, status=status.HTTP_400_BAD_REQUEST)
        if is_mfa_enabled(user):
            return Response({"detail": ERR_MFA}, status=status.HTTP_403_FORBIDDEN)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None}, summary="Revoke your token")
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
