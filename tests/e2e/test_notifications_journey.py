"""Notifications in the browser: a resident turns on push on the settings page, a comment
reaches her device through a push service, her service worker shows it, and she turns push off
again; the bell rings live when a neighbour comments, and the neighbour is offered push once,
after his first comment.

Headless Chromium reaches no real push service, so only that part is faked: in the page,
`PushManager.subscribe` hands out a subscription at a local push service (`PushReceiver`) that
verifies VAPID and decrypts what the server sends. Everything else is real: the service worker
at /sw.js, the permission, the API, the task (eager) and the encrypted push."""

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.db import connections
from playwright.sync_api import expect

from apps.notifications import vapid
from apps.notifications.models import NotificationSettings, PushSubscription
from apps.posts.models import Post
from apps.posts.services import comment_create
from tests.factories import MunicipalityFactory, UserFactory
from tests.notifications.push_receiver import PushReceiver
from tests.posts.factories import PostFactory

from .conftest import log_in, wait_until

pytestmark = pytest.mark.browser

T = TypeVar("T")
TITLE = "Wer leiht mir eine Leiter?"
COMMENT = "Meine steht im Schuppen, hol sie dir einfach."
SETTINGS_PATH = "/benachrichtigungen/einstellungen/"
SUBSCRIPTION_KEY = "test:push-subscription"

# The browser's push service, played in the page only (the service worker keeps the real
# PushManager): subscribe() hands out the receiver's subscription and remembers the options it
# was given in localStorage, so getSubscription() finds it after a reload, until unsubscribe().
FAKE_PUSH_SERVICE = """(subscription) => {
  if (typeof window === "undefined" || !("PushManager" in window)) return;
  const KEY = "SUBSCRIPTION_KEY";
  const b64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const made = (options) => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: options,
    toJSON: () => ({
      endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys,
    }),
    unsubscribe: () => {
      localStorage.removeItem(KEY);
      return Promise.resolve(true);
    },
  });
  PushManager.prototype.subscribe = function (options) {
    const key = options.applicationServerKey;
    localStorage.setItem(KEY, JSON.stringify({
      userVisibleOnly: options.userVisibleOnly,
      applicationServerKey: b64url(ArrayBuffer.isView(key) ? key.buffer : key),
    }));
    return Promise.resolve(made(options));
  };
  PushManager.prototype.getSubscription = function () {
    const stored = localStorage.getItem(KEY);
    return Promise.resolve(stored ? made(JSON.parse(stored)) : null);
  };
}""".replace("SUBSCRIPTION_KEY", SUBSCRIPTION_KEY)

# What the page's service worker shows with this title, once it shows it (polled: nothing
# tells a page that its worker showed a notification); null after 10 seconds.
SHOWN_NOTIFICATION = """async (title) => {
  const registration = await navigator.serviceWorker.ready;
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const shown = await registration.getNotifications();
    const match = shown.find((notification) => notification.title === title);
    if (match) return {title: match.title, body: match.body, tag: match.tag, data: match.data};
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}"""


@pytest.fixture
def people(transactional_db):
    village = MunicipalityFactory(name="Ahornbach", latitude=48.8, longitude=10.6)
    anna = UserFactory(
        first_name="Anna", last_name="Schmid", email="anna@example.org", home_municipality=village
    )
    bernd = UserFactory(
        first_name="Bernd", last_name="Huber", email="bernd@example.org", home_municipality=village
    )
    post = PostFactory(
        author=anna, kind=Post.Kind.REQUEST, category=Post.Category.CRAFT_GARDEN, title=TITLE
    )
    return anna, bernd, post


@pytest.fixture
def receiver():
    with PushReceiver(expected_vapid_public_key=vapid.public_key()) as running:
        yield running


def comment_on(page, text: str) -> None:
    page.get_by_label("Dein Kommentar", exact=True).fill(text)
    page.get_by_role("button", name="Kommentieren").click()
    page.wait_for_url("**/beitraege/*/#comments")


def expect_push_buttons(page, *, on: bool) -> None:
    """push.js offers the one button that applies to this device: on or off. (Checked by the
    hidden attribute: app.css shows both anyway, see
    test_settings_page_shows_only_the_push_button_that_applies.)"""
    shown, hidden = ("#push-disable", "#push-enable") if on else ("#push-enable", "#push-disable")
    expect(page.locator(f"{shown}:not([hidden])")).to_have_count(1)
    expect(page.locator(f"{hidden}[hidden]")).to_have_count(1)


def in_a_thread_of_its_own(work: Callable[[], T]) -> T:
    """Run a service call on a thread of its own, as the server runs a request. This thread
    hosts Playwright's event loop, where the live events sent after commit (async_to_sync)
    could not go out."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


class ServiceWorkers:
    """The service worker registrations of a page's origin, through the Chrome DevTools
    Protocol. Enabled before the page registers its worker, so the registration is reported
    while the journey goes on."""

    def __init__(self, page):
        self.page = page
        self.registrations: dict[str, dict] = {}
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.on("ServiceWorker.workerRegistrationUpdated", self._updated)
        self.cdp.send("ServiceWorker.enable")

    def _updated(self, event: dict) -> None:
        for registration in event["registrations"]:
            self.registrations[registration["registrationId"]] = registration

    def registration_id(self, scope: str) -> str:
        def found():
            # Playwright hands over CDP events only while a call of ours runs: make a cheap one.
            self.page.evaluate("() => 0")
            return next(
                (
                    registration_id
                    for registration_id, registration in self.registrations.items()
                    if registration["scopeURL"] == scope and not registration["isDeleted"]
                ),
                None,
            )

        return wait_until(found, what=f"a service worker registration for {scope}")

    def deliver_push(self, origin: str, data: str) -> None:
        """A push event with this payload for the worker of the origin's root scope, as the
        browser dispatches one that its push service delivered."""
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": origin, "registrationId": self.registration_id(origin + "/"), "data": data},
        )


class LiveSocket:
    """The frames a page's live socket received, as Playwright sees them on the wire."""

    def __init__(self, page):
        self.page = page
        self.socket = None
        self.frames: list[dict] = []
        page.on("websocket", self._opened)

    def _opened(self, socket) -> None:
        self.socket, self.frames = socket, []
        socket.on("framereceived", lambda payload: self.frames.append(json.loads(payload)))

    def wait_for(self, frame_type: str) -> dict:
        # Playwright hands events over only while we wait on it: look at what came, then
        # wait for the next frame, until one of this type is there.
        if self.socket is None:
            self.page.wait_for_event("websocket")
        while not any(frame.get("type") == frame_type for frame in self.frames):
            self.socket.wait_for_event("framereceived")
        return next(frame for frame in self.frames if frame.get("type") == frame_type)


def test_resident_turns_on_push_gets_a_comment_on_her_phone_and_turns_it_off(
    people, receiver, live_app, new_page, assert_accessible, settings
):
    anna, bernd, post = people
    # The settings reach the server's thread: it reads the same process-wide settings.
    settings.PUSH_ENDPOINT_HOSTS = [*settings.PUSH_ENDPOINT_HOSTS, "127.0.0.1"]
    # Quiet hours (22 to 7 o'clock) would hold the push back when this runs at night.
    NotificationSettings.objects.update_or_create(user=anna, defaults={"quiet_hours": False})
    device = receiver.subscription()

    page = new_page()
    page.context.grant_permissions(["notifications"], origin=live_app.url)
    page.context.add_init_script(f"({FAKE_PUSH_SERVICE})({json.dumps(device)});")
    workers = ServiceWorkers(page)
    log_in(live_app, page, assert_accessible, anna)

    # --- Turning push on -----------------------------------------------------------------
    page.goto(live_app.url + SETTINGS_PATH)
    assert_accessible(page)
    worker = page.evaluate("async () => (await navigator.serviceWorker.ready).active.scriptURL")
    assert worker == live_app.url + "/sw.js"
    expect(page.locator("#push-status")).to_have_text(
        "Dieses Gerät bekommt keine Push-Nachrichten."
    )
    expect_push_buttons(page, on=False)
    expect(page.locator("#device-list-empty")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Benachrichtigungen aktivieren").click()
    assert_accessible(page)
    expect(page.locator("#push-status")).to_have_text("Dieses Gerät bekommt Push-Nachrichten.")
    expect_push_buttons(page, on=True)
    # The device is listed by browser and system, read from its user agent.
    user_agent = page.evaluate("() => navigator.userAgent")
    listed = page.locator("#device-list li")
    expect(listed).to_have_count(1)
    expect(listed).to_have_attribute("data-endpoint", device["endpoint"])
    assert "Linux" in user_agent
    expect(listed).to_contain_text("Chrome auf Linux")

    subscribed = PushSubscription.objects.get(user=anna)
    assert subscribed.endpoint == device["endpoint"]
    assert subscribed.p256dh == device["keys"]["p256dh"]
    assert subscribed.auth == device["keys"]["auth"]
    # The page asked for a subscription to the server's VAPID key, for pushes it must show.
    options = page.evaluate(f"() => JSON.parse(localStorage.getItem('{SUBSCRIPTION_KEY}'))")
    assert options == {"userVisibleOnly": True, "applicationServerKey": vapid.public_key()}

    # --- A neighbour comments: one encrypted, signed push reaches the push service --------
    in_a_thread_of_its_own(lambda: comment_create(author=bernd, post=post, body=COMMENT))
    (delivery,) = receiver.wait_for_deliveries(1)
    notification = anna.notifications.get()
    pushed = delivery.json
    assert pushed["title"] == "Neuer Kommentar zu deinem Beitrag"
    assert pushed["body"] == f"Bernd H. hat deinen Beitrag „{TITLE}“ kommentiert."
    assert pushed["url"] == f"/benachrichtigungen/{notification.pk}/"
    assert delivery.topic == pushed["tag"] == f"post-{post.pk}"
    assert receiver.rejected == []

    # --- The service worker shows that very push -----------------------------------------
    workers.deliver_push(live_app.url, delivery.payload.decode())
    shown = page.evaluate(SHOWN_NOTIFICATION, pushed["title"])
    assert shown == {
        "title": "Neuer Kommentar zu deinem Beitrag",
        "body": f"Bernd H. hat deinen Beitrag „{TITLE}“ kommentiert.",
        "tag": f"post-{post.pk}",
        "data": {"url": f"/benachrichtigungen/{notification.pk}/"},
    }

    # --- Turning push off on this device -------------------------------------------------
    with page.expect_navigation():
        page.get_by_role("button", name="Auf diesem Gerät ausschalten").click()
    assert_accessible(page)
    expect(page.locator("#push-status")).to_have_text(
        "Dieses Gerät bekommt keine Push-Nachrichten."
    )
    expect_push_buttons(page, on=False)
    expect(page.locator("#device-list-empty")).to_be_visible()
    assert not PushSubscription.objects.filter(user=anna).exists()
    assert page.evaluate(f"() => localStorage.getItem('{SUBSCRIPTION_KEY}')") is None


def test_bell_rings_live_and_the_first_comment_offers_push_once(
    people, live_app, new_page, assert_accessible
):
    anna, bernd, post = people
    post_url = f"{live_app.url}/beitraege/{post.pk}/"

    # Anna keeps her feed open; the bell is quiet.
    anna_page = new_page()
    anna_socket = LiveSocket(anna_page)
    log_in(live_app, anna_page, assert_accessible, anna)
    bell = anna_page.locator("#notifications-badge")
    expect(bell).to_be_hidden()
    expect(bell).to_have_attribute("data-count", "0")
    # Only a connected socket hears the bell ring; what rang before, the next page shows.
    anna_socket.wait_for("sync")
    anna_page.evaluate("() => { window.stillTheSamePage = true; }")

    # Bernd has not decided about notifications on his phone, and comments.
    bernd_page = new_page()
    log_in(live_app, bernd_page, assert_accessible, bernd)
    assert bernd_page.evaluate("() => Notification.permission") == "default"
    bernd_page.goto(post_url)
    assert_accessible(bernd_page)
    comment_on(bernd_page, COMMENT)
    offer = bernd_page.get_by_role("complementary", name="Möchtest du Bescheid bekommen?")
    expect(offer).to_be_visible()
    assert_accessible(bernd_page)
    expect(offer.get_by_role("button", name="Benachrichtigungen aktivieren")).to_be_visible()
    expect(bernd_page.get_by_role("article", name="Kommentar von Bernd H.")).to_contain_text(
        COMMENT
    )

    # Anna's bell rings without a reload.
    expect(bell).to_be_visible()
    expect(bell).to_have_attribute("data-count", "1")
    expect(bell).to_contain_text("1")
    assert anna_page.evaluate("() => window.stillTheSamePage === true")

    # "Nicht jetzt": the offer goes away and does not come back on the next page.
    offer.get_by_role("button", name="Nicht jetzt").click()
    expect(offer).to_be_hidden()
    bernd_menu = bernd_page.get_by_role("navigation", name="Hauptmenü")
    bernd_menu.get_by_role("link", name="Mein Dorf").click()
    bernd_page.wait_for_url("**/dorf/")
    assert_accessible(bernd_page)
    expect(bernd_page.locator("#push-prompt")).to_be_hidden()

    # Anna follows the bell to the comment; once it is read, the bell is quiet again.
    anna_menu = anna_page.get_by_role("navigation", name="Hauptmenü")
    anna_menu.get_by_role("link", name="Benachrichtigungen").click()
    anna_page.wait_for_url("**/benachrichtigungen/")
    assert_accessible(anna_page)
    line = anna_page.locator("#notification-list li")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("neu")
    line.get_by_role("link", name=f"Bernd H. hat deinen Beitrag „{TITLE}“ kommentiert.").click()
    anna_page.wait_for_url(post_url)
    assert_accessible(anna_page)
    expect(anna_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(bell).to_be_hidden()
    expect(bell).to_have_attribute("data-count", "0")
    assert anna.notifications.get().read_at is not None

    # Signed in anew, Bernd comments again: the new session offers push again, but on this
    # phone he said "Nicht jetzt", so the offer stays hidden.
    with bernd_page.expect_navigation():
        bernd_menu.get_by_role("button", name="Abmelden").click()
    assert_accessible(bernd_page)
    log_in(live_app, bernd_page, assert_accessible, bernd)
    bernd_page.goto(post_url)
    assert_accessible(bernd_page)
    comment_on(bernd_page, "Und eine Kiste Schrauben dazu.")
    assert_accessible(bernd_page)
    expect(bernd_page.locator("#push-prompt")).to_have_count(1)
    # push.js would show it once the service worker is ready and has no subscription.
    bernd_page.evaluate(
        "async () => (await navigator.serviceWorker.ready).pushManager.getSubscription()"
    )
    expect(bernd_page.locator("#push-prompt")).to_be_hidden()


def test_push_offer_is_kept_for_the_page_the_commenter_lands_on(
    people, live_app, new_page, assert_accessible
):
    """live.js fetches the open post's page again when a comment comes in live, the
    commenter's own too, while the browser is still on its way to the page after the comment
    (as do the service worker's update checks of /sw.js). Such a background request must not
    take the offer: here it comes first, as it does when the race goes that way."""
    _anna, bernd, post = people
    post_url = f"{live_app.url}/beitraege/{post.pk}/"
    page = new_page()
    log_in(live_app, page, assert_accessible, bernd)
    page.goto(post_url)
    assert_accessible(page)
    page.evaluate(
        """async (text) => {
          const form = document.querySelector("form[action$='/kommentare/']");
          const data = new FormData(form);
          data.set("body", text);
          await fetch(form.action, {method: "POST", body: data, redirect: "manual"});
          await fetch(location.pathname);
        }""",
        COMMENT,
    )
    page.goto(post_url)
    assert_accessible(page)
    expect(page.get_by_role("article", name="Kommentar von Bernd H.")).to_contain_text(COMMENT)
    expect(page.locator("#push-prompt")).to_have_count(1, timeout=1000)


def test_settings_page_shows_only_the_push_button_that_applies(
    people, live_app, new_page, assert_accessible
):
    anna, _bernd, _post = people
    page = new_page()
    log_in(live_app, page, assert_accessible, anna)
    page.goto(live_app.url + SETTINGS_PATH)
    assert_accessible(page)
    expect(page.locator("#push-status")).to_have_text(
        "Dieses Gerät bekommt keine Push-Nachrichten."
    )
    expect_push_buttons(page, on=False)
    expect(page.get_by_role("button", name="Benachrichtigungen aktivieren")).to_be_visible()
    expect(page.get_by_role("button", name="Auf diesem Gerät ausschalten")).to_be_hidden(
        timeout=1000
    )
