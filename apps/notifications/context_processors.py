from .selectors import unread_count


def notifications(request) -> dict:
    """The bell's unread count in the menu: one small query, only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": lambda: unread_count(user=user)}
