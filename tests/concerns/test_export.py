"""The inbox as CSV: what the filters show, readable back, safe to open in a spreadsheet,
and with no more personal data than the town hall needs."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.concerns.export import safe_cell
from apps.concerns.models import Concern

from .factories import ConcernFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_export_parses_back_with_the_filtered_reports(client, people, reporter):
    old = ConcernFactory(
        reporter=reporter,
        category=Concern.Category.STREET_LIGHT,
        description='Laterne "Am Anger"; flackert\nseit Tagen',
        address="Am Anger 3",
        latitude="48.812345",
        longitude="10.601234",
    )
    Concern.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    ConcernFactory(reporter=reporter, category=Concern.Category.ROAD, description="Loch")
    ConcernFactory(
        reporter=reporter, category=Concern.Category.STREET_LIGHT, status=Concern.Status.DONE
    )
    client.force_login(people["editor"])
    url = reverse("concerns:export", args=["heimdorf"])
    header, *rows = _rows(client.get(url, {"category": "street_light", "status": "open"}))
    assert header[0] == "Nummer" and "Gemeldet von" in header
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Nummer"] == str(old.pk)
    assert row["Beschreibung"] == 'Laterne "Am Anger"; flackert\nseit Tagen'
    assert row["Alter in Tagen"] == "3"
    assert row["Status"] == "eingegangen"
    assert row["Kategorie"] == "Straßenbeleuchtung"
    assert row["Breitengrad"] == "48.812345"
    assert row["Gemeldet von"] == reporter.public_name
    assert row["Link"].endswith(f"/anliegen/{old.pk}/")
    # Minimal personal data: no email address anywhere in the file.
    assert reporter.email not in client.get(url).content.decode("utf-8-sig")
    _all_header, *all_rows = _rows(client.get(url))
    assert len(all_rows) == 3


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_cells_that_a_spreadsheet_would_run_are_prefixed(client, people, reporter, text):
    ConcernFactory(reporter=reporter, description=text, address=text)
    client.force_login(people["editor"])
    _header, row = _rows(client.get(reverse("concerns:export", args=["heimdorf"])))
    description = row[5]
    assert description[1:].strip() == text.strip()
    assert description.startswith("'")
    assert row[6].startswith("'")


def test_safe_cell_leaves_ordinary_text_alone():
    assert safe_cell("Schlagloch") == "Schlagloch"
    assert safe_cell(12) == "12"
    assert safe_cell(None) == ""
    assert safe_cell("-5") == "'-5"


def test_export_holds_only_the_own_municipality(client, people, reporter, other_village):
    from tests.factories import UserFactory

    stranger = UserFactory(home_municipality=other_village)
    ConcernFactory(reporter=stranger, description="Fernauer Problem")
    ConcernFactory(reporter=reporter, description="Heimdorfer Problem")
    client.force_login(people["editor"])
    content = client.get(reverse("concerns:export", args=["heimdorf"])).content.decode("utf-8-sig")
    assert "Heimdorfer Problem" in content and "Fernauer Problem" not in content
