"""Pauses logins after repeated failures, per email address and per client address.

Counted in the cache (Redis in production), so every worker process sees the same count."""

import hashlib

from django.conf import settings
from django.core.cache import cache

# A town hall or a care home may share one address: allow more from one address than
# against one account.
ADDRESS_FACTOR = 4


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def login_paused(*, email: str, address: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return (
        _count(_key("email", email)) >= limit
        or _count(_key("address", address)) >= limit * ADDRESS_FACTOR
    )


def login_failed(*, email: str, address: str) -> None:
    for key in (_key("email", email), _key("address", address)):
        # add() starts the window only on the first failure; incr() keeps its expiry.
        if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def login_succeeded(*, email: str) -> None:
    cache.delete(_key("email", email))


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
