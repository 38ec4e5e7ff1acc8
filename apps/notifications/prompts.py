"""The offer to turn on push, made once after a first meaningful action."""

SUGGEST_PUSH = "notifications.suggest_push"


def suggest_push(request) -> None:
    """After someone's first meaningful action (a post, a comment, a message, an RSVP, a
    report), the next page offers push once; push.js shows it only where push is possible
    and not decided yet."""
    if request.user.is_authenticated and not request.session.get(SUGGEST_PUSH + ".done"):
        request.session[SUGGEST_PUSH] = True
        request.session[SUGGEST_PUSH + ".done"] = True
