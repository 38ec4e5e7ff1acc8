"""The demo reports: every status, messages, one published with its photo; seeding twice
gives the same result."""

import io

import pytest
from django.utils import timezone
from PIL import Image

from apps.concerns.models import Concern, ConcernMessage, ConcernPhoto
from apps.demo.concerns import seed_concerns
from apps.demo.management.commands.seed_demo import MUNICIPALITIES, PEOPLE
from apps.places.models import MunicipalityRole
from tests.factories import MunicipalityFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    municipalities = {
        spec["slug"]: MunicipalityFactory(
            **{k: spec[k] for k in ("official_key", "name", "slug", "latitude", "longitude")}
        )
        for spec in MUNICIPALITIES
    }
    people = []
    for slug, email, first, last, role in PEOPLE:
        person = UserFactory(
            email=email, first_name=first, last_name=last, home_municipality=municipalities[slug]
        )
        if role:
            RoleFactory(user=person, municipality=municipalities[slug], kind=role)
        people.append(person)
    return people, municipalities


def test_seed_gives_every_status_and_is_idempotent(demo):
    people, municipalities = demo
    now = timezone.now()
    first = seed_concerns(people=people, municipalities=municipalities, now=now)
    assert "reports" in str(first)
    snapshot = sorted(Concern.objects.values_list("category", "status", "municipality__slug"))
    assert {status for _c, status, _m in snapshot} == set(Concern.Status.values)
    assert first.messages >= 4 and first.published >= 1
    published = Concern.objects.filter(published_at__isnull=False, photos_public=True).first()
    assert published is not None and published.photos.exists()
    for concern in Concern.objects.all():
        assert concern.created_at <= now
        # Each report went to its reporter's town hall, handled by an editor there.
        editors = MunicipalityRole.objects.filter(
            municipality=concern.municipality, kind="editor"
        ).values_list("user_id", flat=True)
        assert set(concern.updates.values_list("actor_id", flat=True)) <= set(editors)
    photo = ConcernPhoto.objects.first()
    with photo.image.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as image:
        assert image.format == "JPEG"
    second = seed_concerns(people=people, municipalities=municipalities, now=now)
    assert (second.concerns, second.messages, second.published) == (
        first.concerns,
        first.messages,
        first.published,
    )
    again = sorted(Concern.objects.values_list("category", "status", "municipality__slug"))
    assert again == snapshot
    assert ConcernMessage.objects.count() == first.messages
