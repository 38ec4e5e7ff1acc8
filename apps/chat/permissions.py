"""Who may talk to whom. A conversation is readable only by its participants; one that is
not yours looks the same as a missing one."""

from django.utils import timezone

from apps.accounts.selectors import is_blocked_between

from .models import EDIT_WINDOW


def can_chat(user) -> bool:
    """Chatting needs an active account with a confirmed email address."""
    return bool(user.is_authenticated and user.is_active and user.email_confirmed_at is not None)


def can_message(user, other) -> bool:
    """Whether user may start a conversation with other (or add them to a group)."""
    return (
        can_chat(user)
        and other.is_active
        and other.pk != user.pk
        and not is_blocked_between(user.pk, other.pk)
    )


def can_change_message(user_id: int, message) -> bool:
    """The author, within EDIT_WINDOW of sending, while the message is not deleted."""
    return (
        message.author_id == user_id
        and message.deleted_at is None
        and timezone.now() - message.created_at < EDIT_WINDOW
    )
