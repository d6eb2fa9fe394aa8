"""Fixtures for the store and payload tests: real SQLite files and a real PostgreSQL.

PostgreSQL: one fresh database per test session (``intake_test_<random>``),
migrated once, emptied before each test, dropped at the end. The server is
``TEST_POSTGRES_ADMIN_URL`` (default: postgres@127.0.0.1:5432, trust auth); the
``postgres`` tests are skipped when it cannot be reached.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, Optional

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.intake.record import IntakeRecord, PainSite, Patient
from bot.store.engine import dispose_engines
from bot.store.migrate import init_db
from bot.store.models import metadata
from tests.pg import PG_ADMIN_URL, admin_engine, postgres_available, temporary_pg_database  # noqa: F401



@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this test session."""
    if not postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string()}")
    with temporary_pg_database() as url:
        init_db(url)
        yield url


@pytest.fixture
def new_pg_database(pg_url):
    """``with new_pg_database() as url:`` a further empty PostgreSQL database, dropped after."""
    return temporary_pg_database


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    """A SQLite file URL in a temporary folder (not migrated)."""
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    yield url
    dispose_engines(url)


@pytest.fixture
def pg_empty_url(pg_url) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    engine = sa.create_engine(pg_url, future=True)
    with engine.begin() as connection:
        tables = ", ".join(metadata.tables)
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """A migrated, empty app database: a fresh SQLite file, or the session's PostgreSQL emptied."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        init_db(url)
        return url
    return request.getfixturevalue("pg_empty_url")


# -- intake records, triage results and payloads --------------------------------------
def sciatica_record() -> IntakeRecord:
    record = IntakeRecord(
        patient_words="Shooting pain from my lower back down my left leg to the big toe",
        pain_sites=[PainSite("lower_back", "midline"), PainSite("leg", "left")],
        pain_sites_asked=True,
        radiation_present=True,
        radiation_to=["thigh", "shin", "big_toe"],
        radiation_below_knee=True,
        numbness_present=True,
        numbness_sites=["top_of_foot", "big_toe"],
        weakness_present=False,
        gait_changes=["heel_walk_difficulty"],
        severity=7,
        onset="gradual",
        duration_days=21,
        cause="lifting",
        cause_words="lifted a heavy box at work",
        prior_care=["ibuprofen", "physical therapy"],
        patient=Patient(
            name="Ana María Núñez", date_of_birth="1980-04-12", phone="+15551234567",
            email="ana@example.org", preferred_visit="telehealth",
        ),
        answers=[
            {"question": "Where does it hurt?", "answer": "lower back and left leg"},
            {"question": "How bad is it, 0 to 10?", "answer": "7"},
        ],
    )
    record.set_finding("night_pain", False, "no, sleeping is fine")
    return record


def sciatica_triage() -> Dict[str, Any]:
    return {
        "urgency": "routine",
        "specialist": "spine_surgery",
        "also_consider": ["podiatry"],
        "visit": "telehealth_ok",
        "rule": "R3",
        "reasons": ["radiating pain without weakness for less than 6 weeks", "conservative care first"],
        "nerve_root_pattern": "L5",
        "red_flags": [],
    }


def emergency_record() -> IntakeRecord:
    return IntakeRecord(
        patient_words="back pain and I can't feel anything down there, can't pee",
        pain_sites=[PainSite("lower_back", None)],
        gait_changes=None,  # intake stopped before gait was asked
        prior_care=None,
        patient=Patient(name="Bob Stone", phone="+15557654321"),
        answers=[{"question": "What brings you in?", "answer": "back pain, numb down there"}],
    )


def emergency_triage(urgency: str = "emergency_ed") -> Dict[str, Any]:
    return {
        "urgency": urgency,
        "specialist": None,
        "also_consider": [],
        "visit": None,
        "rule": "ED1",
        "reasons": ["possible cauda equina syndrome"],
        "nerve_root_pattern": None,
        "red_flags": [
            {"code": "saddle_numbness", "patient_words": "can't feel anything down there"},
            {"code": "bladder_dysfunction", "patient_words": "can't pee"},
        ],
    }


def empty_record() -> IntakeRecord:
    """Nothing known yet: every optional field null or empty."""
    return IntakeRecord()


@pytest.fixture
def make_payload() -> Callable[..., Dict[str, Any]]:
    """``make_payload(kind="routine"|"emergency_ed"|"emergency_911"|"urgent_24h", **overrides)``."""
    from bot.handoff.payload import build_payload

    def make(
        kind: str = "routine",
        *,
        name: Optional[str] = None,
        phone: Optional[str] = None,
        specialist: Optional[str] = None,
        channel: str = "web",
        conversation_id: Optional[str] = None,
        created_at: Optional[datetime] = None,
    ) -> Dict[str, Any]:
        if kind.startswith("emergency"):
            record, triage = emergency_record(), emergency_triage(kind)
        else:
            record, triage = sciatica_record(), sciatica_triage()
            triage["urgency"] = kind
            if specialist:
                triage["specialist"] = specialist
        if name is not None:
            record.patient.name = name
        if phone is not None:
            record.patient.phone = phone
        return build_payload(
            record,
            triage,
            conversation_id=conversation_id or f"conv-{uuid.uuid4().hex[:8]}",
            channel=channel,
            summary_text="Summary the patient confirmed.",
            transcript_url="https://staff.example.org/transcripts/abc",
            provider={"name": "Dr. Lee", "credentials": "MD"},
            created_at=created_at or datetime.now(timezone.utc),
        )

    return make


@pytest.fixture
def samples():
    """The hand-built records and triage results above, for tests to start from."""
    from types import SimpleNamespace

    return SimpleNamespace(
        sciatica_record=sciatica_record,
        sciatica_triage=sciatica_triage,
        emergency_record=emergency_record,
        emergency_triage=emergency_triage,
        empty_record=empty_record,
    )
