"""At most CHAT_RATE_LIMIT_MESSAGES messages per CHAT_RATE_LIMIT_SECONDS per person.

The person's messages of the last CHAT_RATE_LIMIT_SECONDS are counted in the database, in the
query that checks the sender (apps.chat.sending): every process sees the same count, and
the limit costs a send no round trip of its own. Two sends at the very same moment from two
devices may both take the last free place."""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.CHAT_RATE_LIMIT_SECONDS)


def allows(recent_messages: int) -> bool:
    """Whether one more message fits after these many within the window."""
    return recent_messages < settings.CHAT_RATE_LIMIT_MESSAGES
