"""Transcripts read from Rasa's own SQL tracker store (written here by SQLTrackerStore)."""
from __future__ import annotations

import asyncio
import warnings
from datetime import datetime, timezone

import pytest

from bot.staff import transcripts
from bot.staff.transcripts import TranscriptUnavailable, read_transcript, tracker_store_url
from tests.e2e.staff_fixtures import pg_database, postgres_available

T0 = datetime(2024, 5, 1, 14, 0, tzinfo=timezone.utc).timestamp()


def _rasa():
    from sqlalchemy.util import deprecations

    with warnings.catch_warnings():
        silenced, deprecations.SILENCE_UBER_WARNING = deprecations.SILENCE_UBER_WARNING, True
        try:
            from rasa.core.tracker_store import SQLTrackerStore
            from rasa.shared.core.domain import Domain
            from rasa.shared.core.events import (
                ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered)
            from rasa.shared.core.trackers import DialogueStateTracker
        finally:
            deprecations.SILENCE_UBER_WARNING = silenced
    return (SQLTrackerStore, Domain, ActionExecuted, BotUttered, SessionStarted, SlotSet,
            UserUttered, DialogueStateTracker)


def save(store_kwargs, sender_id, events):
    SQLTrackerStore, Domain, *_, DialogueStateTracker = _rasa()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = SQLTrackerStore(Domain.empty(), **store_kwargs)
    try:
        asyncio.run(store.save(DialogueStateTracker.from_events(sender_id, events)))
    finally:
        store.engine.dispose()


def conversation():
    (_, _, ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered, _) = _rasa()
    return [
        ActionExecuted("action_session_start", timestamp=T0),
        SessionStarted(timestamp=T0 + 0.1),
        ActionExecuted("action_listen", timestamp=T0 + 0.2),
        UserUttered("my back hurts", {"name": "inform", "confidence": 0.9}, timestamp=T0 + 10),
        SlotSet("pain_sites", ["lower_back"], timestamp=T0 + 11),
        BotUttered("Does it travel down a leg?",
                   {"buttons": [{"title": "Yes", "payload": "/affirm"},
                                {"title": "No", "payload": "/deny"}]}, timestamp=T0 + 12),
        UserUttered("/affirm", {"name": "affirm", "confidence": 1.0}, timestamp=T0 + 20),
        BotUttered(None, {"buttons": [{"title": "Left", "payload": "/left"}]}, timestamp=T0 + 21),
        BotUttered("Thank you.\nWe will call you.", timestamp=T0 + 30),
    ]


@pytest.fixture
def tracker_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    yield url
    transcripts.dispose()


def test_reads_patient_and_assistant_messages_in_order(tracker_url, tmp_path):
    save({"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}, "conv-1", conversation())
    save({"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}, "someone-else",
         conversation()[:4])
    messages = read_transcript("conv-1", tracker_url)
    assert [(m["who"], m["text"]) for m in messages] == [
        ("patient", "my back hurts"),
        ("assistant", "Does it travel down a leg?"),
        ("patient", "Yes"),  # the button's title, not "/affirm"
        ("assistant", "[buttons: Left]"),
        ("assistant", "Thank you.\nWe will call you."),
    ]
    assert messages[0]["at"] == datetime(2024, 5, 1, 14, 0, 10, tzinfo=timezone.utc)
    assert all(m["at"].tzinfo is timezone.utc for m in messages)
    assert read_transcript("nobody", tracker_url) == []


def test_a_returning_sender_is_read_one_session_at_a_time(tracker_url, tmp_path):
    (_, _, ActionExecuted, BotUttered, SessionStarted, _, UserUttered, _) = _rasa()
    later = T0 + 30 * 86400
    events = conversation() + [
        ActionExecuted("action_session_start", timestamp=later),
        SessionStarted(timestamp=later + 0.1),
        UserUttered("hi again, my foot now", timestamp=later + 5),
        BotUttered("Sorry to hear that.", timestamp=later + 6),
    ]
    save({"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}, "+15551234567", events)
    everything = read_transcript("+15551234567", tracker_url)
    assert len(everything) == 7
    first = read_transcript("+15551234567", tracker_url,
                            session_at=datetime.fromtimestamp(T0 + 25, timezone.utc))
    assert [m["text"] for m in first][0] == "my back hurts" and len(first) == 5
    second = read_transcript("+15551234567", tracker_url,
                             session_at=datetime.fromtimestamp(later + 60, timezone.utc))
    assert [m["text"] for m in second] == ["hi again, my foot now", "Sorry to hear that."]


def test_missing_store_raises_and_is_never_created(tmp_path):
    missing = tmp_path / "nope.db"
    with pytest.raises(TranscriptUnavailable):
        read_transcript("conv-1", f"sqlite:///{missing}")
    assert not missing.exists()
    transcripts.dispose()


def test_the_store_is_opened_read_only(tracker_url, tmp_path):
    save({"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}, "conv-1", conversation())
    read_transcript("conv-1", tracker_url)
    engine = transcripts._engine(tracker_url)
    import sqlalchemy as sa
    with pytest.raises(sa.exc.OperationalError):
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM events")


def test_tracker_store_url_from_the_environment():
    assert tracker_store_url("sqlite:///x.db", {}) == "sqlite:///x.db"
    assert tracker_store_url(None, {"TRACKER_STORE_URL": "postgresql://u@h/t"}) == (
        "postgresql://u@h/t")
    # the variables endpoints.yml hands to Rasa
    assert tracker_store_url(None, {"TRACKER_DIALECT": "sqlite", "TRACKER_DB": "/srv/t.db"}) == (
        "sqlite:////srv/t.db")
    assert tracker_store_url(None, {
        "TRACKER_DIALECT": "postgresql", "TRACKER_DB_HOST": "db.local", "TRACKER_DB": "rasa",
        "TRACKER_DB_USER": "rasa", "TRACKER_DB_PASSWORD": "s3cret"}) == (
        "postgresql://rasa:s3cret@db.local/rasa")
    assert tracker_store_url(None, {"TRACKER_DB_HOST": "postgresql://a@b/c"}) == (
        "postgresql://a@b/c")
    assert tracker_store_url(None, {}).endswith("/var/tracker.db")


@pytest.mark.postgres
def test_reads_a_postgresql_tracker_store():
    if not postgres_available():
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    with pg_database("staff_tracker_") as url:
        save({"host": url}, "conv-pg", conversation())
        try:
            messages = read_transcript("conv-pg", url)
        finally:
            transcripts.dispose(url)
        assert [m["who"] for m in messages] == [
            "patient", "assistant", "patient", "assistant", "assistant"]
