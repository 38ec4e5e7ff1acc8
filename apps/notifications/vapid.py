"""The application server's VAPID key pair (RFC 8292): it signs every push, and browsers
subscribe with its public half. Production sets VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY; the
embedded default makes a pair once and keeps it in var/, so subscriptions survive restarts.
`manage.py vapid_keys` prints a fresh pair."""

import base64
import json
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid02

# A JWT lives 12 hours (push services accept up to 24); it is reused until one hour is left.
TOKEN_SECONDS = 12 * 3600
TOKEN_MARGIN = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class KeyPair:
    private: str  # the raw 32-byte secret, base64url
    public: str  # the uncompressed point, base64url: the browser's applicationServerKey


def new_key_pair() -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    secret = key.private_numbers().private_value.to_bytes(32, "big")
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return KeyPair(private=_b64(secret), public=_b64(point))


def _public_of(private: str) -> str:
    vapid = Vapid02.from_raw(private.encode())
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(point)


def _embedded_pair() -> KeyPair:
    path = settings.VAR_DIR / "vapid.json"
    if not path.exists():
        pair = new_key_pair()
        path.write_text(json.dumps({"private": pair.private, "public": pair.public}))
        path.chmod(0o600)
    data = json.loads(path.read_text())
    return KeyPair(private=data["private"], public=data["public"])


@cache
def key_pair() -> KeyPair:
    private = settings.VAPID_PRIVATE_KEY
    if not private:
        return _embedded_pair()
    public = _public_of(private)
    if settings.VAPID_PUBLIC_KEY and public != settings.VAPID_PUBLIC_KEY:
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.")
    return KeyPair(private=private, public=public)


def public_key() -> str:
    return key_pair().public


@cache
def _signer() -> Vapid02:
    return Vapid02.from_raw(key_pair().private.encode())


_tokens: dict[str, tuple[float, dict]] = {}


def vapid_headers(endpoint: str, *, now: float | None = None) -> dict[str, str]:
    """The Authorization header for a push to this endpoint. Signed once per push service
    (the JWT's audience is the service's origin) and reused while it is fresh, so a warning
    to thousands of phones signs a handful of tokens, not thousands."""
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    now = time.time() if now is None else now
    cached = _tokens.get(audience)
    if cached is not None and cached[0] - now > TOKEN_MARGIN:
        return cached[1]
    expires = int(now) + TOKEN_SECONDS
    claims = {"aud": audience, "exp": expires, "sub": settings.VAPID_SUBJECT}
    headers = _signer().sign(claims)
    _tokens[audience] = (expires, headers)
    return headers


def forget_keys() -> None:
    """For tests that change the settings: drop every cached key and token."""
    key_pair.cache_clear()
    _signer.cache_clear()
    _tokens.clear()
