import os
import shutil
import socket
from dataclasses import dataclass

import pytest

from tests.factories import AdminFactory, CareLinkFactory, ClientFactory, PTFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, reason: str) -> None:
    """Skip locally with a clear reason when a service is missing; in CI, fail instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(reason)


def redis_url_for_tests(db: int) -> str:
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
    return f"{base.rstrip('/')}/{db}"


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="session")
def redis_available():
    ok = redis_answers(redis_url_for_tests(15))
    require_service(ok, "Redis is not answering on 127.0.0.1:6379")
    return True


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(
        shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM),
        f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cast:
    """The six actors of the authorization matrix (anonymous is simply no user)."""

    client: object
    other_client: object
    her_pt: object
    other_pt: object
    admin: object

    def user(self, actor: str):
        return None if actor == "anonymous" else getattr(self, actor)


@pytest.fixture
def cast(db):
    her_pt = PTFactory(full_name="Her PT")
    other_pt = PTFactory(full_name="Other PT")
    client = ClientFactory(full_name="The Client")
    other_client = ClientFactory(full_name="Other Client")
    CareLinkFactory(pt=her_pt, client=client)
    CareLinkFactory(pt=other_pt, client=other_client)
    return Cast(
        client=client,
        other_client=other_client,
        her_pt=her_pt,
        other_pt=other_pt,
        admin=AdminFactory(full_name="Site Admin"),
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
