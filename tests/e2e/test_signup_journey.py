"""A new neighbour finds their village, signs up, confirms the email and settles in: once with
JavaScript (live search) and once without it (plain forms), on a small phone."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.browser

PASSWORD = "Apfelbaum-am-Dorfplatz-7"
CONFIRM_PATH = re.compile(r"/konto/bestaetigen/[^/\s]+/[^/\s]+/")


@pytest.fixture
def villages(transactional_db):
    # About 11 km per 0.1 degree of latitude.
    return {
        "home": MunicipalityFactory(name="Heimdorf", latitude=48.80, longitude=10.60),
        "near": MunicipalityFactory(name="Nachbarsdorf", latitude=48.84, longitude=10.60),
        "far": MunicipalityFactory(name="Fernhausen", latitude=49.20, longitude=10.60),
    }


def search(page, label: str, text: str, *, scripts: bool) -> None:
    """With JavaScript the results appear while typing; without, the form is sent."""
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    if not scripts:
        with page.expect_navigation():
            field.press("Enter")


def sign_up_and_settle(live_app, page, assert_accessible, *, scripts: bool) -> None:
    email = "greta.bauer@example.org"

    page.goto(live_app.url + "/")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dein Dorf im Netz")

    search(page, "Name der Gemeinde oder des Landkreises", "Heimdorf", scripts=scripts)
    results = page.locator("#landing-results")
    expect(results.get_by_role("link", name="Heimdorf")).to_be_visible()
    expect(results.get_by_role("link", name="Fernhausen")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Kostenlos registrieren").click()
    page.wait_for_url("**/konto/registrieren/")
    assert_accessible(page)
    page.get_by_label("Vorname", exact=True).fill("Greta")
    page.get_by_label("Nachname", exact=True).fill("Bauer")
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Konto anlegen").click()
    page.wait_for_url("**/konto/registriert/")
    assert_accessible(page)

    message = wait_until(lambda: mail.outbox and mail.outbox[0], what="the confirmation email")
    assert message.to == [email]
    path = CONFIRM_PATH.search(message.body)
    assert path, message.body

    page.goto(live_app.url + path.group())
    assert_accessible(page)
    page.get_by_role("button", name="Jetzt bestätigen").click()
    page.wait_for_url("**/konto/einstellungen/")
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text("E-Mail-Adresse ist bestätigt")

    search(page, "Gemeinde suchen", "Heimdorf", scripts=scripts)
    page.get_by_role("radio", name=re.compile("^Heimdorf")).check()
    page.get_by_label("Umkreis", exact=True).select_option("10")
    assert_accessible(page)
    page.get_by_role("button", name="Speichern", exact=True).click()
    page.wait_for_url("**/dorf/")
    assert_accessible(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen in Heimdorf")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Nachbarsdorf")).to_be_visible()
    expect(main.get_by_role("link", name="Fernhausen")).to_have_count(0)


def test_new_neighbour_signs_up_and_lands_in_their_village(
    villages, live_app, page, assert_accessible
):
    sign_up_and_settle(live_app, page, assert_accessible, scripts=True)

    # The tab's live socket knows the new neighbour by their session.
    hello = page.evaluate(
        """url => new Promise((resolve, reject) => {
            const socket = new WebSocket(url);
            setTimeout(() => reject(new Error("no frame within 10 s")), 10000);
            socket.onmessage = event => { resolve(JSON.parse(event.data)); socket.close(); };
            socket.onclose = event => reject(new Error(`closed with ${event.code}`));
        })""",
        live_app.ws_url + "/ws/",
    )
    assert hello["type"] == "hello"


def test_new_neighbour_signs_up_without_javascript(villages, live_app, new_page, assert_accessible):
    page = new_page(java_script_enabled=False)
    sign_up_and_settle(live_app, page, assert_accessible, scripts=False)
    # Proof that the page's own scripts never ran.
    assert page.evaluate("() => typeof window.htmx") == "undefined"


def test_site_installs_as_web_app(live_app, page, assert_accessible):
    page.goto(live_app.url + "/")
    assert_accessible(page)

    manifest_href = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest_href == "/manifest.webmanifest"
    manifest = page.request.get(live_app.url + manifest_href)
    assert manifest.ok
    assert manifest.json()["start_url"] == "/dorf/"

    scope = page.evaluate(
        """() => Promise.race([
            navigator.serviceWorker.ready.then(registration => registration.scope),
            new Promise((_, reject) =>
                setTimeout(() => reject(new Error("no service worker after 10 s")), 10000)),
        ])"""
    )
    assert scope == live_app.url + "/"
