"""Plain text as safe HTML: everything escaped, web links clickable, line breaks kept.

Used for every text people write (posts, comments, messages), so nobody can inject markup."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# http(s) links and bare www. addresses, up to the next space or angle bracket or quote.
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
_TRAILING = ".,;:!?"
MAX_LINK_TEXT = 60


def _without_trailing(url: str) -> str:
    """A sentence's full stop or a closing bracket after a link is not part of it."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _link(url: str) -> str:
    href = url if url.lower().startswith(("http://", "https://")) else f"https://{url}"
    text = url if len(url) <= MAX_LINK_TEXT else url[: MAX_LINK_TEXT - 1] + "…"
    return (
        f'<a href="{escape(href)}" rel="nofollow noopener noreferrer ugc" '
        f'target="_blank">{escape(text)}</a>'
    )


def render_plain_text(text: str) -> SafeString:
    parts = []
    position = 0
    for match in _LINK.finditer(text):
        url = _without_trailing(match.group(0))
        if not _LINK.fullmatch(url):
            # Stripping ate into the address ("www.." or "https://."): nothing left to link.
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(_link(url))
        # What was cut off stays in the text and is escaped with what follows.
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    html = "".join(parts).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>\n")
    return mark_safe(html)  # noqa: S308 - every piece above is escaped
