"""Cleaning of user-typed text before it is stored."""

import re
import unicodedata

# Zero-width and direction-override characters let text look different from what it is.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = {"\t", "\n", "\r", "\x0b", "\x0c"}


def _strip_controls(value: str) -> str:
    """Whitespace controls become spaces; other control and format characters go."""
    return "".join(
        " " if ch in _SPACES else ch
        for ch in value
        if ch in _SPACES or not unicodedata.category(ch).startswith("C")
    )


def clean_line(value: str) -> str:
    """One line of text: normalised, without control or invisible characters, single spaces."""
    value = _INVISIBLE.sub("", unicodedata.normalize("NFC", value or ""))
    return " ".join(_strip_controls(value).split())


def clean_text(value: str) -> str:
    """Multi-line text: like clean_line per line, keeping line breaks (at most one blank line)."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = _INVISIBLE.sub("", value)
    lines = [_strip_controls(line).rstrip() for line in value.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip())
