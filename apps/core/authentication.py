"""API token authentication that refuses malformed keys before any database lookup."""

import re

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

TOKEN_KEY = re.compile(r"[0-9a-f]{40}")


def is_token_key(key: str) -> bool:
    """Keys are 40 hex digits; anything else (a NUL, say, which PostgreSQL rejects) is
    refused without asking the database."""
    return bool(TOKEN_KEY.fullmatch(key))


class StrictTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        if not is_token_key(key):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
