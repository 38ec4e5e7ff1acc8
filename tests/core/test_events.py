"""Live events leave only after the transaction that caused them commits."""

import pytest
from django.db import transaction

from apps.core import events


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(events, "send_event_now", lambda ids, frame: sent.append((ids, frame)))
    return sent


@pytest.mark.django_db(transaction=True)
def test_event_is_sent_after_commit_not_before(published):
    with transaction.atomic():
        events.send_event_on_commit([1, 2], {"type": "x"})
        assert published == []
    assert published == [([1, 2], {"type": "x"})]


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_transaction_is_never_sent(published):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.send_event_on_commit([1], {"type": "x"})
        raise RuntimeError("the write failed")
    assert published == []


def test_publishing_survives_a_broken_channel_layer(monkeypatch, caplog):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(events, "get_channel_layer", lambda: BrokenLayer())
    events.send_event_now([1], {"type": "x"})
    assert "could not publish" in caplog.text
