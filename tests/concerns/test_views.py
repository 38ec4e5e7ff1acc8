"""The pages of "Sag's uns" as plain forms (no JavaScript): report, follow, answer; the town
hall's inbox, status changes, assignment and publishing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.concerns.models import Concern, ConcernMessage, ConcernPhoto
from tests.factories import UserFactory, editor_of

from .factories import ConcernFactory, jpeg_bytes, upload

pytestmark = pytest.mark.django_db


def test_resident_reports_with_photo_and_point_and_follows_it(client, reporter, village):
    client.force_login(reporter)
    form = client.get(reverse("concerns:create"))
    assert form.status_code == 200
    text = form.content.decode()
    assert "Heimdorf" in text and 'name="latitude"' in text and "data-concern-map" in text
    response = client.post(
        reverse("concerns:create"),
        {
            "category": "road",
            "description": "Tiefes Schlagloch vor Hausnummer 4",
            "address": "",
            "latitude": "48,8001",
            "longitude": "10.6002",
            "photos": [upload("loch.jpg", jpeg_bytes((900, 700)))],
        },
    )
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:detail", args=[concern.pk])
    assert concern.municipality == village and concern.reporter == reporter
    assert ConcernPhoto.objects.filter(concern=concern).count() == 1
    detail = client.get(response["Location"])
    page = detail.content.decode()
    assert "Deine Meldung" in page and "eingegangen" in page
    assert "Tiefes Schlagloch" in page
    mine = client.get(reverse("concerns:mine")).content.decode()
    assert "Tiefes Schlagloch" in mine


def test_editor_moves_to_done_with_a_message_and_the_reporter_sees_both(
    client, people, concern, reporter
):
    client.force_login(people["editor"])
    page = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert reporter.public_name in page  # the town hall sees who reported
    response = client.post(
        reverse("concerns:status", args=[concern.pk]),
        {"status": "done", "message": "Ist geflickt, danke!", "public_note": "Repariert."},
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.DONE
    client.force_login(reporter)
    page = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert "erledigt" in page and "Ist geflickt, danke!" in page
    assert people["editor"].public_name not in page  # the reporter sees "Rathaus"
    # The reporter answers.
    response = client.post(
        reverse("concerns:message", args=[concern.pk]), {"body": "Danke fürs Flicken!"}
    )
    assert response.status_code == 302
    assert ConcernMessage.objects.filter(body="Danke fürs Flicken!", from_town_hall=False).exists()


def test_status_form_offers_only_allowed_next_steps(client, people, concern):
    client.force_login(people["editor"])
    response = client.get(reverse("concerns:detail", args=[concern.pk]))
    choices = [value for value, _label in response.context["status_form"].fields["status"].choices]
    assert choices == ["in_progress", "done", "rejected"]


def test_empty_message_shows_a_form_error(client, concern, reporter):
    client.force_login(reporter)
    response = client.post(reverse("concerns:message", args=[concern.pk]), {"body": "  "})
    assert response.status_code == 400
    assert response.context["message_form"].errors
    assert not ConcernMessage.objects.exists()


def test_inbox_filters_shows_age_and_assignee(client, people, reporter, village):
    colleague = editor_of(village, first_name="Paul", last_name="Amt")
    old = ConcernFactory(reporter=reporter, description="Alte Laterne", category="street_light")
    Concern.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3), assignee=colleague
    )
    ConcernFactory(reporter=reporter, description="Neuer Müll", category="dumping")
    ConcernFactory(reporter=reporter, description="Fertig", status=Concern.Status.DONE)
    client.force_login(people["editor"])
    url = reverse("concerns:inbox", args=["heimdorf"])
    page = client.get(url).content.decode()
    assert page.index("Alte Laterne") < page.index("Neuer Müll")  # oldest first
    assert "seit 3 Tagen" in page and "Paul A." in page
    page = client.get(url, {"category": "dumping"}).content.decode()
    assert "Neuer Müll" in page and "Alte Laterne" not in page
    page = client.get(url, {"status": "done"}).content.decode()
    assert "Fertig" in page and "Neuer Müll" not in page
    page = client.get(url, {"status": "open", "order": "newest"}).content.decode()
    assert page.index("Neuer Müll") < page.index("Alte Laterne") and "Fertig" not in page
    page = client.get(url, {"assignee": str(colleague.pk)}).content.decode()
    assert "Alte Laterne" in page and "Neuer Müll" not in page
    page = client.get(url, {"assignee": "none"}).content.decode()
    assert "Alte Laterne" not in page and "Neuer Müll" in page


def test_inbox_costs_the_same_few_queries_for_many_reports(client, people, reporter):
    client.force_login(people["editor"])
    url = reverse("concerns:inbox", args=["heimdorf"])
    ConcernFactory(reporter=reporter)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        ConcernFactory(reporter=UserFactory(home_municipality=reporter.home_municipality))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_assign_and_publish_through_the_forms(client, people, concern, village):
    colleague = editor_of(village)
    client.force_login(people["editor"])
    response = client.post(
        reverse("concerns:assign", args=[concern.pk]), {"assignee": str(colleague.pk)}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("concerns:publish", args=[concern.pk]),
        {"published": "on", "public_text": "Schlagloch Ortsmitte", "photos_public": "on"},
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.assignee == colleague and concern.is_public and concern.photos_public
    public = client.get(reverse("concerns:published", args=["heimdorf"])).content.decode()
    assert "Schlagloch Ortsmitte" in public and "Schlagloch vor der Bäckerei" not in public


def test_already_reported_is_shown_when_starting_a_report(client, people, concern, reporter):
    Concern.objects.filter(pk=concern.pk).update(
        published_at=timezone.now(), public_text="Loch in der Ortsmitte"
    )
    neighbour = people["resident"]
    client.force_login(neighbour)
    page = client.get(reverse("concerns:create"), {"category": "road"}).content.decode()
    assert "Schon gemeldet" in page and "Loch in der Ortsmitte" in page
    # The htmx fragment for another category.
    other = client.get(
        reverse("concerns:similar"), {"category": "playground"}, HTTP_HX_REQUEST="true"
    )
    assert other.status_code == 200 and "Loch in der Ortsmitte" not in other.content.decode()
    same = client.get(reverse("concerns:similar"), {"category": "road"})
    assert "Loch in der Ortsmitte" in same.content.decode()
    # Closed ones are not offered as duplicates, and neighbours elsewhere never see them.
    client.force_login(people["other_resident"])
    page = client.get(reverse("concerns:create"), {"category": "road"}).content.decode()
    assert "Loch in der Ortsmitte" not in page


def test_reporter_without_home_municipality_is_sent_to_settings(client):
    person = UserFactory(home_municipality=None)
    client.force_login(person)
    response = client.get(reverse("concerns:create"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:settings")


def test_pages_carry_the_map_only_with_a_point(client, people, concern):
    client.force_login(people["editor"])
    page = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert "data-concern-map" not in page
    Concern.objects.filter(pk=concern.pk).update(latitude="48.8", longitude="10.6")
    page = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert "data-concern-map" in page and 'data-tile-url=""' in page


def test_tile_server_comes_from_the_setting(client, people, concern, settings):
    settings.CONCERNS_MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    Concern.objects.filter(pk=concern.pk).update(latitude="48.8", longitude="10.6")
    client.force_login(people["editor"])
    page = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in page
