"""How the OpenAPI schema describes our token authentication (imported in UsersConfig.ready)."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class TokenScheme(KnoxTokenScheme):
    target_class = "users.authentication.TokenAuthentication"
    name = "tokenAuth"


class UsersSessionScheme(SessionScheme):
    target_class = "users.authentication.SessionAuthentication"
