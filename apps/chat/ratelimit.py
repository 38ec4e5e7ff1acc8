"""At most CHAT_RATE_LIMIT_MESSAGES messages per CHAT_RATE_LIMIT_SECONDS per person, counted
in the cache (Redis in production), so every process sees the same count."""

import time

from django.conf import settings
from django.core.cache import cache


def allow_message(user_id: int) -> bool:
    """Counts one message and says whether it is still within the limit."""
    window = settings.CHAT_RATE_LIMIT_SECONDS
    key = f"chat-rate:{user_id}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window * 2):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add() and incr().
        cache.add(key, 1, timeout=window * 2)
        count = 1
    return count <= settings.CHAT_RATE_LIMIT_MESSAGES
