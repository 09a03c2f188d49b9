"""Print a new VAPID key pair for Web Push, as the two lines of an environment file."""

import base64

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_key_pair() -> tuple[str, str]:
    """(public, private): the public key as PushManager.subscribe's applicationServerKey (the
    uncompressed P-256 point, base64url without padding) and the private key as py_vapid's
    Vapid.from_string reads it (the raw 32-byte number, base64url)."""
    vapid = Vapid()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(public), b64url(private)


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for push notifications: put both lines in the server's "
        "environment (.env). Changing the keys later stops every device's notifications until "
        "it turns them on again."
    )

    def handle(self, *args, **options):
        public, private = vapid_key_pair()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
