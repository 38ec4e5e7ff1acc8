"""The text of town-hall news: plain text with two small conventions, so a clerk can
structure a notice without learning markup.

    ## Straßensperrung        a line starting with "## " is a heading
    - Hauptstraße              lines starting with "- " (or "* ") form a list

Everything else is a paragraph; blank lines separate paragraphs. Every piece of text goes
through render_plain_text, which escapes it and makes links clickable, so no markup typed by
anyone reaches the page."""

from django.utils.safestring import SafeString, mark_safe

from apps.core.rendering import render_plain_text

HEADING = "## "
BULLETS = ("- ", "* ")


def _inline(text: str) -> str:
    return str(render_plain_text(text))


def render_news_text(text: str, *, heading_level: int = 2) -> SafeString:
    level = min(max(heading_level, 2), 6)
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close_paragraph():
        if paragraph:
            blocks.append(f"<p>{_inline(chr(10).join(paragraph))}</p>")
            paragraph.clear()

    def close_list():
        if items:
            blocks.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if line.startswith(HEADING) and line[len(HEADING) :].strip():
            close_paragraph()
            close_list()
            blocks.append(f"<h{level}>{_inline(line[len(HEADING) :].strip())}</h{level}>")
        elif line.startswith(BULLETS) and line[2:].strip():
            close_paragraph()
            items.append(line[2:].strip())
        elif not line:
            close_paragraph()
            close_list()
        else:
            close_list()
            paragraph.append(line)
    close_paragraph()
    close_list()
    return mark_safe("\n".join(blocks))  # noqa: S308 - every text piece went through escaping


def news_excerpt(text: str, length: int = 240) -> str:
    """The text on one line, for cards, feeds and the board: a heading ends with a colon and
    a list item with a full stop, so the flattened text still reads as sentences."""
    words = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith(HEADING) and line[len(HEADING) :].strip():
            line = _ending(line[len(HEADING) :].strip(), ":")
        elif line.startswith(BULLETS) and line[2:].strip():
            line = _ending(line[2:].strip(), ".")
        if line:
            words.append(line)
    flat = " ".join(" ".join(words).split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def _ending(line: str, mark: str) -> str:
    return line if line[-1] in ".:!?;," else line + mark
