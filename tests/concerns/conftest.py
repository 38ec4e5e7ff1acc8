import pytest

from tests.factories import UserFactory

from .factories import ConcernFactory, ConcernPhotoFactory


@pytest.fixture
def reporter(village):
    return UserFactory(first_name="Greta", last_name="Bauer", home_municipality=village)


@pytest.fixture
def concern(reporter):
    concern = ConcernFactory(reporter=reporter, description="Schlagloch vor der Bäckerei")
    ConcernPhotoFactory(concern=concern)
    return concern


@pytest.fixture
def sent_frames(monkeypatch):
    """Live frames the services publish (after commit), as (user ids, frame) pairs."""
    frames = []
    monkeypatch.setattr(
        "apps.core.events.send_event_now",
        lambda user_ids, frame: frames.append((sorted(user_ids), frame)),
    )
    return frames
