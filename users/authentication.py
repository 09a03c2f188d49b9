"""How the API knows who is asking: `Authorization: Token <key>` (django-rest-knox) or the web
session. Kept apart from users.api so DRF can import it while it is still loading its own views.

Django's locale and time-zone middleware run before DRF authenticates a token, so both classes
switch to the user's own language and time zone once she is known: the API's messages and
times then follow her settings, as the web pages do."""

import zoneinfo

from django.utils import timezone, translation
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import authentication, exceptions

from .selectors import api_refusal


def _as_user(result):
    """Activate the language and time zone of the user DRF just authenticated."""
    if result is not None:
        user = result[0]
        if user.language:
            translation.activate(user.language)
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
    return result


class TokenAuthentication(KnoxTokenAuthentication):
    """A token stops working as soon as its account may no longer use the API (deactivated,
    approval withdrawn, two-factor sign-in now required)."""

    def authenticate(self, request):
        return _as_user(super().authenticate(request))

    def validate_user(self, auth_token):
        user = auth_token.user
        refusal = api_refusal(user)
        if refusal:
            # In her own language: the refusal comes before _as_user switches to it.
            with translation.override(user.language or translation.get_language()):
                raise exceptions.AuthenticationFailed(str(refusal))
        return (auth_token.user, auth_token)


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        return _as_user(super().authenticate(request))
