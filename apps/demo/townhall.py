"""Demo news of the town halls: in every demo municipality news pinned on top, news with a PDF
(an Amtsblatt made here), news for residents only and news scheduled for later; in Lindenbach
a current urgent warning. Written through the townhall services like real news; running the
seed again replaces it."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.places.models import Municipality, MunicipalityRole
from apps.townhall import services
from apps.townhall.models import News

WARNING_IN = "lindenbach"


@dataclass
class TownhallSummary:
    news: int
    warnings: int
    scheduled: int

    def __str__(self) -> str:
        return (
            f"Town halls: {self.news} news, {self.warnings} urgent warning(s), "
            f"{self.scheduled} scheduled"
        )


def demo_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A small, valid one-page PDF with a title and a few lines of text (Helvetica, Latin-1)."""

    def text(value: str) -> str:
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return escaped.encode("latin-1", "replace").decode("latin-1")

    commands = [f"BT /F1 18 Tf 56 780 Td ({text(title)}) Tj ET"]
    for number, line in enumerate(lines):
        commands.append(f"BT /F1 12 Tf 56 {740 - 20 * number} Td ({text(line)}) Tj ET")
    stream = "\n".join(commands).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _news(editor, municipality, now, **fields) -> News:
    return services.news_create(actor=editor, municipality=municipality, now=now, **fields)


def _backdate(news: News, delta: dt.timedelta) -> None:
    News.objects.filter(pk=news.pk).update(
        publish_at=news.publish_at - delta, announced_at=news.publish_at - delta
    )


def _seed_one(editor, municipality: Municipality, now: dt.datetime) -> tuple[int, int, int]:
    name = municipality.name
    pinned = _news(
        editor,
        municipality,
        now,
        title=f"Sprechzeiten im Rathaus {name}",
        body=(
            "Das Bürgerbüro ist für Sie da:\n\n"
            "## Öffnungszeiten\n- Montag bis Freitag 8 bis 12 Uhr\n- Donnerstag 14 bis 18 Uhr\n\n"
            "Termine außerhalb der Sprechzeiten nach Vereinbarung."
        ),
        pinned_until=now + dt.timedelta(days=60),
    )
    _backdate(pinned, dt.timedelta(days=6))
    pdf = demo_pdf(
        f"Amtsblatt {name}",
        [
            "Bekanntmachungen der Gemeinde",
            "1. Sitzung des Gemeinderats am kommenden Dienstag, 19 Uhr",
            "2. Sperrung des Friedhofswegs wegen Baumpflege",
            "3. Fundsachen im Bürgerbüro abzuholen",
        ],
    )
    gazette = _news(
        editor,
        municipality,
        now,
        title=f"Neues Amtsblatt für {name}",
        body="Das aktuelle Amtsblatt mit allen Bekanntmachungen finden Sie im Anhang.",
        attachment=SimpleUploadedFile(f"Amtsblatt {name}.pdf", pdf, "application/pdf"),
    )
    _backdate(gazette, dt.timedelta(days=2, hours=3))
    meeting = _news(
        editor,
        municipality,
        now,
        title="Bürgerversammlung im Gemeindesaal",
        body=(
            "Liebe Mitbürgerinnen und Mitbürger,\n"
            "wir laden Sie herzlich zur Bürgerversammlung ein.\n\n"
            "## Themen\n- Neues Baugebiet\n- Breitbandausbau\n- Ihre Fragen und Anregungen"
        ),
        public=False,
    )
    _backdate(meeting, dt.timedelta(hours=20))
    _news(
        editor,
        municipality,
        now,
        title="Sperrmüllabfuhr im Frühjahr",
        body="Bitte melden Sie Ihren Sperrmüll bis Ende des Monats im Bürgerbüro an.",
        publish_at=now + dt.timedelta(days=3),
    )
    warnings = 0
    if municipality.slug == WARNING_IN:
        _news(
            editor,
            municipality,
            now,
            title="Wasserrohrbruch in der Lindenstraße",
            body=(
                "In der Lindenstraße ist ein Wasserrohr gebrochen. Bis zur Reparatur gibt es "
                "in der Lindenstraße und im Mühlweg kein Trinkwasser.\n\n"
                "## Was Sie tun können\n- Wasser am Feuerwehrhaus abholen (ab 10 Uhr)\n"
                "- Die Lindenstraße zwischen Kirche und Mühlweg meiden"
            ),
            urgent=True,
            urgent_until=now + dt.timedelta(hours=18),
        )
        warnings = 1
    return 4 + warnings, warnings, 1


def seed_townhall(
    *, people: Sequence, municipalities: Mapping[str, Municipality], now: dt.datetime
) -> TownhallSummary:
    places = list(municipalities.values())
    editors = {
        role.municipality_id: role.user
        for role in MunicipalityRole.objects.filter(
            user__in=list(people), municipality__in=places, kind=MunicipalityRole.Kind.EDITOR
        ).select_related("user")
    }
    # What an earlier run wrote: the demo editors' news in the demo municipalities.
    for news in News.objects.filter(municipality__in=places, author__in=list(editors.values())):
        services.news_delete(actor=news.author, news=news)
    total = warnings = scheduled = 0
    for municipality in places:
        editor = editors.get(municipality.pk)
        if editor is None:
            continue
        made, warned, planned = _seed_one(editor, municipality, now)
        total, warnings, scheduled = total + made, warnings + warned, scheduled + planned
    return TownhallSummary(news=total, warnings=warnings, scheduled=scheduled)
