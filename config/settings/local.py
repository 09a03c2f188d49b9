"""Development: DEBUG on, a throwaway secret, console e-mail, SQLite unless DATABASE_URL is set.

With no REDIS_URL, a Redis answering on localhost is used; with none, Celery falls back to
kombu's filesystem transport (see base.py), so `make run` needs no external service.
"""

import os
import socket

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ACCOUNT_EMAIL_VERIFICATION", "optional")


def _local_redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


if "REDIS_URL" not in os.environ and _local_redis_answers():
    os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"

from .base import *  # noqa: E402,F403
