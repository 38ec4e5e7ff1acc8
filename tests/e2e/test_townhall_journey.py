"""The town hall in the browser: an editor publishes an urgent warning through the form; a
resident finds it on top of the feed; the notice board in the town hall's window, open all
along without login, shows it without being reloaded."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import MunicipalityFactory, UserFactory, editor_of

from .conftest import log_in

pytestmark = pytest.mark.browser

TITLE = "Wasserrohrbruch in der Lindenstraße"
BODY = (
    "Bis zur Reparatur gibt es kein Trinkwasser.\n\n"
    "## Was Sie tun können\n- Wasser am Feuerwehrhaus abholen"
)
DETAIL_PATH = re.compile(r"/gemeinden/lindenbach/rathaus/(\d+)/$")


@pytest.fixture
def people(transactional_db):
    home = MunicipalityFactory(
        name="Lindenbach", slug="lindenbach", latitude=48.86, longitude=10.65
    )
    editor = editor_of(
        home, first_name="Petra", last_name="Weber", email="rathaus@lindenbach.example"
    )
    resident = UserFactory(
        first_name="Anna",
        last_name="Müller",
        email="anna@lindenbach.example",
        home_municipality=home,
    )
    return {"editor": editor, "resident": resident}


def test_urgent_warning_reaches_the_feed_and_the_notice_board(
    people, live_app, new_page, assert_accessible
):
    # --- The notice board in the window: no login, on a wide screen -------------------------
    board = new_page(viewport={"width": 1280, "height": 720})
    board.goto(live_app.url + "/gemeinden/lindenbach/schaukasten/?sekunden=30")
    assert_accessible(board)
    expect(board.get_by_role("heading", level=1)).to_have_text("Rathaus Lindenbach")
    expect(board.get_by_role("heading", name="Zurzeit gibt es keine Meldungen.")).to_be_visible()
    board.wait_for_function("document.body.dataset.live === 'open'")
    pause = board.get_by_role("button", name="Anhalten")
    expect(pause).to_have_attribute("aria-pressed", "false")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")

    # --- The town hall publishes the warning --------------------------------------------------
    petra = new_page()
    log_in(live_app, petra, assert_accessible, people["editor"])
    petra.goto(live_app.url + "/rathaus/")
    petra.wait_for_url("**/gemeinden/lindenbach/rathaus/verwalten/")
    assert_accessible(petra)
    petra.get_by_role("link", name="Neue Meldung").click()
    petra.wait_for_url("**/verwalten/neu/")
    assert_accessible(petra)
    petra.get_by_label("Titel", exact=True).fill(TITLE)
    petra.get_by_label("Text", exact=True).fill(BODY)
    petra.get_by_label("Dringende Warnung").check()
    petra.get_by_role("button", name="Veröffentlichen").click()
    petra.wait_for_url(DETAIL_PATH)
    assert_accessible(petra)
    expect(petra.get_by_role("status")).to_contain_text("Die Meldung ist veröffentlicht.")
    expect(petra.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(petra.get_by_role("heading", level=2, name="Was Sie tun können")).to_be_visible()
    expect(petra.get_by_role("listitem").filter(has_text="Wasser am Feuerwehrhaus")).to_be_visible()
    petra.get_by_role("link", name="Alle Meldungen verwalten").click()
    petra.wait_for_url("**/verwalten/")
    assert_accessible(petra)
    expect(petra.get_by_role("table")).to_contain_text(TITLE)

    # --- The board shows it without a reload, as a warning, without the clerk's name ---------
    warning_slide = board.locator(".slide--urgent")
    expect(warning_slide).to_contain_text(TITLE, timeout=10_000)
    expect(warning_slide).to_contain_text("Warnung")
    expect(board.locator("body")).not_to_contain_text("Weber")
    assert_accessible(board)

    # --- A resident finds it on top of the feed -----------------------------------------------
    anna = new_page()
    log_in(live_app, anna, assert_accessible, people["resident"])
    warning = anna.get_by_role("article", name=TITLE)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Warnung vom Rathaus Lindenbach")
    expect(warning).to_contain_text("Gilt bis")
    on_top = anna.evaluate(
        """() => {
          const warning = document.querySelector('.urgent-warning');
          const feed = document.getElementById('feed-heading');
          return !!(warning.compareDocumentPosition(feed) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert on_top, "the warning must stand above the village feed"
    warning.get_by_role("link", name=TITLE).click()
    anna.wait_for_url(DETAIL_PATH)
    assert_accessible(anna)
    expect(anna.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(anna.get_by_role("link", name="Bearbeiten")).to_have_count(0)
    anna.get_by_role("link", name="Zu allen Meldungen").click()
    anna.wait_for_url("**/gemeinden/lindenbach/rathaus/")
    assert_accessible(anna)
    expect(anna.get_by_role("article", name=TITLE)).to_contain_text("Dringende Warnung")


def test_notice_board_rotates_and_can_be_paused_and_stepped(
    people, live_app, new_page, assert_accessible
):
    from tests.townhall.helpers import make_news

    editor = people["editor"]
    make_news(editor, title="Sturmwarnung", urgent=True)
    make_news(editor, title="Sperrmüll")
    make_news(editor, title="Nur für Einwohner", public=False)
    board = new_page(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    board.goto(live_app.url + "/gemeinden/lindenbach/schaukasten/?sekunden=5")
    assert_accessible(board)

    position = board.locator("#board-position")
    expect(position).to_have_text("1 von 2")
    expect(board.get_by_role("heading", name="Sturmwarnung")).to_be_visible()
    expect(board.get_by_role("heading", name="Sperrmüll")).to_be_hidden()
    # Five seconds on: the next notice by itself.
    expect(position).to_have_text("2 von 2", timeout=8_000)
    expect(board.get_by_role("heading", name="Sperrmüll")).to_be_visible()
    expect(board.locator("body")).not_to_contain_text("Nur für Einwohner")

    pause = board.get_by_role("button", name="Anhalten")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(board.locator("body")).to_have_attribute("data-rotation", "paused")
    board.keyboard.press("ArrowRight")
    expect(position).to_have_text("1 von 2")
    expect(board.get_by_role("heading", name="Sturmwarnung")).to_be_visible()
    assert_accessible(board)
    pause.click()
    expect(board.locator("body")).to_have_attribute("data-rotation", "running")
