"""Small facts about a request that several apps' views ask."""


def is_htmx(request) -> bool:
    """Sent by htmx (which then wants a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"
