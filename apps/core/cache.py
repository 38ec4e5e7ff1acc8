"""One cache client per process, for code that runs under long-lived websockets.

`django.core.cache.cache` is local to the async context it is first used in: Django makes one
per request and closes it when the request ends. Every websocket is such a context, and
what a socket runs in a thread hands its context changes back to it, so each open socket
would keep a client, a connection pool and Redis connections of its own for hours."""

import functools

from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches
from django.core.signals import setting_changed
from django.dispatch import receiver


@functools.cache
def shared_cache() -> BaseCache:
    return caches.create_connection(DEFAULT_CACHE_ALIAS)


@receiver(setting_changed)
def _forget_on_new_settings(*, setting: str, **kwargs) -> None:
    if setting == "CACHES":
        shared_cache.cache_clear()
