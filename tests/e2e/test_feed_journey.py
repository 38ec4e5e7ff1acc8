"""The village feed in the browser (issue 3): a resident posts a Suche with a photo; a
neighbour within radius sees it in the feed, comments and says Danke; the author marks it done
and it leaves the feed. Each person has their own browser context (their own session) on a
small phone; once with JavaScript (htmx) and once, for the Danke, without it."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from apps.posts.models import Comment, Post, Thanks
from tests.factories import MunicipalityFactory, UserFactory
from tests.posts.factories import PostFactory, PostPhotoFactory

from .conftest import log_in as sign_in

pytestmark = pytest.mark.browser

TITLE = "Wer hilft beim Rasenmähen?"
BODY = "Mein Rasenmäher ist kaputt.\nWer leiht mir seinen am Samstag?"
COMMENT = "Ich komme Samstag um zehn mit meinem vorbei."
DETAIL_PATH = re.compile(r"/beitraege/(\d+)/$")


@pytest.fixture
def people(transactional_db):
    # About 11 km per 0.1 degree of latitude: the villages are about 4 km apart.
    home = MunicipalityFactory(name="Ahornbach", latitude=48.800, longitude=10.60)
    near = MunicipalityFactory(name="Birkenweiler", latitude=48.836, longitude=10.60)
    author = UserFactory(
        first_name="Greta",
        last_name="Bauer",
        email="greta.bauer@example.org",
        home_municipality=home,
        reading_radius_km=5,
    )
    neighbour = UserFactory(
        first_name="Karl",
        last_name="Huber",
        email="karl.huber@example.org",
        home_municipality=near,
        reading_radius_km=10,
    )
    return {"author": author, "neighbour": neighbour}


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "rasenmaeher.jpg"
    image = Image.new("RGB", (640, 480), (60, 140, 60))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def log_in(live_app, page, assert_accessible, user) -> None:
    sign_in(live_app, page, assert_accessible, user)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Willkommen in {user.home_municipality.name}"
    )


def expect_image_loaded(page, image) -> None:
    """The image is shown and really decoded (lazy images load once scrolled to)."""
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


def post_card(page, title: str):
    # Each card is an <article> named by its title.
    return page.get_by_role("main").get_by_role("article", name=title)


def test_suche_with_photo_is_answered_thanked_and_closed(
    people, photo_file, live_app, new_page, assert_accessible
):
    author, neighbour = people["author"], people["neighbour"]

    # --- The author asks for help -------------------------------------------------------
    greta = new_page()
    log_in(live_app, greta, assert_accessible, author)
    greta.get_by_role("link", name="Ich suche …").click()
    greta.wait_for_url("**/beitraege/neu/?kind=request")
    assert_accessible(greta)
    expect(greta.get_by_role("radio", name="Suche", exact=True)).to_be_checked()
    greta.get_by_label(re.compile(r"^Kategorie")).select_option(label="Handwerk & Garten")
    greta.get_by_label(re.compile(r"^Titel")).fill(TITLE)
    greta.get_by_label("Text", exact=True).fill(BODY)
    greta.get_by_label(re.compile(r"^Fotos")).set_input_files(photo_file)
    greta.get_by_role("button", name="Veröffentlichen").click()
    greta.wait_for_url(DETAIL_PATH)
    assert_accessible(greta)

    post_id = int(DETAIL_PATH.search(greta.url).group(1))
    detail_url = f"{live_app.url}/beitraege/{post_id}/"
    expect(greta.get_by_role("status")).to_contain_text("Dein Beitrag ist veröffentlicht.")
    expect(greta.get_by_role("heading", level=1)).to_have_text(TITLE)
    body = greta.locator(".post-body")
    expect(body).to_contain_text("Mein Rasenmäher ist kaputt.")
    expect(body).to_contain_text("Wer leiht mir seinen am Samstag?")
    expect_image_loaded(greta, greta.get_by_role("img", name="Foto 1 in voller Größe öffnen"))

    # --- A neighbour 4 km away finds it, answers and thanks -----------------------------
    karl = new_page()
    log_in(live_app, karl, assert_accessible, neighbour)
    card = post_card(karl, TITLE)
    expect(card).to_be_visible()
    expect(card).to_contain_text("Suche")
    expect(card).to_contain_text("Handwerk & Garten")
    expect(card).to_contain_text("Greta B. · Ahornbach")
    expect_image_loaded(karl, card.locator("img.post-thumb"))

    card.get_by_role("link", name=TITLE, exact=True).click()
    karl.wait_for_url(detail_url)
    assert_accessible(karl)
    karl.get_by_label("Dein Kommentar", exact=True).fill(COMMENT)
    karl.get_by_role("button", name="Kommentieren").click()
    karl.wait_for_url(detail_url + "#comments")
    assert_accessible(karl)
    comment = karl.get_by_role("article", name="Kommentar von Karl H.")
    expect(comment).to_contain_text(COMMENT)
    expect(karl.get_by_role("heading", name="1 Kommentar", exact=True)).to_be_visible()

    # With JavaScript, htmx swaps the button in place: no new page is loaded.
    karl.evaluate("() => { window.stillTheSamePage = true; }")
    thanks = karl.locator(".post-actions").get_by_role("button", name=re.compile(r"Danke"))
    expect(thanks).to_have_attribute("aria-pressed", "false")
    thanks.click()
    expect(thanks).to_have_attribute("aria-pressed", "true")
    expect(thanks.locator(".count")).to_have_text("1")
    assert karl.evaluate("() => window.stillTheSamePage === true")
    assert_accessible(karl)
    assert Thanks.objects.filter(user=neighbour, post_id=post_id).count() == 1

    # --- The author sees the answer and closes the request ------------------------------
    greta.reload()
    assert_accessible(greta)
    expect(greta.get_by_role("article", name="Kommentar von Karl H.")).to_contain_text(COMMENT)
    expect(greta.locator(".post-actions .count")).to_have_text("1")
    status_form = greta.locator("form", has=greta.get_by_text("Status:"))
    with greta.expect_navigation():
        status_form.get_by_role("button", name="erledigt", exact=True).click()
    assert_accessible(greta)
    expect(greta.get_by_role("status")).to_contain_text("Status geändert: erledigt")
    expect(status_form.get_by_role("button", name="erledigt", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Post.objects.get(pk=post_id).status == Post.Status.DONE

    greta.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Mein Dorf").click()
    greta.wait_for_url("**/dorf/")
    assert_accessible(greta)
    expect(post_card(greta, TITLE)).to_have_count(0)

    # Gone from the feed, but still in the author's own list (and reachable by link).
    greta.goto(f"{live_app.url}/leute/{author.pk}/beitraege/")
    assert_accessible(greta)
    done = post_card(greta, TITLE)
    expect(done).to_be_visible()
    expect(done).to_contain_text("erledigt")
    expect(done).to_contain_text("1 Kommentar")
    expect(done).to_contain_text("1 Danke")

    # The neighbour's feed has let go of it too.
    karl.goto(live_app.url + "/dorf/")
    assert_accessible(karl)
    expect(post_card(karl, TITLE)).to_have_count(0)
    assert Comment.objects.filter(post_id=post_id, author=neighbour).count() == 1


def test_neighbour_says_danke_without_javascript(people, live_app, new_page, assert_accessible):
    author, neighbour = people["author"], people["neighbour"]
    post = PostFactory(
        author=author,
        kind=Post.Kind.REQUEST,
        category=Post.Category.CRAFT_GARDEN,
        title=TITLE,
        body=BODY,
    )
    PostPhotoFactory(post=post)

    karl = new_page(java_script_enabled=False)
    log_in(live_app, karl, assert_accessible, neighbour)
    card = post_card(karl, TITLE)
    expect(card).to_be_visible()
    card.get_by_role("link", name=TITLE, exact=True).click()
    karl.wait_for_url(f"**/beitraege/{post.pk}/")
    assert_accessible(karl)

    thanks = karl.locator(".post-actions").get_by_role("button", name=re.compile(r"Danke"))
    expect(thanks).to_have_attribute("aria-pressed", "false")
    with karl.expect_navigation():
        thanks.click()
    assert_accessible(karl)
    expect(thanks).to_have_attribute("aria-pressed", "true")
    expect(thanks.locator(".count")).to_have_text("1")
    assert Thanks.objects.filter(user=neighbour, post=post).count() == 1
    # Proof that the page's own scripts never ran.
    assert karl.evaluate("() => typeof window.htmx") == "undefined"
