"""RSS 2.0 and Atom feeds of a municipality's public news, parsed back as XML."""

import datetime as dt
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from .helpers import backdate, make_news

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published(people, village, scene):
    """Beside the scene's public, residents' and scheduled news: a warning and older news."""
    older = backdate(make_news(people["editor"], title="Ältere Meldung"), days=2)
    warning = make_news(
        people["editor"], title="Rohrbruch", body="## Betroffen\n- Hauptstraße <1-9>", urgent=True
    )
    return {"older": older, "warning": warning, "public": scene.public.news}


def test_rss_lists_public_news_newest_first_with_rendered_text(client, village, published):
    response = client.get(reverse("townhall:rss", args=[village.slug]))

    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "Rathaus Heimdorf"
    assert channel.findtext("link").endswith("/gemeinden/heimdorf/rathaus/")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "Warnung: Rohrbruch",
        "Öffentliche Meldung",
        "Ältere Meldung",
    ]
    first = items[0]
    assert first.findtext("link").endswith(
        f"/gemeinden/heimdorf/rathaus/{published['warning'].pk}/"
    )
    assert first.findtext("description") == (
        "<h2>Betroffen</h2>\n<ul><li>Hauptstraße &lt;1-9&gt;</li></ul>"
    )
    published_at = parsedate_to_datetime(first.findtext("pubDate"))
    assert abs(published_at - published["warning"].publish_at) < dt.timedelta(seconds=1)


def test_atom_lists_the_same_public_news_without_names_of_clerks(
    client, village, published, people
):
    response = client.get(reverse("townhall:atom", args=[village.slug]))

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.findtext(f"{ATOM}title") == "Rathaus Heimdorf"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Warnung: Rohrbruch",
        "Öffentliche Meldung",
        "Ältere Meldung",
    ]
    assert {entry.find(f"{ATOM}author").findtext(f"{ATOM}name") for entry in entries} == {
        "Rathaus Heimdorf"
    }
    assert people["editor"].last_name.encode() not in response.content
    link = entries[1].find(f"{ATOM}link").get("href")
    assert link.endswith(f"/gemeinden/heimdorf/rathaus/{published['public'].pk}/")
    updated = dt.datetime.fromisoformat(entries[0].findtext(f"{ATOM}updated"))
    assert abs(updated - published["warning"].publish_at) < dt.timedelta(seconds=1)


def test_feeds_of_a_municipality_without_news_are_empty_but_valid(client, other_village):
    rss = ET.fromstring(client.get(reverse("townhall:rss", args=[other_village.slug])).content)
    atom = ET.fromstring(client.get(reverse("townhall:atom", args=[other_village.slug])).content)

    assert rss.find("channel").findall("item") == []
    assert atom.findall(f"{ATOM}entry") == []


def test_feed_of_an_unknown_municipality_is_404(client):
    assert client.get("/gemeinden/nirgendwo/rathaus/rss/").status_code == 404


def test_scheduled_news_enters_the_feed_when_its_time_comes(client, village, people):
    news = make_news(
        people["editor"], title="Bald", publish_at=timezone.now() + dt.timedelta(hours=1)
    )
    url = reverse("townhall:rss", args=[village.slug])
    assert b"Bald" not in client.get(url).content

    backdate(news, hours=2)

    assert b"Bald" in client.get(url).content
