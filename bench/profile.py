"""Profile the measured pages in-process, on the database the last `make bench` built:

    .venv/bin/python -m bench.profile [page ...] [--top N] [--requests N] [--sort tottime]

Pages: trivial, pt_dashboard, client_page, client_home, progress, log_session (default: all).
For each page it prints the mean wall time per request (under the profiler, so slower than
the bench's figures), the queries per request, the template nodes rendered per request, and
the top of cProfile's table. The database is `bench/bench.sqlite3` unless `DATABASE_URL` is
set; the settings are the bench server's (config.settings.production, local-memory cache
unless REDIS_URL is set). It logs in by making session rows (the measured client and the PT),
and log_session POSTs then deletes a log of one of her unlogged past sessions, so the data
stays as the bench built it.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time

from bench import common

STATIC_ROOT = common.BENCH_DIR / ".profile-static"  # collected once (git-ignored)
PAGES = ["trivial", "pt_dashboard", "client_page", "client_home", "progress", "log_session"]


def _environment() -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{common.BENCH_DIR / 'bench.sqlite3'}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "PRENAFIT_REQUIRE_STAFF_MFA": "false",
            "ACCOUNT_EMAIL_VERIFICATION": "none",
            "SECURE_SSL_REDIRECT": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY", secrets.token_urlsafe(50)),
            "STATIC_ROOT": str(STATIC_ROOT),
            "CELERY_BROKER_URL": "memory://localhost/",
        }
    )


def _client(user=None):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    if user is not None:
        client.force_login(user)
    return client


def _pages() -> dict:
    """name -> a function doing one request and checking its answer."""
    from tracker.models import ScheduledSession, SessionLog
    from users.models import User

    pt = User.objects.get(email=common.PT_EMAIL)
    her = User.objects.get(email=common.client_email(0))
    as_pt, as_her, anonymous = _client(pt), _client(her), _client()
    unlogged = (
        ScheduledSession.objects.filter(client=her, log__isnull=True, date__lt=common_today(her))
        .order_by("date")
        .first()
    )

    def get(client, path, expected=200):
        def one():
            response = client.get(path, secure=True)
            assert response.status_code == expected, (path, response.status_code)

        return one

    def log():
        path = f"/me/sessions/{unlogged.pk}/log/"
        form = {
            "status": "completed",
            "performed_on": unlogged.date.isoformat(),
            "minutes": "60",
            "rpe": "13",
        }
        response = as_her.post(path, form, secure=True)
        assert response.status_code == 302, (path, response.status_code)

    def unlog():
        SessionLog.objects.filter(session=unlogged).delete()
        # The bench sends no messages cookie back: without this, each POST would add its
        # message to the ones before, and the cookie would grow to its size limit.
        as_her.cookies.pop("messages", None)

    log.after = unlog  # not measured: puts the data back as the bench built it

    return {
        "trivial": get(anonymous, "/exercises/zz-no-such-exercise/", 404),
        "pt_dashboard": get(as_pt, "/home/"),
        "client_page": get(as_pt, f"/pt/clients/{her.pk}/"),
        "client_home": get(as_her, "/home/"),
        "progress": get(as_her, "/me/progress/"),
        "log_session": log,
    }


def common_today(user):
    from tracker.selectors import local_today

    return local_today(user)


def profile(name: str, one, requests: int, top: int, sort: str) -> None:
    from django.db import connection

    after = getattr(one, "after", lambda: None)  # puts the data back; never measured
    for _ in range(3):
        one()  # warm per-process caches
        after()
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        one()
    after()
    plain = []
    for _ in range(requests):
        started = time.perf_counter()
        one()
        plain.append(time.perf_counter() - started)
        after()
    profiler = cProfile.Profile()
    profiled = 0.0
    for _ in range(requests):
        started = time.perf_counter()
        profiler.enable()
        one()
        profiler.disable()
        profiled += time.perf_counter() - started
        after()
    stats = pstats.Stats(profiler)
    nodes = sum(
        calls[1]
        for (path, _line, function), calls in stats.stats.items()
        if function == "render_annotated" and path.endswith("template/base.py")
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    table = out.getvalue()
    table = table[table.find("   ncalls") :]
    print(
        f"\n=== {name}: {statistics.median(plain) * 1000:.1f} ms/request (median), "
        f"{profiled / requests * 1000:.1f} ms under the profiler, {len(queries)} queries, "
        f"{nodes / requests:.0f} template nodes"
    )
    print(table.replace(str(common.ROOT) + "/", "").rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=[], help=", ".join(PAGES))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    args = parser.parse_args()
    _environment()
    import django

    django.setup()
    if not (STATIC_ROOT / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    pages = _pages()
    for name in args.pages or PAGES:
        profile(name, pages[name], args.requests, args.top, args.sort)


if __name__ == "__main__":
    sys.exit(main())
