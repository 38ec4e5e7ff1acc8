from .selectors import unread_total


def chat(request) -> dict:
    """The unread badge in the menu, on every page (one small query when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"chat_unread_total": lambda: unread_total(user=user)}
