"""render_plain_text: whatever people type comes out as escaped text with clickable web links
and kept line breaks, and nothing else."""

import re
from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st

from apps.core.rendering import MAX_LINK_TEXT, render_plain_text

OUR_TAG = re.compile(r'<(?:a href="|/a>|br>)')

URL_PREFIXES = ["http://", "https://", "HTTPS://", "www.", "WWW.", "javascript:", "ftp://"]
# Characters a URL may carry, plus the ones that end it or trail it in a sentence.
URL_CHARS = st.sampled_from(
    [*"abcXYZ019-_/.?=&#%~+@:;,!()[]…ä", "<", ">", '"', "'", " ", "\n", "\r"]
)
TOKENS = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "&amp;",
        "&lt;",
        "&#60;",
        '"',
        "'",
        "<br>",
        "</a>",
        '<a href="javascript:alert(1)">',
        "<script>",
        "\r\n",
        "\r",
        "\n",
        "\x00",
        "\x0b",
        "\u200b",
        "(",
        ")",
        ".",
        " ",
    ]
)
URLS = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(URL_PREFIXES),
    st.text(URL_CHARS, max_size=80),
)
HOSTILE_TEXT = st.lists(st.one_of(st.text(), TOKENS, URLS), max_size=12).map("".join)


class _Reader(HTMLParser):
    """Collects the tags, the links and the visible text of rendered output."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[dict] = []
        self.parts: list[str] = []
        self._link: dict | None = None
        self._after_br = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "br":
            self.parts.append("\n")
            self._after_br = True
        elif tag == "a":
            self._link = {"attrs": dict(attrs), "text": ""}
            self.links.append(self._link)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.tags.append(f"/{tag}")
        if tag == "a" and self._link is not None:
            self.parts.append(_original_url(self._link))
            self._link = None

    def handle_data(self, data):
        if self._after_br:
            # The renderer puts a newline after each <br> for readable source; it is not text.
            assert data.startswith("\n"), repr(data)
            data = data[1:]
            self._after_br = False
        if self._link is not None:
            self._link["text"] += data
        else:
            self.parts.append(data)

    def handle_comment(self, data):
        raise AssertionError(f"comment in output: {data!r}")

    def handle_decl(self, decl):
        raise AssertionError(f"declaration in output: {decl!r}")

    def handle_pi(self, data):
        raise AssertionError(f"processing instruction in output: {data!r}")

    def unknown_decl(self, data):
        raise AssertionError(f"unknown declaration in output: {data!r}")


def _original_url(link: dict) -> str:
    """The URL as it was typed: the link text, or, when shortened, the href it stands for
    (without the https:// we put in front of a bare www. address)."""
    href, text = link["attrs"]["href"], link["text"]
    if not text.endswith("…") or len(text) != MAX_LINK_TEXT:
        return text
    for candidate in (href, href[len("https://") :]):
        if candidate.startswith(text[:-1]) and len(candidate) > MAX_LINK_TEXT:
            return candidate
    return text


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    if reader._after_br:
        raise AssertionError("a <br> without its newline")
    return reader


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- Properties, for any text ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(HOSTILE_TEXT)
@example('<script>alert("x")</script>&amp; javascript:alert(1) www.dorf.de.')
@example("a\rb\r\nc\n\rd")
def test_every_angle_bracket_in_output_starts_one_of_our_own_tags(text):
    html = str(render_plain_text(text))

    for match in re.finditer("<", html):
        assert OUR_TAG.match(html, match.start()), html[match.start() : match.start() + 20]


@settings(max_examples=200, deadline=None)
@given(HOSTILE_TEXT)
@example('<a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)>')
def test_output_holds_only_web_links_and_line_breaks(text):
    reader = _read(str(render_plain_text(text)))

    assert set(reader.tags) <= {"a", "/a", "br"}
    assert reader.tags.count("a") == reader.tags.count("/a") == len(reader.links)
    for link in reader.links:
        attrs = link["attrs"]
        assert attrs["href"].lower().startswith(("http://", "https://"))
        rel = attrs["rel"].split()
        assert "nofollow" in rel
        assert "noopener" in rel


@settings(max_examples=200, deadline=None)
@given(HOSTILE_TEXT)
@example("Hallo\r\nWelt\rund\nmehr")
@example("Siehe https://example.org/" + "x" * 80 + ". Danke")
def test_visible_text_is_exactly_what_was_typed_with_line_breaks_normalised(text):
    reader = _read(str(render_plain_text(text)))

    assert "".join(reader.parts) == _normalised(text)


@settings(max_examples=200, deadline=None)
@given(HOSTILE_TEXT)
@example("WWW.: und www..")
def test_link_text_is_the_typed_url_shortened_to_sixty_characters(text):
    reader = _read(str(render_plain_text(text)))

    for link in reader.links:
        url = _original_url(link)
        href = link["attrs"]["href"]
        assert href in (url, f"https://{url}")
        if href != url:
            assert url.lower().startswith("www.")
        expected = url if len(url) <= MAX_LINK_TEXT else url[: MAX_LINK_TEXT - 1] + "…"
        assert link["text"] == expected


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_rendering_any_text_never_raises_and_returns_safe_html(text):
    html = render_plain_text(text)

    assert hasattr(html, "__html__")
    assert "".join(_read(str(html)).parts) == _normalised(text)


# --- Examples -------------------------------------------------------------------------------


def test_script_tag_is_escaped_not_run():
    html = str(render_plain_text("<script>alert(1)</script>"))

    assert html == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<script" not in html


def test_link_stops_before_the_sentence_full_stop_and_keeps_its_query():
    html = str(render_plain_text("https://example.org/a?b=1&c=2."))

    assert html == (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc" '
        'target="_blank">https://example.org/a?b=1&amp;c=2</a>.'
    )


def test_bare_www_address_in_brackets_links_with_https_and_keeps_the_brackets():
    html = str(render_plain_text("(www.dorf.de)"))

    assert html.startswith('(<a href="https://www.dorf.de" ')
    assert html.endswith(">www.dorf.de</a>)")


def test_bracket_that_belongs_to_the_url_stays_in_the_link():
    reader = _read(str(render_plain_text("(https://de.wikipedia.org/wiki/Linde_(Baum))")))

    assert [link["attrs"]["href"] for link in reader.links] == [
        "https://de.wikipedia.org/wiki/Linde_(Baum)"
    ]


def test_javascript_url_is_never_a_link():
    for text in (
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        '<a href="javascript:alert(1)">klick</a>',
    ):
        html = str(render_plain_text(text))
        assert "<a " not in html
        assert 'href="javascript' not in html.lower()


def test_scheme_or_www_without_an_address_is_not_a_link():
    text = "http:// und www. und https://. und www.. und WWW.:"

    assert str(render_plain_text(text)) == text


def test_quote_ends_a_link_so_attributes_cannot_be_injected():
    html = str(render_plain_text('https://x.de/"onmouseover="alert(1)'))

    assert html.startswith('<a href="https://x.de/" ')
    assert "&quot;onmouseover=&quot;alert(1)" in html


def test_long_link_text_is_shortened_but_href_is_complete():
    url = "https://example.org/" + "a" * 100
    reader = _read(str(render_plain_text(url)))

    (link,) = reader.links
    assert link["attrs"]["href"] == url
    assert link["text"] == url[: MAX_LINK_TEXT - 1] + "…"
    assert len(link["text"]) == MAX_LINK_TEXT


def test_line_breaks_become_br_whatever_their_style():
    html = str(render_plain_text("eins\nzwei\r\ndrei\rvier"))

    assert html == "eins<br>\nzwei<br>\ndrei<br>\nvier"
