import pytest

from apps.places.geo import distance_km
from apps.places.selectors import (
    municipality_ids_within,
    municipality_search,
    readable_municipality_ids,
)
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

# About 11 km per 0.1 degree of latitude.
HOME = (48.80, 10.60)


@pytest.fixture
def villages():
    return {
        "home": MunicipalityFactory(name="Heimdorf", latitude=HOME[0], longitude=HOME[1]),
        "near": MunicipalityFactory(name="Nahdorf", latitude=48.84, longitude=10.60),  # ~4.4 km
        "mid": MunicipalityFactory(name="Mitteldorf", latitude=48.90, longitude=10.60),  # ~11 km
        "far": MunicipalityFactory(name="Ferndorf", latitude=49.20, longitude=10.60),  # ~44 km
        "east": MunicipalityFactory(name="Ostdorf", latitude=48.80, longitude=10.70),  # ~7.3 km
    }


def test_distance_matches_known_value():
    # Munich to Augsburg, about 57 km as the crow flies.
    assert distance_km(48.137, 11.575, 48.371, 10.898) == pytest.approx(55.9, abs=1.5)


def test_reader_sees_home_first_then_nearby_in_radius(villages):
    user = UserFactory(home_municipality=villages["home"], reading_radius_km=8)
    ids = readable_municipality_ids(user=user)
    assert ids[0] == villages["home"].pk
    assert set(ids) == {villages["home"].pk, villages["near"].pk, villages["east"].pk}


def test_radius_zero_reads_home_only(villages):
    user = UserFactory(home_municipality=villages["home"], reading_radius_km=0)
    assert readable_municipality_ids(user=user) == [villages["home"].pk]


def test_largest_radius_reaches_mid_but_not_far(villages):
    user = UserFactory(home_municipality=villages["home"], reading_radius_km=30)
    ids = set(readable_municipality_ids(user=user))
    assert villages["mid"].pk in ids
    assert villages["far"].pk not in ids


def test_user_without_home_reads_nothing(villages):
    user = UserFactory(home_municipality=None)
    assert readable_municipality_ids(user=user) == []


def test_circle_not_box_decides(villages):
    # A village in the corner of the bounding box, outside the circle.
    corner = MunicipalityFactory(latitude=HOME[0] + 0.08, longitude=HOME[1] + 0.12)
    assert distance_km(*HOME, corner.latitude, corner.longitude) > 10
    ids = municipality_ids_within(latitude=HOME[0], longitude=HOME[1], radius_km=10)
    assert corner.pk not in ids
    assert villages["near"].pk in ids


def test_readable_selector_uses_one_query(villages, django_assert_num_queries):
    user = UserFactory(home_municipality=villages["home"], reading_radius_km=30)
    user = type(user).objects.select_related("home_municipality").get(pk=user.pk)
    with django_assert_num_queries(1):
        readable_municipality_ids(user=user)


def test_search_ranks_prefix_before_substring():
    MunicipalityFactory(name="Unterlindenau")
    MunicipalityFactory(name="Lindenau")
    MunicipalityFactory(name="Lindenbach")
    names = [m.name for m in municipality_search(query="linden")]
    assert names == ["Lindenau", "Lindenbach", "Unterlindenau"]


def test_search_by_official_key_prefix():
    target = MunicipalityFactory(name="Schlüsseldorf", official_key="09779999")
    MunicipalityFactory(name="Anderswo", official_key="08111000")
    assert municipality_search(query="0977") == [target]


@pytest.mark.parametrize("query", ["%", "_", "'; DROP TABLE places_municipality; --", "ä" * 500])
def test_search_with_hostile_query_returns_quietly(query):
    MunicipalityFactory(name="Heimdorf")
    assert municipality_search(query=query) == []


def test_search_ignores_control_characters():
    target = MunicipalityFactory(name="Heimdorf")
    assert municipality_search(query="Heim\x00dorf\u200b") == [target]
