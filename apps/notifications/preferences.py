"""Who wants to hear about what, and how: channels per kind, quiet hours, muted posts.
Reads and writes of one's own preferences, and the bulk look-ups the senders use (one
query per audience, whatever its size)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    CHANNELS,
    DEFAULT_CHANNELS,
    QUIET_END,
    QUIET_START,
    MutedTarget,
    Notification,
    NotificationPreference,
    NotificationSettings,
)

Kind = Notification.Kind
# Kinds that push even in quiet hours.
URGENT_KINDS = frozenset({Kind.URGENT_WARNING})
# What can be muted here; conversations are muted in the chat.
MUTABLE_TARGETS = frozenset({Notification.TargetType.POST})


@dataclass(frozen=True)
class Channels:
    in_app: bool
    push: bool
    email: bool

    @property
    def any(self) -> bool:
        return self.in_app or self.push or self.email


def default_channels(kind: str) -> Channels:
    return Channels(*DEFAULT_CHANNELS[kind])


def channels_for(user_ids: Iterable[int], kind: str) -> dict[int, Channels]:
    """Each person's channels for this kind, in one query."""
    ids = list(user_ids)
    chosen = {
        row[0]: Channels(*row[1:])
        for row in NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "in_app", "push", "email"
        )
    }
    default = default_channels(kind)
    return {user_id: chosen.get(user_id, default) for user_id in ids}


def preference_table(user) -> list[dict]:
    """One's channels for every kind, in the order of the kinds."""
    chosen = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for kind, label in Kind.choices:
        row = chosen.get(kind)
        channels = (
            default_channels(kind) if row is None else Channels(row.in_app, row.push, row.email)
        )
        rows.append({"kind": kind, "label": label, **channels.__dict__})
    return rows


def preferences_update(*, user, changes: dict[str, dict[str, bool]]) -> list[dict]:
    """Set channels of some kinds ({kind: {channel: on}}); unnamed channels keep their value."""
    unknown = set(changes) - set(Kind.values)
    if unknown:
        raise ValidationError(
            _("Unbekannte Art: %(kinds)s") % {"kinds": ", ".join(sorted(unknown))}
        )
    current = {row["kind"]: row for row in preference_table(user)}
    with transaction.atomic():
        for kind, values in changes.items():
            bad = set(values) - set(CHANNELS)
            if bad:
                raise ValidationError(
                    _("Unbekannter Weg: %(channels)s") % {"channels": ", ".join(sorted(bad))}
                )
            merged = {
                channel: bool(values.get(channel, current[kind][channel])) for channel in CHANNELS
            }
            NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults=merged)
    return preference_table(user)


def notification_settings(user) -> NotificationSettings:
    """One's quiet hours; the defaults (unsaved) for someone who never changed them."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def quiet_hours_update(
    *, user, enabled: bool, start: dt.time, end: dt.time
) -> NotificationSettings:
    if enabled and start == end:
        raise ValidationError(_("Beginn und Ende der Ruhezeit müssen verschieden sein."))
    NotificationSettings.objects.update_or_create(
        user=user,
        defaults={"quiet_hours": enabled, "quiet_start": start, "quiet_end": end},
    )
    return notification_settings(user)


def in_quiet_hours(start: dt.time, end: dt.time, at: dt.datetime) -> bool:
    """Whether local time `at` lies in [start, end); a span over midnight wraps."""
    local = timezone.localtime(at, timezone.get_default_timezone()).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def quiet_among(user_ids: Iterable[int], *, at: dt.datetime | None = None) -> set[int]:
    """Who of these people is in their quiet hours right now, in one query."""
    at = at or timezone.now()
    ids = set(user_ids)
    rows = {
        row[0]: row[1:]
        for row in NotificationSettings.objects.filter(user_id__in=ids).values_list(
            "user_id", "quiet_hours", "quiet_start", "quiet_end"
        )
    }
    default_quiet = in_quiet_hours(QUIET_START, QUIET_END, at)
    quiet = set()
    for user_id in ids:
        row = rows.get(user_id)
        if row is None:
            if default_quiet:
                quiet.add(user_id)
        elif row[0] and in_quiet_hours(row[1], row[2], at):
            quiet.add(user_id)
    return quiet


def _check_mutable(target_type: str) -> None:
    if target_type not in MUTABLE_TARGETS:
        raise ValidationError(_("Das lässt sich hier nicht stummschalten."))


def mute(*, user, target_type: str, target_id: int) -> None:
    _check_mutable(target_type)
    MutedTarget.objects.get_or_create(user=user, target_type=target_type, target_id=target_id)


def unmute(*, user, target_type: str, target_id: int) -> None:
    _check_mutable(target_type)
    MutedTarget.objects.filter(user=user, target_type=target_type, target_id=target_id).delete()


def is_muted(*, user, target_type: str, target_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return MutedTarget.objects.filter(
        user=user, target_type=target_type, target_id=target_id
    ).exists()


def muted_among(user_ids: Iterable[int], *, target_type: str, target_id: int) -> set[int]:
    if target_type not in MUTABLE_TARGETS:
        return set()
    return set(
        MutedTarget.objects.filter(
            user_id__in=list(user_ids), target_type=target_type, target_id=target_id
        ).values_list("user_id", flat=True)
    )


def digest_enabled_kinds(user) -> list[str]:
    return [row["kind"] for row in preference_table(user) if row["email"]]


def email_off_everywhere(*, user) -> int:
    """The digest's unsubscribe: no email for any kind. Returns how many kinds were on."""
    on = digest_enabled_kinds(user)
    if on:
        preferences_update(user=user, changes={kind: {"email": False} for kind in on})
    return len(on)
