"""render_news_text: "## " headings, "- " lists and paragraphs around text that is always
escaped, so no markup typed by anyone ever reaches a page."""

from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st

from apps.townhall.rendering import news_excerpt, render_news_text

ALLOWED_TAGS = {"h2", "h3", "p", "ul", "li", "br", "a"}
LINK_ATTRS = {"href", "rel", "target"}

TOKENS = st.sampled_from(
    [
        "## ",
        "- ",
        "* ",
        "\n",
        "\r\n",
        "\n\n",
        "<",
        ">",
        "&",
        "&lt;",
        '"',
        "'",
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        "<h2>",
        "</ul>",
        "<img src=x onerror=alert(1)>",
        "https://example.org/?a=<b>",
        'www.example.org/"onmouseover="x',
        "javascript:alert(1)",
        "\u200b",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(st.text(), TOKENS), max_size=15).map("".join)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        raise AssertionError(f"comment in output: {data!r}")

    def handle_decl(self, decl):
        raise AssertionError(f"declaration in output: {decl!r}")

    def handle_pi(self, data):
        raise AssertionError(f"processing instruction in output: {data!r}")


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


@settings(max_examples=300, deadline=None)
@given(HOSTILE_TEXT)
@example("<script>alert(1)</script>\n## <b>Kopf</b>\n- <i>eins</i>")
@example('- <a href="javascript:x">')
def test_no_markup_is_ever_injected(text):
    reader = _read(str(render_news_text(text)))

    for tag, attrs in reader.tags:
        assert tag in ALLOWED_TAGS, tag
        if tag == "a":
            assert set(attrs) == LINK_ATTRS
            assert attrs["href"].lower().startswith(("http://", "https://"))
        else:
            assert attrs == {}, (tag, attrs)


@settings(max_examples=200, deadline=None)
@given(HOSTILE_TEXT)
def test_every_typed_character_that_is_not_a_convention_stays_visible_text(text):
    """Angle brackets typed by people come out as text, never swallowed as tags."""
    visible = "".join(_read(str(render_news_text(text))).text)

    assert visible.count("<") == text.count("<")
    assert visible.count(">") == text.count(">")


def test_headings_lists_and_paragraphs():
    text = (
        "Liebe Bürgerinnen und Bürger,\nam Montag ruht der Verkehr.\n\n"
        "## Gesperrte Straßen\n- Hauptstraße\n- Kirchweg <Nord>\nMehr auf www.example.org."
    )

    html = str(render_news_text(text))

    assert html == (
        "<p>Liebe Bürgerinnen und Bürger,<br>\nam Montag ruht der Verkehr.</p>\n"
        "<h2>Gesperrte Straßen</h2>\n"
        "<ul><li>Hauptstraße</li><li>Kirchweg &lt;Nord&gt;</li></ul>\n"
        '<p>Mehr auf <a href="https://www.example.org" rel="nofollow noopener noreferrer ugc" '
        'target="_blank">www.example.org</a>.</p>'
    )


def test_heading_level_can_be_chosen_and_stays_within_2_and_6():
    assert str(render_news_text("## Titel", heading_level=3)) == "<h3>Titel</h3>"
    assert str(render_news_text("## Titel", heading_level=1)) == "<h2>Titel</h2>"
    assert str(render_news_text("## Titel", heading_level=9)) == "<h6>Titel</h6>"


def test_a_lone_marker_is_plain_text():
    assert str(render_news_text("##\n-")) == "<p>##<br>\n-</p>"


def test_excerpt_drops_the_conventions_and_shortens():
    assert news_excerpt("## Kopf\n- eins\n- zwei!\n\nText") == "Kopf: eins. zwei! Text"
    assert news_excerpt("x" * 300, 10) == "x" * 9 + "…"
