"""The API's contract, written once for every operation:

- one error shape: `detail` (words a person can read), `code` (stable, for programs) and
  `fields` (the messages next to each field, `{}` when none), from `exception_handler`;
- every status an operation can answer, in its schema, from `AutoSchema`: 400, 401, 403, 404,
  409, 422 and 429 where they apply, each with the error shape.

Services refuse with Django's ValidationError or PermissionDenied; views may let them through
and the handler answers 400 or 403 with the service's own messages (a refusal with a conflict
code answers 409)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Refusals that mean "this is already there": 409, not 400.
CONFLICT_CODES = frozenset({"already_enrolled", "already_logged", "already_linked"})
NON_FIELD_KEYS = frozenset({"non_field_errors", "__all__", "detail"})


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words a person can read.")
    code = serializers.CharField(
        help_text="Stable and machine-readable: invalid, not_authenticated, "
        "authentication_failed, permission_denied, not_found, already_enrolled, "
        "already_logged, idempotency_key_reused, throttled, …"
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages next to each field that was refused (nested fields as "
        "`exercises.0.sets_done`); empty when the refusal is not about a field.",
    )


def error_body(detail: str, code: str, fields: dict | None = None) -> dict:
    return {"detail": str(detail), "code": code, "fields": fields or {}}


def error_response(detail: str, code: str, status_code: int, headers=None) -> Response:
    """A refusal a view answers itself, in the one error shape."""
    return Response(error_body(detail, code), status=status_code, headers=headers)


def validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, keeping each message's field and code."""
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): [
                ErrorDetail(message, code=error.code or "invalid")
                for error in errors
                for message in error.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {
            "non_field_errors": [
                ErrorDetail(message, code=error.code or "invalid")
                for error in exc.error_list
                for message in error.messages
            ]
        }
    return exceptions.ValidationError(detail)


def _flatten(detail, path=()):
    """(field path, message, code) for every message of a (nested) error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, (*path, str(key)))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            yield from _flatten(value, (*path, str(index)) if nested else path)
    else:
        yield path, str(detail), getattr(detail, "code", None) or "invalid"


def _as_api_exception(exc):
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(" ".join(str(a) for a in exc.args) or None)
    if isinstance(exc, DjangoValidationError):
        return validation_error(exc)
    return exc


def exception_handler(exc, context):
    """DRF's handler (status, `WWW-Authenticate`, `Retry-After`), then the one error shape."""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        messages = list(_flatten(exc.detail))
        fields: dict[str, list[str]] = {}
        general = []
        for path, message, _code in messages:
            if not path or path[-1] in NON_FIELD_KEYS and len(path) == 1:
                general.append(message)
            else:
                fields.setdefault(".".join(path), []).append(message)
        codes = {code for path, _m, code in messages}
        code = codes.pop() if len(codes) == 1 and not fields else "invalid"
        detail = " ".join(general + [m for ms in fields.values() for m in ms]) or gettext(
            "Invalid input."
        )
        response.data = error_body(detail, code, fields)
        if code in CONFLICT_CODES:
            response.status_code = status.HTTP_409_CONFLICT
        return response
    detail = exc.detail
    if isinstance(detail, list | dict):
        text = " ".join(m for _p, m, _c in _flatten(detail))
    else:
        text = str(detail)
    code = getattr(detail, "code", None) or exc.default_code
    response.data = error_body(text, code)
    return response


@csrf_exempt  # it writes nothing: a POST with a cookie gets the 404 too, not a CSRF page
def api_not_found(request) -> JsonResponse:
    """The end of /api/v1/'s address list."""
    return not_found_json(request)


def not_found_json(request) -> JsonResponse:
    """An /api/ address that matches no operation (an id that is not a number) is still
    answered in the API's shape."""
    return JsonResponse(error_body(gettext("Not found."), "not_found"), status=404)


# --- the schema ---------------------------------------------------------------------------

ERRORS = {
    "400": "Refused: `detail` says why, `fields` has the messages next to each field.",
    "401": "No valid token (or session): log in again.",
    "403": "Not yours to do: `detail` says why.",
    "404": "Not found, or not yours (another person's data answers 404, not 403).",
    "409": "Already there: `code` says what (`already_enrolled`, `already_logged`).",
    "422": "This Idempotency-Key was used for a different request.",
    "429": "Too many requests: try again after `Retry-After` seconds.",
}
WRITES = frozenset({"POST", "PUT", "PATCH"})
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again (when known).",
    }
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus every error status an operation can answer."""

    def _error_statuses(self) -> list[str]:
        view, method = self.view, self.method
        authenticators = view.get_authenticators()
        open_to_all = all(isinstance(p, AllowAny) for p in view.get_permissions())
        handler = getattr(view, method.lower(), None)
        codes = []
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        if method in WRITES or method == "DELETE" or has_query or hasattr(handler, "idempotent"):
            codes.append("400")
        if authenticators:
            codes.append("401")
        session = any(isinstance(a, SessionAuthentication) for a in authenticators)
        if not open_to_all or (session and method not in ("GET", "HEAD")):
            codes.append("403")
        if "{" in self.path or getattr(view, "other_roles_get_404", False) or has_query:
            codes.append("404")
        if method in WRITES and not open_to_all:
            codes.append("409")
        if getattr(handler, "idempotent", False):
            codes.append("422")
        if view.get_throttles():
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        declared = {code for code in responses if code.startswith("4")}
        for code in sorted(declared | set(self._error_statuses())):
            described = responses.get(code, {}).get("description")
            if described in ("", "No response body"):  # `400: None` in an extend_schema
                described = None
            described = described or ERRORS.get(code, "Refused.")
            response = self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=described),
                code,
                direction=direction,
            )
            if code == "429":
                response["headers"] = RETRY_AFTER
            responses[code] = response
        return dict(sorted(responses.items()))
