"""Who has a live socket right now, counted in the cache (Redis in production) so every
process sees it, through the process's one cache client (apps.core.cache). Used to skip
pushes to people who are looking at the app.

Each socket counts itself in when it connects and out when it closes, and refreshes a
heartbeat whenever the client is heard from. A process that dies without closing its
sockets leaves its count behind, but the heartbeat runs out after
REALTIME_PRESENCE_SECONDS, so nobody stays present for longer than that."""

from django.conf import settings

from apps.core.cache import shared_cache


def _keys(user_id: int) -> tuple[str, str]:
    return f"presence:count:{user_id}", f"presence:seen:{user_id}"


def _ttl() -> int:
    return settings.REALTIME_PRESENCE_SECONDS


def socket_opened(user_id: int) -> None:
    count_key, seen_key = _keys(user_id)
    if not shared_cache().add(count_key, 1, timeout=None):
        try:
            shared_cache().incr(count_key)
        except ValueError:
            shared_cache().add(count_key, 1, timeout=None)
    shared_cache().set(seen_key, 1, timeout=_ttl())


def socket_heard(user_id: int) -> None:
    seen_key = _keys(user_id)[1]
    if not shared_cache().touch(seen_key, timeout=_ttl()):
        shared_cache().set(seen_key, 1, timeout=_ttl())


def socket_closed(user_id: int) -> None:
    count_key, seen_key = _keys(user_id)
    try:
        left = shared_cache().decr(count_key)
    except ValueError:
        left = 0
    if left <= 0:
        shared_cache().delete_many([count_key, seen_key])


def is_present(user_id: int) -> bool:
    count_key, seen_key = _keys(user_id)
    values = shared_cache().get_many([count_key, seen_key])
    return bool(values.get(seen_key)) and int(values.get(count_key) or 0) > 0


def present_among(user_ids) -> set[int]:
    """Which of these people have a live socket, in one cache round trip."""
    ids = list(user_ids)
    keys = [key for user_id in ids for key in _keys(user_id)]
    values = shared_cache().get_many(keys)
    return {
        user_id
        for user_id in ids
        if values.get(_keys(user_id)[1]) and int(values.get(_keys(user_id)[0]) or 0) > 0
    }
