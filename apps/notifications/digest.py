"""The daily email digest: unread notifications of the kinds someone switched email on for,
one email per person, with a one-click unsubscribe link that needs no login.

Email is opt-in for every kind (DEFAULT_CHANNELS), so whoever wants a digest has a
NotificationPreference row with email on; the digest walks those people, not all users."""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Notification, NotificationPreference, NotificationSettings
from .rendering import notification_text

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# More than this many lines make a wall nobody reads; the rest is "und N weitere".
LIST_LIMIT = 50
# Who never had a digest gets what came in the day before.
FIRST_DIGEST_SPAN = dt.timedelta(hours=24)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


# --- The unsubscribe token --------------------------------------------------------------


def unsubscribe_token(user: "User") -> str:
    """A signed token carrying only the user's id. It never expires: a link in a digest
    from last year must still unsubscribe."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user.pk))


def user_from_unsubscribe_token(token: str) -> "User | None":
    """The user a token was made for, or None for a tampered, malformed or stale one."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return get_user_model().objects.filter(pk=int(value)).first()


def unsubscribe_url(user: "User") -> str:
    return settings.SITE_URL + reverse(
        "notifications:unsubscribe", kwargs={"token": unsubscribe_token(user)}
    )


def preferences_path() -> str:
    return reverse("notifications:preferences")


def preferences_url() -> str:
    return settings.SITE_URL + preferences_path()


# --- Who gets a digest, and with what ---------------------------------------------------


@dataclass
class Digest:
    user: "User"
    notifications: list[Notification]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.notifications)


def _recipients(*, after: int) -> list["User"]:
    """The next chunk of people who want a digest: active, with a confirmed address and
    email switched on for at least one kind."""
    opted_in = NotificationPreference.objects.filter(email=True).values("user_id")
    return list(
        get_user_model()
        .objects.filter(
            pk__in=opted_in, pk__gt=after, is_active=True, email_confirmed_at__isnull=False
        )
        .exclude(email="")
        .order_by("pk")[:CHUNK_SIZE]
    )


def _pending(user_ids: list[int], *, now: dt.datetime) -> dict[int, tuple[list, int]]:
    """For each of these people: their newest LIST_LIMIT notifications for the digest, and
    how many there are in all; in one query. A notification counts when it is unread, of a
    kind with email on, and came in (or grew) after the last digest and no later than now:
    the next run starts exactly where this one ends."""
    email_on = NotificationPreference.objects.filter(
        user_id=OuterRef("recipient_id"), kind=OuterRef("kind"), email=True
    )
    # A subquery, not a join: most people have no settings row.
    last_digest = NotificationSettings.objects.filter(user_id=OuterRef("recipient_id")).values(
        "last_digest_at"
    )
    since = Coalesce(
        Subquery(last_digest),
        Value(now - FIRST_DIGEST_SPAN, output_field=DateTimeField()),
    )
    rows = (
        Notification.objects.filter(
            Exists(email_on),
            recipient_id__in=user_ids,
            read_at=None,
            updated_at__gt=since,
            updated_at__lte=now,
        )
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("recipient_id")],
                order_by=[F("updated_at").desc(), F("id").desc()],
            ),
            total=Window(Count("id"), partition_by=[F("recipient_id")]),
        )
        .filter(position__lte=LIST_LIMIT)
        .select_related("actor")
        .order_by("recipient_id", "position")
    )
    pending: dict[int, tuple[list, int]] = {}
    for row in rows:
        listed, _total = pending.get(row.recipient_id, ([], 0))
        listed.append(row)
        pending[row.recipient_id] = (listed, row.total)
    return pending


# --- The email --------------------------------------------------------------------------


def digest_message(digest: Digest, *, connection=None) -> EmailMultiAlternatives:
    """The digest email, in the recipient's language, with a text and an HTML part."""
    user = digest.user
    site = settings.SITE_URL
    unsubscribe = unsubscribe_url(user)
    with translation.override(user.language_code):
        items = [
            {
                "text": notification_text(n),
                "url": site + reverse("notifications:open", kwargs={"pk": n.pk}),
            }
            for n in digest.notifications
        ]
        context = {
            "user": user,
            "items": items,
            "total": digest.total,
            "more": digest.more,
            "site_url": site,
            "list_url": site + reverse("notifications:list"),
            "preferences_url": preferences_url(),
            "unsubscribe_url": unsubscribe,
            "language": user.language_code,
        }
        subject = render_to_string("notifications/email/digest_subject.txt", context)
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[user.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: the mail program may POST to that URL without asking again.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _mark_sent(user_id: int, now: dt.datetime) -> None:
    # One upsert instead of update_or_create's savepoint, select and write: the row may not
    # exist yet (nobody has one until they change a setting or get a digest).
    NotificationSettings.objects.bulk_create(
        [NotificationSettings(user_id=user_id, last_digest_at=now)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["last_digest_at"],
    )


def send_digests(*, now: dt.datetime | None = None) -> int:
    """Send everyone who opted in their digest of what is new since the last one. Run daily
    (Celery beat). Running it again finds nothing new: each sent digest moves the person's
    last_digest_at to now, right after sending, so a crash in the middle repeats at most
    one email. A failing send is logged and skipped; that person's last_digest_at stays, so
    the next run includes it all again. Returns how many emails were sent."""
    now = now or timezone.now()
    # One SMTP connection for the whole run, opened at the first send.
    connection = get_connection()
    sent = 0
    after = 0
    try:
        while True:
            users = _recipients(after=after)
            if not users:
                break
            after = users[-1].pk
            pending = _pending([user.pk for user in users], now=now)
            for user in users:
                if user.pk in pending and _send_one(user, *pending[user.pk], connection, now):
                    sent += 1
            if len(users) < CHUNK_SIZE:
                break
    finally:
        connection.close()
    return sent


def _send_one(user: "User", listed: list, total: int, connection, now: dt.datetime) -> bool:
    try:
        digest_message(Digest(user, listed, total), connection=connection).send()
    except Exception:
        # One refused address or a dropped connection must not cost everyone else their
        # digest. Closing lets the next send open a fresh connection.
        logger.exception("email digest to user %s failed", user.pk)
        try:
            connection.close()
        except Exception:
            logger.warning("closing the mail connection failed", exc_info=True)
        return False
    _mark_sent(user.pk, now)
    return True
