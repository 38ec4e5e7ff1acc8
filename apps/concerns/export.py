"""The town hall's inbox as a CSV file for Excel and LibreOffice."""

import csv
import io

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.places.models import Municipality

from .models import Concern

# A cell starting with one of these is a formula to a spreadsheet: =HYPERLINK(...) in a
# description would run when the clerk opens the file. A leading apostrophe keeps it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _rows(request, concerns: list[Concern], now) -> list[list]:
    rows = []
    for concern in concerns:
        rows.append(
            [
                concern.pk,
                timezone.localtime(concern.created_at).strftime("%Y-%m-%d %H:%M"),
                (now - concern.created_at).days,
                concern.get_status_display(),
                concern.get_category_display(),
                concern.description,
                concern.address,
                "" if concern.latitude is None else f"{concern.latitude:.6f}",
                "" if concern.longitude is None else f"{concern.longitude:.6f}",
                # Only the public name: the export leaves the platform, so no email address.
                concern.reporter.public_name if concern.reporter else "",
                concern.assignee.public_name if concern.assignee else "",
                _("ja") if concern.is_public else _("nein"),
                getattr(concern, "message_count", ""),
                request.build_absolute_uri(reverse("concerns:detail", kwargs={"pk": concern.pk})),
            ]
        )
    return rows


def csv_response(*, request, municipality: Municipality, concerns: list[Concern]) -> HttpResponse:
    """UTF-8 with BOM and semicolons, which German Excel opens as it is."""
    header = [
        _("Nummer"),
        _("Eingegangen am"),
        _("Alter in Tagen"),
        _("Status"),
        _("Kategorie"),
        _("Beschreibung"),
        _("Ort"),
        _("Breitengrad"),
        _("Längengrad"),
        _("Gemeldet von"),
        _("Zuständig"),
        _("Öffentlich"),
        _("Nachrichten"),
        _("Link"),
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in _rows(request, concerns, timezone.now()):
        writer.writerow([safe_cell(cell) for cell in row])
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    filename = f"meldungen-{municipality.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
