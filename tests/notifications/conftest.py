import pytest


@pytest.fixture
def frames(monkeypatch):
    """The live frames published, as (user id, frame) pairs, in order."""
    sent: list = []

    def capture(pairs):
        sent.extend(pairs)

    monkeypatch.setattr("apps.notifications.services.send_events_now", capture)
    return sent


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)
