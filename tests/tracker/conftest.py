import pytest


@pytest.fixture
def no_broker(monkeypatch):
    """Record what would be enqueued instead of talking to a broker (the list of ids)."""
    sent = []
    monkeypatch.setattr("tracker.tasks.enqueue_delivery", lambda pk: sent.append(pk) or True)
    return sent
