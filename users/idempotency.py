"""Writes that happen once, whichever door sends them twice.

Every create form carries a one-time token (`{% one_time_token %}`, field `request_key`) and
every API write accepts an `Idempotency-Key` header. The key is scoped to the user and the
path, and stored, unique, in a `RequestKey` row written in the same transaction as whatever the
request created: a retry (double click, back button, a phone replaying an offline log days
later) gets the first answer back (same status and body; the same page for a form) and writes
nothing. The same key with a different request answers 422. A request that wrote nothing (a
refusal) leaves the key free, so a corrected retry goes through.

Keys are kept for `KEEP` (then pruned daily), long enough for any offline phone to catch up.
"""

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from .models import RequestKey

HEADER = "Idempotency-Key"
FORM_FIELD = "request_key"
MAX_KEY_LENGTH = 255
KEEP = dt.timedelta(days=90)

ERR_KEY = gettext_lazy(
    "An Idempotency-Key is 1 to 255 printable characters (a UUID is a good choice)."
)
ERR_KEY_REUSED = gettext_lazy(
    "This Idempotency-Key was already used for a different request. Send a new key for a new "
    "request, or the same request to get its first answer."
)
ALREADY_SAVED = gettext_lazy("You had already sent this form, so it was saved only once.")

_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Replay:
    """The first answer to a request sent again with the same key."""

    status: int
    body: Any
    location: str
    same_request: bool


def key_problem(key: str) -> str | None:
    if not key or len(key) > MAX_KEY_LENGTH or not all(32 <= ord(c) < 127 for c in key):
        return str(ERR_KEY)
    return None


def fingerprint(data) -> str:
    """A stable hash of a request's content (JSON or form fields, in any key order)."""
    if hasattr(data, "lists"):  # a QueryDict: every value of every field
        data = {k: v for k, v in data.lists() if k not in ("csrfmiddlewaretoken", FORM_FIELD)}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def run_once(
    *,
    user,
    route: str,
    key: str,
    fingerprint: str,
    run: Callable[[], Any],
    keep: Callable[[Any], tuple[int, Any, str] | None],
):
    """Run `run()` once per (user, route, key), in one transaction with the key's row.

    `keep(result)` gives the (status, body, location) to replay later, or None when nothing was
    written (the key then stays free). A key already used returns a `Replay` without running.
    Two requests racing with one key: the second waits on the unique key, then replays."""
    route = route[:200]
    outermost = not transaction.get_connection().in_atomic_block
    kept = None
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = RequestKey.objects.create(
                        user=user, route=route, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                record = RequestKey.objects.get(user=user, route=route, key=key)
                return Replay(
                    status=record.status,
                    body=record.body,
                    location=record.location,
                    same_request=record.fingerprint == fingerprint,
                )
            result = run()
            kept = keep(result)
            if kept is None:
                record.delete()
            else:
                record.status, record.body, record.location = kept
                record.save(update_fields=["status", "body", "location"])
    except Exception:
        # What runs once the commit is done (an e-mail that must go out, or the write is taken
        # back) refused: the key must not replay a success, so the retry runs afresh.
        if outermost and kept is not None:
            RequestKey.objects.filter(pk=record.pk).delete()
        raise
    return result


def request_keys_prune(*, now: dt.datetime) -> int:
    """Forget keys older than KEEP (daily, with the account purge)."""
    deleted, _by_model = RequestKey.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted


# --- the API door -------------------------------------------------------------------------


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = ERR_KEY_REUSED
    default_code = "idempotency_key_reused"


KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID) for this write. Sending the same request again with the "
        "same key returns the first answer and writes nothing; the same key with a different "
        "request answers 422. Keys are kept 90 days."
    ),
)


def idempotent(method):
    """For an API view's `post`: honour `Idempotency-Key` (documented in the schema)."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)
        problem = key_problem(key)
        if problem:
            raise ValidationError({HEADER: [problem]}, code="bad_idempotency_key")
        result = run_once(
            user=request.user,
            route=request.path,
            key=key,
            fingerprint=fingerprint(request.data),
            run=lambda: method(view, request, *args, **kwargs),
            keep=lambda r: (r.status_code, r.data, "") if 200 <= r.status_code < 300 else None,
        )
        if isinstance(result, Replay):
            if not result.same_request:
                raise KeyReused()
            return Response(
                result.body, status=result.status, headers={"Idempotent-Replayed": "true"}
            )
        return result

    wrapper.idempotent = True
    return extend_schema(parameters=[KEY_PARAMETER])(wrapper)


# --- the web door ---------------------------------------------------------------------------


def once_per_form(view):
    """For a view whose POST creates something and then redirects: a form sent twice with the
    same one-time token goes where the first went, with a message, and writes nothing."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.POST.get(FORM_FIELD) if request.method == "POST" else None
        if not key or key_problem(key) or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            result = run_once(
                user=request.user,
                route=request.path,
                key=key,
                fingerprint=fingerprint(request.POST),
                run=lambda: view(request, *args, **kwargs),
                keep=lambda r: (
                    (r.status_code, None, r["Location"]) if r.status_code in _REDIRECTS else None
                ),
            )
        except DjangoValidationError as exc:
            # Refused once committed (an invitation whose e-mail could not go out is taken
            # back): the page says so, and the form can be sent again.
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(request.get_full_path())
        if isinstance(result, Replay):
            messages.info(request, ALREADY_SAVED)
            return HttpResponseRedirect(result.location)
        return result

    wrapper.once_per_form = True
    return wrapper
