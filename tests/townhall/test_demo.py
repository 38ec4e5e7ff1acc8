"""The demo news of the town halls: what the seed promises, and that a second run replaces
its own news instead of adding to it."""

import io

import pytest
from django.utils import timezone

from apps.demo.townhall import demo_pdf, seed_townhall
from apps.townhall.files import check_pdf
from apps.townhall.models import News
from tests.factories import MunicipalityFactory, UserFactory, editor_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    lindenbach = MunicipalityFactory(name="Lindenbach", slug="lindenbach")
    oberau = MunicipalityFactory(name="Oberau", slug="oberau")
    people = [editor_of(lindenbach), editor_of(oberau), UserFactory(home_municipality=oberau)]
    return people, {"lindenbach": lindenbach, "oberau": oberau}


def test_seed_writes_pinned_pdf_scheduled_news_and_one_warning_in_lindenbach(demo):
    people, places = demo
    now = timezone.now()

    summary = seed_townhall(people=people, municipalities=places, now=now)

    assert str(summary) == "Town halls: 9 news, 1 urgent warning(s), 2 scheduled"
    for place in places.values():
        news = News.objects.filter(municipality=place)
        assert news.filter(pinned_until__gt=now).count() == 1
        assert news.exclude(attachment="").count() == 1
        assert news.filter(publish_at__gt=now).count() == 1
    warning = News.objects.get(urgent=True)
    assert warning.municipality == places["lindenbach"] and warning.urgent_until > now
    gazette = News.objects.exclude(attachment="").first()
    with gazette.attachment.open("rb") as handle:
        check_pdf(_Upload(handle.read()))


def test_seeding_twice_replaces_the_demo_news(demo):
    people, places = demo
    seed_townhall(people=people, municipalities=places, now=timezone.now())
    first = set(News.objects.values_list("pk", flat=True))

    seed_townhall(people=people, municipalities=places, now=timezone.now())

    assert News.objects.count() == 9
    assert not first & set(News.objects.values_list("pk", flat=True))


def test_demo_pdf_has_a_correct_cross_reference_table():
    data = demo_pdf("Amtsblatt (Test)", ["Zeile ä"])
    startxref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])

    assert data[startxref:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in data[startxref:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(b"%d 0 obj" % number)


class _Upload(io.BytesIO):
    @property
    def size(self) -> int:
        return len(self.getvalue())
