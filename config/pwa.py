"""The installable web app: the service worker at /sw.js (scope /) and the offline page.

The worker is a template rendered here (not a static file) so that it can list every static
file by its served name (hashed in production) and carry a version that changes whenever one of
them does: a new deploy installs a new worker, which caches the new files and drops the old.
What it keeps for a client's offline use comes from `tracker.offline.offline_pack`.
"""

import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

SKIP = {"README", "LICENSE"}


def _static_files() -> list[Path]:
    files = []
    for folder in settings.STATICFILES_DIRS:
        root = Path(folder)
        files += [
            p.relative_to(root)
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in SKIP and not p.name.startswith(".")
        ]
    return files


@functools.cache
def precache() -> tuple[list[str], str]:
    """Every static file of the project by its served URL, and a version of them all (their
    content and the worker's own template), computed once per process."""
    digest = hashlib.sha256()
    urls = []
    for rel in _static_files():
        urls.append(staticfiles_storage.url(rel.as_posix()))
        for folder in settings.STATICFILES_DIRS:
            path = Path(folder) / rel
            if path.is_file():
                digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
                break
    for name in ("pwa/sw.js", "pwa/offline.html"):
        digest.update(Path(get_template(name).origin.name).read_bytes())
    return urls, digest.hexdigest()[:12]


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    urls, version = precache()
    body = get_template("pwa/sw.js").render(
        {
            "version": version,
            "precache": json.dumps(urls),
            "idb": staticfiles_storage.url("vendor/idb/idb.umd.js"),
            "outbox": staticfiles_storage.url("js/outbox_core.js"),
            "icon": staticfiles_storage.url("icons/icon-192.png"),
        }
    )
    return HttpResponse(body, content_type="text/javascript; charset=utf-8")


@require_GET
def offline(request):
    """The calm page any other address answers when there is no network (cached by the
    worker at install; nothing personal on it)."""
    return render(request, "pwa/offline.html")
