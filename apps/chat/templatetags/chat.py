from django import template

from apps.chat.permissions import can_change_message as can_change

register = template.Library()


@register.filter
def conversation_title(item, user) -> str:
    """{{ item|conversation_title:user }}: the group's name or the other people's names."""
    return item.title_for(user)


@register.filter
def can_change_message(message, user) -> bool:
    """Whether to offer editing and deleting: own, not deleted, within the window."""
    return can_change(user.pk, message)
