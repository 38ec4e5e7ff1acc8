"""Chat in the browser (issue 4): two residents, each in their own browser context, chat in
real time; one goes offline, the other sends; back online, the missed messages appear without
a reload, once each and in order, and what the offline one typed meanwhile is sent."""

import re

import pytest
from playwright.sync_api import expect

from apps.chat.models import Message
from tests.factories import MunicipalityFactory, UserFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db):
    village = MunicipalityFactory(name="Ahornbach", latitude=48.8, longitude=10.6)
    greta = UserFactory(
        first_name="Greta", last_name="Bauer", email="greta@example.org", home_municipality=village
    )
    karl = UserFactory(
        first_name="Karl", last_name="Huber", email="karl@example.org", home_municipality=village
    )
    return greta, karl


def send(page, text: str) -> None:
    page.get_by_label("Nachricht", exact=True).fill(text)
    page.get_by_role("button", name="Senden").click()


def messages(page):
    return page.locator("#messages .message-body")


def test_two_residents_chat_live_and_nothing_is_lost_offline(
    live_app, new_page, assert_accessible, people
):
    greta, karl = people
    greta_page = new_page()
    karl_page = new_page()
    log_in(live_app, greta_page, assert_accessible, greta)
    log_in(live_app, karl_page, assert_accessible, karl)

    # Greta starts the conversation from Karl's profile.
    greta_page.goto(f"{live_app.url}/leute/{karl.pk}/")
    assert_accessible(greta_page)
    greta_page.get_by_role("button", name="Nachricht schreiben").click()
    greta_page.wait_for_url(re.compile(r"/nachrichten/\d+/(#compose)?$"))
    assert_accessible(greta_page)
    conversation_url = greta_page.url.split("#")[0]

    karl_page.goto(conversation_url)
    assert_accessible(karl_page)
    expect(karl_page.get_by_role("heading", level=1)).to_have_text("Greta B.")

    # Live both ways, without reloading.
    send(greta_page, "Hallo Karl, hast du morgen Zeit?")
    expect(messages(karl_page)).to_have_text(["Hallo Karl, hast du morgen Zeit?"])
    send(karl_page, "Ja, ab zehn.")
    expect(messages(greta_page)).to_have_text(["Hallo Karl, hast du morgen Zeit?", "Ja, ab zehn."])
    expect(greta_page.locator(".message--pending")).to_have_count(0)
    expect(karl_page.locator(".message--pending")).to_have_count(0)
    # Own fresh messages offer editing and deleting, also when they came in live.
    expect(greta_page.locator("#messages .message--own .message-actions a")).to_have_text(
        ["Bearbeiten"]
    )
    expect(karl_page.locator("#messages .message-actions")).to_have_count(1)

    # Karl loses his connection; the page says so.
    karl_page.context.set_offline(True)
    expect(karl_page.locator("#live-status")).to_contain_text("Keine Verbindung")

    send(greta_page, "Ich bringe Kuchen mit.")
    send(greta_page, "Und die Leiter.")
    # What Karl writes while offline waits in his outbox.
    send(karl_page, "Super, bis morgen!")
    expect(karl_page.locator(".message--pending")).to_have_count(1)
    expect(messages(greta_page)).to_have_count(4)
    assert Message.objects.filter(author=karl).count() == 1

    # Back online: the missed messages appear once each, in order, and his is delivered.
    karl_page.context.set_offline(False)
    expected = [
        "Hallo Karl, hast du morgen Zeit?",
        "Ja, ab zehn.",
        "Ich bringe Kuchen mit.",
        "Und die Leiter.",
        "Super, bis morgen!",
    ]
    expect(messages(karl_page)).to_have_text(expected)
    expect(karl_page.locator("#live-status")).to_be_hidden()
    expect(messages(greta_page)).to_have_text(expected)
    expect(karl_page.locator(".message--pending")).to_have_count(0)
    assert Message.objects.filter(body="Super, bis morgen!").count() == 1
    assert_accessible(karl_page)
    assert_accessible(greta_page)

    # The menu badge counts unread messages live on another page.
    greta_page.goto(live_app.url + "/dorf/")
    assert_accessible(greta_page)
    send(karl_page, "Noch eine Frage.")
    expect(greta_page.locator("#unread-badge")).to_have_attribute("data-count", "1")
