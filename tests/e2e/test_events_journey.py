"""Events in the browser: the town hall publishes an event with a plain form; a resident
finds it in the calendar and says "Ich komme" (htmx), another without JavaScript; the town
hall sees both in the attendee list and cancels; the event stays readable as cancelled.
Every page is checked with axe on a small phone."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.events.models import Attendance, Event
from tests.factories import MunicipalityFactory, UserFactory, editor_of

from .conftest import log_in, wait_until

pytestmark = pytest.mark.browser

TITLE = "Seniorennachmittag im Pfarrheim"
DETAIL_PATH = re.compile(r"/veranstaltungen/(\d+)/$")


@pytest.fixture
def people(transactional_db):
    village = MunicipalityFactory(name="Ahornbach", slug="ahornbach", latitude=48.8, longitude=10.6)
    return {
        "editor": editor_of(village, first_name="Petra", last_name="Weber"),
        "resident": UserFactory(home_municipality=village, first_name="Greta", last_name="Bauer"),
        "neighbour": UserFactory(home_municipality=village, first_name="Karl", last_name="Huber"),
    }


def test_town_hall_event_from_publishing_to_cancelling(
    live_app, new_page, assert_accessible, people
):
    day = timezone.localdate() + dt.timedelta(days=6)

    # The town hall publishes, without JavaScript.
    clerk = new_page(java_script_enabled=False)
    log_in(live_app, clerk, assert_accessible, people["editor"])
    clerk.goto(live_app.url + "/veranstaltungen/neu/")
    assert_accessible(clerk)
    clerk.get_by_label("Titel").fill(TITLE)
    clerk.get_by_label("Beschreibung").fill("Kaffee und Kuchen.")
    clerk.get_by_label("Datum (Beginn)").fill(day.isoformat())
    clerk.get_by_label("Uhrzeit (Beginn)").fill("14:30")
    clerk.get_by_label("Uhrzeit (Ende)").fill("17:00")
    clerk.get_by_label(re.compile(r"^Ort")).fill("Pfarrheim")
    clerk.get_by_label("Plätze").fill("2")
    clerk.get_by_role("button", name="Veröffentlichen").click()
    clerk.wait_for_url(DETAIL_PATH)
    assert_accessible(clerk)
    expect(clerk.get_by_role("heading", level=1)).to_have_text(TITLE)
    event = Event.objects.get()
    assert timezone.localtime(event.starts_at).strftime("%H:%M") == "14:30"

    # A resident finds it in the calendar and says yes with htmx.
    resident = new_page()
    log_in(live_app, resident, assert_accessible, people["resident"])
    resident.goto(live_app.url + "/veranstaltungen/")
    assert_accessible(resident)
    resident.get_by_role("link", name=TITLE).click()
    resident.wait_for_url(DETAIL_PATH)
    assert_accessible(resident)
    resident.get_by_role("button", name="Ich komme").click()
    expect(resident.locator("#rsvp")).to_contain_text("1 Zusage")
    expect(resident.get_by_role("button", name="Doch nicht kommen")).to_be_visible()
    assert_accessible(resident)

    # A neighbour without JavaScript says yes with the plain form: the last seat.
    neighbour = new_page(java_script_enabled=False)
    log_in(live_app, neighbour, assert_accessible, people["neighbour"])
    neighbour.goto(live_app.url + f"/veranstaltungen/{event.pk}/")
    assert_accessible(neighbour)
    neighbour.get_by_role("button", name="Ich komme").click()
    neighbour.wait_for_url(DETAIL_PATH)
    assert_accessible(neighbour)
    expect(neighbour.locator("#rsvp")).to_contain_text("2 Zusagen")
    wait_until(lambda: Attendance.objects.count() == 2, what="two attendances")

    # The town hall sees who comes, then cancels.
    clerk.goto(live_app.url + f"/veranstaltungen/{event.pk}/teilnehmende/")
    assert_accessible(clerk)
    expect(clerk.locator("ol.result-list li")).to_have_text(["Greta B.", "Karl H."])
    clerk.goto(live_app.url + f"/veranstaltungen/{event.pk}/absagen/")
    assert_accessible(clerk)
    clerk.get_by_role("button", name="Ja, absagen").click()
    clerk.wait_for_url(DETAIL_PATH)
    assert_accessible(clerk)
    expect(clerk.locator("main")).to_contain_text("Diese Veranstaltung ist abgesagt.")

    # Out of the upcoming list, still readable by link.
    resident.goto(live_app.url + "/veranstaltungen/")
    assert_accessible(resident)
    expect(resident.get_by_role("link", name=TITLE)).to_have_count(0)
    resident.goto(live_app.url + f"/veranstaltungen/{event.pk}/")
    assert_accessible(resident)
    expect(resident.locator("main")).to_contain_text("abgesagt")
