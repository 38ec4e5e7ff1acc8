"""Ids that come from outside (URLs, forms, JSON): anything that is no id of ours answers
like a missing object."""

from django.http import Http404

# Larger numbers are no ids of ours, and the databases cannot compare them.
ID_LIMIT = 2**62


def parse_id(value) -> int:
    """The id in `value`, or Http404 for anything that cannot be one (booleans, text,
    numbers out of range)."""
    if isinstance(value, bool):
        raise Http404
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < number < ID_LIMIT:
        raise Http404
    return number
