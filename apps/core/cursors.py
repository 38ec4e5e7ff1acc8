"""Keyset cursors: the sort values of a page's last row, as an opaque URL-safe string. A
cursor that is not one of ours is a clear 400 ("Ungültiger Cursor."), never a 500."""

import base64
import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .ids import ID_LIMIT

# Ours are well under 100 characters; anything longer is not worth decoding.
CURSOR_MAX = 200


def _invalid() -> ValidationError:
    return ValidationError({"cursor": _("Ungültiger Cursor.")})


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor, size: int) -> list:
    """The `size` values a cursor holds."""
    if not isinstance(cursor, str) or len(cursor) > CURSOR_MAX:
        raise _invalid()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeError, TypeError) as exc:
        raise _invalid() from exc
    if not isinstance(values, list) or len(values) != size:
        raise _invalid()
    return values


def cursor_time(value) -> dt.datetime:
    """An aware ISO time from a cursor, in UTC."""
    if not isinstance(value, str):
        raise _invalid()
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive time")
        # A time like year 1 at +05:00 has no UTC form; the database would fail on it.
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise _invalid() from exc


def cursor_id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < ID_LIMIT:
        raise _invalid()
    return value


def encode_time_cursor(time: dt.datetime, pk: int) -> str:
    return encode_cursor([time.isoformat(), pk])


def decode_time_cursor(cursor) -> tuple[dt.datetime, int]:
    """The (time, id) pair of the most common cursor: newest or soonest first, then by id."""
    time, pk = decode_cursor(cursor, 2)
    return cursor_time(time), cursor_id(pk)
