"""`Authorization: Token <key>` for the API (django-rest-knox). Kept apart from users.api so
DRF can import it while it is still loading its own views."""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

from .selectors import api_refusal


class TokenAuthentication(KnoxTokenAuthentication):
    """A token stops working as soon as its account may no longer use the API (deactivated,
    approval withdrawn, two-factor sign-in now required)."""

    def validate_user(self, auth_token):
        refusal = api_refusal(auth_token.user)
        if refusal:
            raise exceptions.AuthenticationFailed(refusal)
        return (auth_token.user, auth_token)
