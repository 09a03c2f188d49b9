"""Project-wide behaviour: health check, security headers, settings, demo data."""

import os
import pathlib
import re
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from config.celery import app as celery_app
from programs.models import ProgramVersion
from tests.clock import pin
from users.models import CareLink, User

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def broker_url():
    """Point the Celery app at a broker for one test, then restore it."""
    from tests.conftest import point_broker

    saved = celery_app.conf.broker_url
    yield lambda url: point_broker(celery_app, url)
    point_broker(celery_app, saved)


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_redis_broker_are_up(client, redis_available, broker_url):
    from tests.conftest import redis_url_for_tests

    broker_url(redis_url_for_tests(15))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "up", "broker": "up"}


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_broker_when_it_is_down(client, broker_url):
    broker_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_and_security_headers(client):
    response = client.get(reverse("landing"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    # The one script tag carries the per-request nonce.
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in response.content.decode()


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text):
            offenders.append(str(path.relative_to(ROOT)))
        if "<style" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # Only what a production host would set: none of the test run's own variables.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 30 + "production-like-secret-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "prenafit.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


@pytest.mark.django_db
@pin()  # the demo's history is dated from today
def test_seed_demo_creates_the_three_logins_and_is_idempotent(capsys):
    with override_settings(DEBUG=True):
        call_command("seed_demo")
        first = _demo_state()
        call_command("seed_demo")
    assert _demo_state() == first
    out = capsys.readouterr().out
    for email in ("admin@prenafit.test", "pt@prenafit.test", "client@prenafit.test"):
        assert email in out
    assert "prenafit-demo" in out
    assert ProgramVersion.objects.filter(program__slug="aparicio2023", status="published").exists()
    admin = User.objects.get(email="admin@prenafit.test")
    assert admin.is_staff and admin.check_password("prenafit-demo")


def _demo_state():
    return (
        sorted(User.objects.values_list("email", "role", "is_staff", "pt_approved")),
        CareLink.objects.count(),
        list(ProgramVersion.objects.values_list("program__slug", "number", "status")),
    )


@pytest.mark.django_db
@pin()  # the demo's history is dated from today
def test_seed_demo_refuses_with_debug_off_unless_forced():
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", "--force")
    assert User.objects.filter(email="client@prenafit.test").exists()


@pytest.mark.django_db
@pin()  # the demo's history is dated from today
def test_demo_logins_work_through_the_login_form(client):
    call_command("seed_demo", "--force")
    for email in ("admin@prenafit.test", "pt@prenafit.test", "client@prenafit.test"):
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": email, "password": "prenafit-demo"}
        )
        assert response.status_code == 302, email
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_models_and_migrations_agree():
    """A model change without its migration fails here (makemigrations --check)."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_cookies_are_secure_and_http_only():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "y" * 60,
        "ALLOWED_HOSTS": "prenafit.example",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "True", "False"]


def test_collectstatic_works_with_production_settings(tmp_path):
    """whitenoise's manifest storage fails on a referenced file that is missing (a source map)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "z" * 60,
        "ALLOWED_HOSTS": "prenafit.example",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
