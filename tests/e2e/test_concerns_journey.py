""" "Sag's uns" in the browser: a resident reports a pothole with a photo, tapping the place on
the map (a coordinate grid: no tile server is configured); the town hall moves it to
"erledigt" with a message; the resident sees the status and the message. Then the same report
once more without JavaScript, with the place typed in."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from apps.concerns.models import Concern, ConcernMessage, ConcernPhoto
from tests.factories import MunicipalityFactory, UserFactory, editor_of

from .conftest import log_in

pytestmark = pytest.mark.browser

DESCRIPTION = "Tiefes Schlagloch vor der Bäckerei, Radfahrer müssen ausweichen."
ANSWER = "Das Loch ist geflickt. Danke für den Hinweis!"
DETAIL_PATH = re.compile(r"/anliegen/(\d+)/$")


@pytest.fixture
def people(transactional_db):
    home = MunicipalityFactory(name="Ahornbach", slug="ahornbach", latitude=48.8, longitude=10.6)
    resident = UserFactory(
        first_name="Greta",
        last_name="Bauer",
        email="greta.bauer@example.org",
        home_municipality=home,
    )
    clerk = editor_of(home, first_name="Petra", last_name="Weber", email="rathaus@example.org")
    return {"resident": resident, "editor": clerk, "home": home}


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "schlagloch.jpg"
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"
    Image.new("RGB", (640, 480), (90, 90, 95)).save(out, format="JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def test_pothole_is_reported_fixed_and_the_reporter_sees_it(
    people, photo_file, live_app, new_page, assert_accessible
):
    resident, editor, home = people["resident"], people["editor"], people["home"]

    # --- The resident reports, picking the place on the map -----------------------------
    greta = new_page()
    log_in(live_app, greta, assert_accessible, resident)
    greta.goto(live_app.url + "/anliegen/neu/")
    assert_accessible(greta)
    expect(greta.get_by_role("heading", level=1)).to_have_text("Sag's uns: Problem melden")
    greta.get_by_label("Worum geht es?").select_option(label="Schlagloch/Straßenschaden")
    expect(greta.locator("#similar")).to_contain_text("noch nichts öffentlich gemeldet")
    greta.get_by_label(re.compile(r"^Beschreibung")).fill(DESCRIPTION)
    the_map = greta.get_by_role("region", name="Karte: tippe auf den Ort des Problems")
    expect(the_map).to_be_visible()
    # No tile server: the grid is drawn locally and says so.
    expect(the_map.locator("canvas").first).to_be_visible()
    expect(the_map).to_contain_text("Koordinatenraster")
    latitude = greta.get_by_label(re.compile(r"^Breitengrad"))
    expect(latitude).to_have_value("")
    the_map.click(position={"x": 120, "y": 90})
    expect(latitude).not_to_have_value("")
    lat = float(latitude.input_value())
    lon = float(greta.get_by_label(re.compile(r"^Längengrad")).input_value())
    assert abs(lat - home.latitude) < 0.01 and abs(lon - home.longitude) < 0.01
    assert_accessible(greta)
    greta.get_by_label(re.compile(r"^Fotos")).set_input_files(photo_file)
    greta.get_by_role("button", name="Meldung absenden").click()
    greta.wait_for_url(DETAIL_PATH)
    assert_accessible(greta)
    concern_id = int(DETAIL_PATH.search(greta.url).group(1))
    expect(greta.get_by_role("status").first).to_contain_text("Deine Meldung ist beim Rathaus")
    expect(greta.locator("#concern-status")).to_have_text("eingegangen")
    image = greta.get_by_role("img", name="Foto 1 in voller Größe öffnen")
    expect(image).to_be_visible()
    greta.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    concern = Concern.objects.get(pk=concern_id)
    assert concern.reporter == resident and concern.latitude is not None
    photo = ConcernPhoto.objects.get(concern=concern)
    with photo.image.open("rb") as handle:
        assert b"Kamerahersteller" not in handle.read()

    # --- The town hall finds it in the inbox and closes it with a message ----------------
    petra = new_page()
    log_in(live_app, petra, assert_accessible, editor)
    petra.goto(f"{live_app.url}/gemeinden/{home.slug}/anliegen/")
    assert_accessible(petra)
    row = petra.get_by_role("row", name=re.compile("Schlagloch vor der Bäckerei"))
    expect(row).to_contain_text("seit heute")
    expect(row).to_contain_text("eingegangen")
    row.get_by_role("link").click()
    petra.wait_for_url(f"**/anliegen/{concern_id}/")
    assert_accessible(petra)
    expect(petra.locator(".meta").first).to_contain_text("Greta B.")
    status_form = petra.locator("#status-form")
    status_form.get_by_label("Neuer Status").select_option(label="erledigt")
    status_form.get_by_label(re.compile(r"^Nachricht an die meldende Person")).fill(ANSWER)
    with petra.expect_navigation():
        status_form.get_by_role("button", name="Status speichern").click()
    assert_accessible(petra)
    expect(petra.locator("#concern-status")).to_have_text("erledigt")
    assert Concern.objects.get(pk=concern_id).status == Concern.Status.DONE

    # ... and shows it as "Schon gemeldet", without the reporter's name.
    publish_form = petra.locator("#publish-form")
    publish_form.get_by_label(re.compile("Schon gemeldet")).check()
    publish_form.get_by_label("Fotos mit veröffentlichen").check()
    with petra.expect_navigation():
        publish_form.get_by_role("button", name="Speichern").click()
    assert_accessible(petra)
    visitor = new_page()
    visitor.goto(f"{live_app.url}/gemeinden/{home.slug}/gemeldet/")
    assert_accessible(visitor)
    visitor.get_by_role("link", name=re.compile("Schlagloch vor der Bäckerei")).click()
    visitor.wait_for_url(f"**/gemeldet/{concern_id}/")
    assert_accessible(visitor)
    expect(visitor.get_by_role("main")).to_contain_text("erledigt")
    expect(visitor.get_by_role("main")).not_to_contain_text("Greta")
    expect(visitor.get_by_role("region", name="Karte mit dem Ort der Meldung")).to_be_visible()

    # --- The resident sees the status and the message ------------------------------------
    greta.reload()
    assert_accessible(greta)
    expect(greta.locator("#concern-status")).to_have_text("erledigt")
    message = greta.get_by_role("article", name="Nachricht vom Rathaus")
    expect(message).to_contain_text(ANSWER)
    expect(message).not_to_contain_text("Petra")
    greta.goto(live_app.url + "/anliegen/")
    assert_accessible(greta)
    expect(greta.get_by_role("main")).to_contain_text("erledigt")


def test_report_without_javascript_with_a_typed_place(
    people, live_app, new_page, assert_accessible
):
    resident = people["resident"]
    page = new_page(java_script_enabled=False)
    log_in(live_app, page, assert_accessible, resident)
    page.goto(live_app.url + "/anliegen/neu/")
    assert_accessible(page)
    # Without JavaScript there is no map, only the fields.
    expect(page.locator("[data-concern-map]")).to_be_hidden()
    page.get_by_label("Worum geht es?").select_option(label="Straßenbeleuchtung")
    page.get_by_label(re.compile(r"^Beschreibung")).fill("Laterne am Kirchweg ist aus.")
    # A point outside Germany first: a clear error, nothing saved.
    page.get_by_label(re.compile(r"^Breitengrad")).fill("48,8566")
    page.get_by_label(re.compile(r"^Längengrad")).fill("2,3522")
    page.get_by_role("button", name="Meldung absenden").click()
    page.wait_for_load_state("load")
    assert_accessible(page)
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(".field--error")).to_contain_text("in Deutschland")
    assert not Concern.objects.exists()
    page.get_by_label(re.compile(r"^Breitengrad")).fill("")
    page.get_by_label(re.compile(r"^Längengrad")).fill("")
    page.get_by_label(re.compile(r"^Wo ist das")).fill("Kirchweg 3")
    page.get_by_role("button", name="Meldung absenden").click()
    page.wait_for_url(DETAIL_PATH)
    assert_accessible(page)
    expect(page.locator("#concern-status")).to_have_text("eingegangen")
    assert Concern.objects.get().address == "Kirchweg 3"
    assert not ConcernMessage.objects.exists()
