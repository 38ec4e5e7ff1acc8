"""Who is on the other end of a websocket: the session of a browser, or an API token."""

from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from apps.core.authentication import is_token_key


@database_sync_to_async
def _user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    if not is_token_key(key):
        return AnonymousUser()
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


def _token_from_scope(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, key = value.decode("latin-1").partition(" ")
            if kind.lower() == "token" and key.strip():
                return key.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    keys = query.get("token")
    return keys[0] if keys else None


def _session_key_from_scope(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
    return None


async def _user_for_session(key: str | None):
    if not key:
        return AnonymousUser()
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    return await get_user({"session": store})


class SessionOrTokenAuthMiddleware:
    """Puts the user in the scope: by `Authorization: Token <key>` (or `?token=` where a
    client cannot set headers) for API clients, else by the browser's session cookie. A
    token, when given, wins over the session. Only the user stays with the socket: no
    session object or cookie wrapper is kept per connection, for sockets that stay open for
    hours."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        key = _token_from_scope(scope)
        if key is not None:
            user = await _user_for_token(key)
        else:
            user = await _user_for_session(_session_key_from_scope(scope))
        return await self.inner(dict(scope, user=user), receive, send)
