"""Rendered fragments of a page kept in the cache under a digest of everything they are drawn
from (content-addressed): the data they show, the active language, the URL prefix, and a
digest of the code and translation catalogues that draw them (read once a process). New data,
code or words make a new key, so nothing is ever deleted and no process can serve a stale
fragment; a cache that fails costs only the drawing. Never for per-request content (CSRF
tokens, CSP nonces, one-time form tokens, messages)."""

import functools
import hashlib
import logging
import operator
import secrets
from collections.abc import Callable
from pathlib import Path

import django
from django.conf import settings
from django.core.cache import cache
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

# An entry is kept this long (its key changes with anything it shows, so it is never stale; a
# day bounds what the cache holds for fragments whose data has moved on).
CACHE_SECONDS = 24 * 3600
# What draws a fragment: our code, templates and translation catalogues (not the migrations).
SOURCE_DIRS = ("config", "users", "programs", "tracker", "templates", "locale")
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".mo"}


@functools.cache
def code_version() -> str:
    """A digest of the project's code, templates and compiled catalogues, and of Django's
    version (its formats and its own catalogues), read once a process: a deployment that
    changes any of them changes every key. Without the sources, a key of this process's own
    (nothing shared, nothing stale)."""
    digest = hashlib.sha256(django.get_version().encode())
    try:
        base = Path(settings.BASE_DIR)
        files = sorted(
            path
            for folder in SOURCE_DIRS
            for path in (base / folder).rglob("*")
            if path.suffix in SOURCE_SUFFIXES and "migrations" not in path.parts
        )
        for path in files:
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    except OSError:
        digest.update(secrets.token_bytes(16))
    return digest.hexdigest()


@functools.cache
def _fields_of(model) -> Callable:
    names = [f.attname for f in model._meta.concrete_fields]
    return operator.attrgetter(*names) if len(names) > 1 else lambda obj: (getattr(obj, names[0]),)


def row(obj) -> tuple:
    """Every stored field of a model instance, as it is in memory (what a fragment may show
    of it): for a digest."""
    if obj is None:
        return ()
    return (type(obj).__name__, _fields_of(type(obj))(obj))


def key(name: str, inputs) -> str:
    """The cache key of fragment `name` drawn from `inputs` (reprs of plain values and model
    `row`s), in the active language, under this URL prefix, by this code."""
    parts = (code_version(), name, get_language(), get_script_prefix(), inputs)
    return f"fragment:{name}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached(name: str, inputs, draw: Callable[[], str]) -> SafeString:
    """Fragment `name`: from the cache when these exact inputs were drawn before (in any
    process), else `draw()`n now and kept. `draw` renders a template (autoescaped)."""
    markup = kept(name, inputs, lambda: str(draw()))
    return mark_safe(markup)  # noqa: S308  (rendered by an autoescaping template)


def session_blocks(session) -> SafeString:
    """`partials.html#session_blocks` for a session from `selectors.session_with_content`:
    its blocks and prescription lines as she reads them (her PT's swaps applied, each line's
    exercise and the one it replaces, its heart-rate ceiling), keyed by all of it."""
    from django.template.loader import render_to_string

    inputs = [
        (
            row(block),
            [
                (row(rx), rx.hr_ceiling, row(rx.exercise), row(rx.swapped_from))
                for rx in block.prescriptions.all()
            ],
        )
        for block in session.blocks
    ]
    return cached(
        "session-blocks",
        inputs,
        lambda: render_to_string("tracker/partials.html#session_blocks", {"session": session}),
    )


# --- a page's body, cached, with this request's tokens filled in -----------------------------

CSRF_PLACEHOLDER = "prenafit-csrf-token-placeholder"
ONE_TIME_PLACEHOLDER = "prenafit-one-time-token-placeholder"


def page_part(request, name: str, inputs, template_name: str, context: Callable[[], dict]):
    """Part of a page (say its body, forms included) drawn from `template_name` with what
    `context()` returns, called only when the part is not in the cache, and cached under
    `inputs`: what it shows, named cheaply, e.g. `versions.client_version`, the day, the viewer,
    the query string (plus the language and the code, as every fragment). It is drawn without
    the request (no context processors: `context()` gives what it needs), with placeholders
    for the per-request tokens, which are filled in for this request after the cache: the CSRF
    token and a fresh one-time token per form. Never put a CSP nonce or a flash message in a
    part."""
    from django.template.loader import render_to_string

    def draw() -> str:
        return render_to_string(
            template_name,
            {**context(), "csrf_token": CSRF_PLACEHOLDER, "one_time_placeholder": True},
        )

    return per_request(cached(name, inputs, draw), request)


def per_request(markup: str, request) -> SafeString:
    """`markup` with this request's CSRF token and a new one-time token in each form."""
    import uuid

    from django.middleware.csrf import get_token

    if CSRF_PLACEHOLDER in markup:
        markup = markup.replace(CSRF_PLACEHOLDER, get_token(request))
    if ONE_TIME_PLACEHOLDER in markup:
        pieces = markup.split(ONE_TIME_PLACEHOLDER)
        markup = pieces[0] + "".join(str(uuid.uuid4()) + piece for piece in pieces[1:])
    return mark_safe(markup)  # noqa: S308  (rendered by an autoescaping template)


def kept(name: str, inputs, compute: Callable[[], object]):
    """Like `cached`, for any picklable value (a drawn body with what else the view needs of
    it, say): from the cache when these inputs were computed before, else `compute()`d now."""
    return kept_under(key(name, inputs), compute)


def kept_under(value_key: str, compute: Callable[[], object]):
    """The value under `value_key` (made by `key`), else `compute()`d now and kept."""
    try:
        value = cache.get(value_key)
    except Exception:  # a cache that is down must not break the page
        logger.warning("fragment cache unavailable", exc_info=True)
        value = None
    if value is None:
        value = compute()
        try:
            cache.set(value_key, value, CACHE_SECONDS)
        except Exception:
            logger.warning("fragment cache unavailable", exc_info=True)
    return value


def kept_all(computes: dict[str, Callable[[], object]]) -> dict:
    """{key: value} for several keys (made by `key`) in one cache round trip: those missing
    are computed now and kept together. A cache that is down costs only the computing."""
    try:
        found = cache.get_many(list(computes))
    except Exception:  # a cache that is down must not break the page
        logger.warning("fragment cache unavailable", exc_info=True)
        return {k: compute() for k, compute in computes.items()}
    made = {k: compute() for k, compute in computes.items() if k not in found}
    if made:
        try:
            cache.set_many(made, CACHE_SECONDS)
        except Exception:
            logger.warning("fragment cache unavailable", exc_info=True)
    return {**found, **made}
