from .prompts import SUGGEST_PUSH
from .selectors import unread_count
from .vapid import public_key


def notifications(request) -> dict:
    """The bell's unread count in the menu: one small query, only when a page shows it; and
    the offer to turn on push, once."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"notifications_unread": lambda: unread_count(user=user)}
    # Only a page load takes the offer, not a background fetch or the service worker's
    # update check that may come first.
    page_load = request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"
    session = getattr(request, "session", None)
    if page_load and session is not None and session.pop(SUGGEST_PUSH, False):
        context["suggest_push"] = True
        context["vapid_public_key"] = public_key()
    return context
