"""The English catalogue is complete, compiled from the current .po, and actually used.

German is the source language: every msgid is German and locale/en holds the English UI.
The .po is parsed here by hand (no extra packages); the .mo is read with Python's gettext.
"""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# Key UI strings and their English wording (login button, sign-up button, landing title).
KEY_STRINGS = {
    "Anmelden": "Sign in",
    "Registrieren": "Sign up",
    "Dein Dorf im Netz": "Your village online",
}


# --- a small .po reader ------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')


def _unescape(text: str, line_no: int) -> str:
    def replace(match: re.Match) -> str:
        try:
            return _ESCAPES[match.group(1)]
        except KeyError:
            raise ValueError(f"line {line_no}: unknown escape \\{match.group(1)}") from None

    return re.sub(r"\\(.)", replace, text)


@dataclass
class PoEntry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The msgid as gettext stores it: context, EOT, msgid."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def parse_po(text: str) -> list[PoEntry]:
    """Entries of a .po file, header included, obsolete (#~) entries left out."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int | None] | None = None  # which field continuation lines extend

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if current is not None and current.msgstr:
                finish()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if current is None:
                current = PoEntry(line=line_no)
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.groups()
            if name in ("msgctxt", "msgid") and current is not None and current.msgstr:
                finish()
            if current is None:
                current = PoEntry(line=line_no)
            value = _unescape(value, line_no)
            if name == "msgstr":
                target = ("msgstr", 0)
                current.msgstr[0] = value
            elif index is not None:
                target = ("msgstr", int(index))
                current.msgstr[int(index)] = value
            else:
                target = (name, None)
                setattr(current, name, value)
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and current is not None and target is not None:
            value = _unescape(continuation.group(1), line_no)
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise ValueError(f"line {line_no}: cannot parse {raw!r}")
    finish()
    return entries


def untranslated_or_fuzzy(entries: list[PoEntry], nplurals: int = 2) -> list[str]:
    """One message per entry that would not show up in English."""
    problems = []
    for entry in entries:
        where = f"line {entry.line}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is marked fuzzy")
        if entry.is_header:
            continue
        expected = range(nplurals) if entry.msgid_plural is not None else range(1)
        for index in expected:
            if not entry.msgstr.get(index):
                problems.append(f"{where} has no translation (msgstr[{index}])")
    return problems


def catalog_from_po(entries: list[PoEntry]) -> dict:
    """The catalogue msgfmt would compile, keyed the way gettext.GNUTranslations keys it."""
    catalog: dict = {}
    for entry in entries:
        if entry.is_header or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is None:
            if entry.msgstr.get(0):
                catalog[entry.key] = entry.msgstr[0]
        elif all(entry.msgstr.values()):
            for index, text in entry.msgstr.items():
                catalog[(entry.key, index)] = text
    return catalog


def catalog_from_mo(path: Path) -> tuple[dict, dict]:
    """Messages and header fields of a compiled .mo file."""
    with path.open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    messages = {key: value for key, value in mo._catalog.items() if key != ""}
    return messages, mo.info()


def header_fields(entries: list[PoEntry]) -> dict[str, str]:
    header = next(entry for entry in entries if entry.is_header)
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return fields


def differences(po_catalog: dict, mo_catalog: dict) -> list[str]:
    problems = []
    for key in sorted(po_catalog.keys() - mo_catalog.keys(), key=str):
        problems.append(f"missing from the .mo: {key!r}")
    for key in sorted(mo_catalog.keys() - po_catalog.keys(), key=str):
        problems.append(f"in the .mo but not in the .po: {key!r}")
    for key in sorted(po_catalog.keys() & mo_catalog.keys(), key=str):
        if po_catalog[key] != mo_catalog[key]:
            problems.append(f"{key!r}: .po says {po_catalog[key]!r}, .mo says {mo_catalog[key]!r}")
    return problems


@pytest.fixture(scope="module")
def po_entries() -> list[PoEntry]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


# --- (a) the .po is complete -------------------------------------------------------------


def test_po_header_is_english_and_final(po_entries):
    header = next(entry for entry in po_entries if entry.is_header)
    fields = header_fields(po_entries)
    assert "fuzzy" not in header.flags
    assert fields["language"] == "en"
    assert fields["plural-forms"] == "nplurals=2; plural=(n != 1);"
    assert fields["content-type"] == "text/plain; charset=UTF-8"


def test_every_entry_is_translated_and_not_fuzzy(po_entries):
    assert len(po_entries) > 200  # the parser found the catalogue, not an empty shell
    problems = untranslated_or_fuzzy(po_entries)
    assert problems == [], "\n".join(problems)


def test_translations_keep_placeholders(po_entries):
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    problems = []
    for entry in po_entries:
        if entry.is_header:
            continue
        for index, text in entry.msgstr.items():
            source = entry.msgid_plural if index > 0 and entry.msgid_plural else entry.msgid
            if sorted(placeholder.findall(source)) != sorted(placeholder.findall(text)):
                problems.append(f"line {entry.line}: {source!r} -> {text!r}")
    assert problems == [], "\n".join(problems)


# --- (b) the .mo is compiled from this .po -----------------------------------------------


def test_mo_holds_exactly_the_translations_of_the_po(po_entries):
    assert MO_PATH.exists(), "run: manage.py compilemessages --locale en"
    mo_messages, mo_info = catalog_from_mo(MO_PATH)
    problems = differences(catalog_from_po(po_entries), mo_messages)
    assert problems == [], "stale django.mo, run compilemessages:\n" + "\n".join(problems)
    assert mo_info.get("plural-forms") == header_fields(po_entries)["plural-forms"]


# --- (c) Django serves the English strings -----------------------------------------------


@pytest.mark.parametrize(("german", "english"), KEY_STRINGS.items())
def test_key_strings_are_english_in_english(german, english):
    with translation.override("en"):
        assert translation.gettext(german) == english


@pytest.mark.parametrize("german", KEY_STRINGS)
def test_key_strings_stay_german_in_german(german):
    with translation.override("de"):
        assert translation.gettext(german) == german


def test_templates_render_english_and_german():
    template = Template('{% load i18n %}{% translate "Anmelden" %}|{% translate "Registrieren" %}')
    with translation.override("en"):
        assert template.render(Context()) == "Sign in|Sign up"
    with translation.override("de"):
        assert template.render(Context()) == "Anmelden|Registrieren"


def test_plural_forms_are_used_in_english(po_entries):
    entry = next(entry for entry in po_entries if entry.msgid_plural)
    with translation.override("en"):
        one = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
        many = translation.ngettext(entry.msgid, entry.msgid_plural, 3)
    assert (one, many) == (entry.msgstr[0], entry.msgstr[1])
    assert one != many


# --- the checks above can fail ------------------------------------------------------------

BROKEN_PO = r"""
#, fuzzy
msgid ""
msgstr ""
"Language: en\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Anmelden"
msgstr ""

#, fuzzy, python-format
msgid "Hallo %(name)s!"
msgstr "Hi %(name)s!"

msgid "eine Gemeinde"
msgid_plural "%(n)s Gemeinden"
msgstr[0] "one municipality"
msgstr[1] ""

msgid ""
"Zwei "
"Zeilen\n"
msgstr "Two \"lines\"\n"
"""


def test_parser_and_checks_catch_a_broken_po():
    entries = parse_po(BROKEN_PO)
    assert [entry.msgid for entry in entries] == [
        "",
        "Anmelden",
        "Hallo %(name)s!",
        "eine Gemeinde",
        "Zwei Zeilen\n",
    ]
    assert entries[-1].msgstr[0] == 'Two "lines"\n'
    problems = untranslated_or_fuzzy(entries)
    assert len(problems) == 4, problems
    assert any("'' is marked fuzzy" in p for p in problems)
    assert any("Anmelden" in p and "no translation" in p for p in problems)
    assert any("Hallo" in p and "fuzzy" in p for p in problems)
    assert any("msgstr[1]" in p for p in problems)


def test_stale_mo_is_detected():
    mo_messages, _ = catalog_from_mo(MO_PATH)
    newer_po = {**mo_messages, "Anmelden": "Log in", "Neu im Template": "New in the template"}
    del newer_po["Registrieren"]
    problems = differences(newer_po, mo_messages)
    assert problems == [
        "missing from the .mo: 'Neu im Template'",
        "in the .mo but not in the .po: 'Registrieren'",
        "'Anmelden': .po says 'Log in', .mo says 'Sign in'",
    ]
