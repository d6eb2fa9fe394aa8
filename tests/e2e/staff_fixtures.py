"""Staff console fixtures, shared by its unit tests and its browser tests.

Seed data is real: intake records run through ``bot.triage.triage``, bodies built by
``bot.handoff.payload.build_payload``, checked against the contract and stored with
``bot.store.save_handoff``; transcripts are written by Rasa's own
``SQLTrackerStore``, so the tracker schema is the one Rasa really uses.

Import what you need into a test module (pytest then registers the fixtures there)::

    from tests.e2e.staff_fixtures import staff_env, staff_app, client, login  # noqa: F401
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.intake.record import IntakeRecord, PainSite, Patient

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"  # 28 characters: passes the 12-character rule
USERS = {"frontdesk": "front_desk", "clinician": "clinician", "admin": "admin"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
from tests.pg import PG_ADMIN_URL, postgres_available, temporary_pg_database  # noqa: E402,F401  (shared with unit tests)


# -- seed intakes ------------------------------------------------------------------
@dataclass
class Case:
    key: str
    record: IntakeRecord
    channel: str
    age: timedelta  # how long ago the handoff arrived
    messages: List[Tuple[str, str]]  # ("patient" | "assistant", text)
    review_status: str = "new"
    delivery_failed: bool = False
    sms_opted_out: Optional[bool] = None
    conversation_id: str = field(default_factory=lambda: f"conv-{uuid.uuid4().hex[:10]}")


def _emergency_ed() -> IntakeRecord:
    record = IntakeRecord(
        patient_words="My back is killing me and since this morning I can't feel anything "
                      "down there and I can't pee",
        pain_sites=[PainSite("lower_back", "midline"), PainSite("leg", "both")],
        pain_sites_asked=True,
        patient=Patient(name="Robert Stone", phone="+12015550111", date_of_birth="1971-02-03"),
        answers=[{"question": "What brings you in today?",
                  "answer": "back pain, can't feel anything down there, can't pee"}],
    )
    record.set_finding("saddle_numbness", True, "I can't feel anything down there")
    record.set_finding("urinary_retention", True, "I can't pee")
    return record


def _sciatica() -> IntakeRecord:
    record = IntakeRecord(
        patient_words="Shooting pain from my lower back down my left leg to the big toe",
        pain_sites=[PainSite("lower_back", "midline"), PainSite("leg", "left")],
        pain_sites_asked=True,
        radiation_present=True, radiation_to=["thigh", "shin", "big_toe"],
        radiation_below_knee=True,
        numbness_present=True, numbness_sites=["top_of_foot", "big_toe"],
        weakness_present=False,
        gait_changes=["heel_walk_difficulty"], heel_walk_ok=False, toe_walk_ok=True,
        severity=7, onset="gradual", duration_days=21, cause="lifting",
        cause_words="lifted a heavy box at work", prior_care=["ibuprofen", "physical therapy"],
        patient=Patient(name="Ana María Núñez", date_of_birth="1980-04-12",
                        phone="+15551234567", email="ana@example.org",
                        preferred_visit="telehealth"),
        answers=[
            {"question": "Where does it hurt?", "answer": "lower back and left leg"},
            {"question": "Only if it feels safe, holding on to something: can you walk a few "
                         "steps on your heels?", "answer": "no, my left foot flops"},
            {"question": "How bad is it, 0 to 10?", "answer": "7"},
        ],
    )
    record.set_finding("night_pain", False, "no, sleeping is fine")
    record.set_finding("cancer_history", False, "never had cancer")
    return record


def _heel() -> IntakeRecord:
    record = IntakeRecord(
        patient_words="Sharp pain in my right heel when I get out of bed",
        pain_sites=[PainSite("heel", "right"), PainSite("arch", "right")], pain_sites_asked=True,
        radiation_present=False, numbness_present=False, weakness_present=False,
        gait_changes=[], severity=5, onset="gradual", duration_days=60,
        patient=Patient(name="Grace Kim", phone="+12015550199", date_of_birth="1990-09-15",
                        preferred_visit="in_person"),
        answers=[{"question": "Where does it hurt?", "answer": "my right heel, first steps"}],
    )
    record.set_finding("heel_pain_first_steps", True, "when I get out of bed")
    return record


def _chronic_back() -> IntakeRecord:
    return IntakeRecord(
        patient_words="My lower back has ached for months, worse after sitting",
        pain_sites=[PainSite("lower_back", "midline")], pain_sites_asked=True,
        radiation_present=False, numbness_present=False, weakness_present=False,
        gait_changes=[], severity=4, onset="gradual", duration_days=120,
        prior_care=["physical therapy"],
        patient=Patient(name="Tom Becker", phone="+12015550123", date_of_birth="1985-06-01",
                        preferred_visit="telehealth"),
    )


def _cold_foot() -> IntakeRecord:
    record = IntakeRecord(
        patient_words="My left foot went cold and pale an hour ago and it is numb",
        pain_sites=[PainSite("foot", "left")], pain_sites_asked=True,
        patient=Patient(name="Linda Park", phone="+12015550155"),
    )
    record.set_finding("cold_pale_foot", True, "my left foot went cold and pale")
    return record


def cases() -> List[Case]:
    return [
        Case("emergency", _emergency_ed(), "sms", timedelta(minutes=25), [
            ("assistant", "Hi, I'm the intake assistant for Oasis Ortho. I can't diagnose and "
                          "I'm not for emergencies. What brings you in today?"),
            ("patient", "My back is killing me and since this morning I can't feel anything "
                        "down there and I can't pee"),
            ("assistant", "These symptoms need to be checked today. Please go to the nearest "
                          "emergency department now. Do not wait for an appointment."),
            ("patient", "ok going now"),
        ], sms_opted_out=False),
        Case("sciatica", _sciatica(), "web", timedelta(hours=2), [
            ("assistant", "Hi! What brings you in today?"),
            ("patient", "Shooting pain from my lower back down my left leg to the big toe"),
            ("assistant", "Only if it feels safe, holding on to something: can you walk a few "
                          "steps on your heels?"),
            ("patient", "no, my left foot flops"),
            ("assistant", "Thank you. Based on your answers, we suggest a visit with Sujal "
                          "Patel, MD, our orthopedic spine surgeon, in person."),
        ]),
        Case("heel", _heel(), "web", timedelta(days=1, hours=3), [
            ("assistant", "Hi! What brings you in today?"),
            ("patient", "Sharp pain in my right heel when I get out of bed"),
        ], delivery_failed=True),
        Case("chronic", _chronic_back(), "rest", timedelta(days=3), [
            ("patient", "My lower back has ached for months, worse after sitting"),
        ], review_status="reviewed", sms_opted_out=True),
        Case("closed_911", _cold_foot(), "sms", timedelta(days=5), [
            ("patient", "My left foot went cold and pale an hour ago and it is numb"),
            ("assistant", "This may be an emergency. Call 911 now."),
        ], review_status="closed"),
    ]


@dataclass
class Seeded:
    database_url: str
    tracker_url: str
    handoffs: Dict[str, str]  # case key -> handoff id
    conversations: Dict[str, str]  # case key -> conversation id
    names: Dict[str, str]  # case key -> patient name


def seed_app_db(database_url: str, seed_cases: Optional[List[Case]] = None,
                now: Optional[datetime] = None) -> Tuple[Dict[str, str], List[Case]]:
    """Migrate the app database and store the cases' handoffs. Returns {key: handoff_id}."""
    from bot.clinic import load_clinic
    from bot.handoff.payload import build_payload
    from bot.handoff.schema import validate_payload
    from bot.intake.summary import summary_text
    from bot.store import init_db, repository, session_scope
    from bot.triage import triage

    init_db(database_url)
    now = now or datetime.now(timezone.utc)
    seed_cases = seed_cases if seed_cases is not None else cases()
    clinic = load_clinic()
    ids: Dict[str, str] = {}
    for case in seed_cases:
        result = triage(case.record).to_dict()
        provider = clinic.provider_for(result.get("specialist"))
        result["provider"] = ({"name": provider["name"], "credentials": provider["credentials"]}
                              if provider else None)
        handoff_id = str(uuid.uuid4())
        payload = build_payload(
            case.record, result, conversation_id=case.conversation_id, channel=case.channel,
            summary_text=summary_text(case.record),
            transcript_url=f"http://localhost:8000/handoffs/{handoff_id}",
            provider=result["provider"], handoff_id=handoff_id, created_at=now - case.age)
        validate_payload(payload)
        with session_scope(database_url) as db:
            repository.save_handoff(
                db, record_dict=case.record.to_dict(), payload=payload,
                conversation_id=case.conversation_id, channel=case.channel,
                urgency=result["urgency"], specialist=result["specialist"])
            if case.review_status != "new":
                repository.set_review_status(db, handoff_id, case.review_status, actor="seed")
            if case.delivery_failed:
                row = repository.get_outbox(db, handoff_id)
                row.attempts = 4
                repository.record_failure(db, row.id, error="HTTP 503 from appointment system",
                                          retry_at=None)
            if case.sms_opted_out is not None and case.record.patient.phone:
                repository.note_sms_contact(db, case.record.patient.phone,
                                            now=now - timedelta(days=30))
                repository.set_sms_opt_out(db, case.record.patient.phone, case.sms_opted_out,
                                           now=now - timedelta(days=2))
        ids[case.key] = handoff_id
    return ids, seed_cases


def run_coroutine(coroutine: Any) -> Any:
    """Run a coroutine to completion, also when this thread already runs an event loop
    (Playwright's sync API does): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def write_transcripts(tracker_url: str, seed_cases: List[Case],
                      now: Optional[datetime] = None) -> None:
    """Store each case's conversation through Rasa's SQLTrackerStore (the real schema)."""
    import warnings

    from sqlalchemy.util import deprecations

    with warnings.catch_warnings():
        # Rasa 3.6 uses SQLAlchemy APIs that 1.4 flags as deprecated (not ours to fix),
        # and its import puts its own warning filters first: silence both.
        silenced, deprecations.SILENCE_UBER_WARNING = deprecations.SILENCE_UBER_WARNING, True
        try:
            from rasa.core.tracker_store import SQLTrackerStore
            from rasa.shared.core.domain import Domain
            from rasa.shared.core.events import (
                ActionExecuted, BotUttered, SessionStarted, UserUttered)
            from rasa.shared.core.trackers import DialogueStateTracker
        finally:
            deprecations.SILENCE_UBER_WARNING = silenced
        warnings.simplefilter("ignore")

        url = make_url(tracker_url)
        if url.get_backend_name() == "sqlite":
            store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=url.database)
        else:
            store = SQLTrackerStore(Domain.empty(), host=tracker_url)
    now = now or datetime.now(timezone.utc)
    try:
        for case in seed_cases:
            start = (now - case.age - timedelta(minutes=len(case.messages) + 1)).timestamp()
            events: List[Any] = [
                ActionExecuted("action_session_start", timestamp=start),
                SessionStarted(timestamp=start + 0.1),
                ActionExecuted("action_listen", timestamp=start + 0.2),
            ]
            for index, (who, text) in enumerate(case.messages):
                moment = start + 30 * (index + 1)
                if who == "patient":
                    events.append(UserUttered(text, {"name": "inform", "confidence": 1.0},
                                              timestamp=moment))
                else:
                    events.append(BotUttered(text, timestamp=moment))
            tracker = DialogueStateTracker.from_events(case.conversation_id, events)
            run_coroutine(store.save(tracker))
    finally:
        store.engine.dispose()


def create_user(database_url: str, username: str, role: str, password: str = PASSWORD) -> None:
    from bot.staff.auth import hash_password
    from bot.store import repository, session_scope

    with session_scope(database_url) as db:
        repository.create_staff_user(db, username=username, password_hash=hash_password(password),
                                     role=role)


def seed_everything(database_url: str, tracker_url: str,
                    now: Optional[datetime] = None) -> Seeded:
    ids, seed_cases = seed_app_db(database_url, now=now)
    write_transcripts(tracker_url, seed_cases, now=now)
    for username, role in USERS.items():
        create_user(database_url, username, role)
    return Seeded(database_url, tracker_url, ids,
                  {c.key: c.conversation_id for c in seed_cases},
                  {c.key: c.record.patient.name for c in seed_cases})


# -- PostgreSQL throwaway databases (tests/pg.py) -------------------------------------
def pg_database(prefix: str = "staff_test_"):
    """An empty PostgreSQL database for the duration of the block."""
    return temporary_pg_database(prefix)


# -- unit-test fixtures (Flask test client) ----------------------------------------
class Clock:
    """A clock tests can move: ``clock.advance(minutes=16)``."""

    def __init__(self, start: Optional[datetime] = None) -> None:
        self.now = start or datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


@pytest.fixture(scope="session")
def staff_template(tmp_path_factory) -> Seeded:
    """Seeded once per test session; each test gets its own copy (``staff_env``)."""
    from bot.store.engine import dispose_engines

    folder = tmp_path_factory.mktemp("staff-template")
    seeded = seed_everything(f"sqlite:///{folder / 'intake.db'}",
                             f"sqlite:///{folder / 'tracker.db'}")
    dispose_engines(seeded.database_url)  # checkpoints the WAL into the file
    return seeded


@pytest.fixture
def staff_env(staff_template, tmp_path) -> Iterator[Seeded]:
    """A migrated, seeded SQLite app database and a tracker store written by Rasa."""
    import shutil

    from bot.staff import transcripts
    from bot.store.engine import dispose_engines

    for name in ("intake.db", "tracker.db"):
        source = Path(make_url(getattr(staff_template, "database_url" if name == "intake.db"
                                       else "tracker_url")).database)
        shutil.copyfile(source, tmp_path / name)
    seeded = Seeded(f"sqlite:///{tmp_path / 'intake.db'}", f"sqlite:///{tmp_path / 'tracker.db'}",
                    dict(staff_template.handoffs), dict(staff_template.conversations),
                    dict(staff_template.names))
    yield seeded
    transcripts.dispose()
    dispose_engines(seeded.database_url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_app(staff_env, clock, tmp_path) -> Callable[..., Any]:
    """``make_app(**config)``: the console on the seeded database, CSRF on by default."""
    from bot.staff import create_app

    def make(**config: Any):
        settings = {
            "DATABASE_URL": staff_env.database_url,
            "TRACKER_STORE_URL": staff_env.tracker_url,
            "SECRET_KEY": "test-secret-" + "x" * 40,
            "STAFF_CLOCK": clock,
            "TESTING": True,
        }
        settings.update(config)
        return create_app(settings)

    return make


@pytest.fixture
def staff_app(make_app):
    return make_app()


@pytest.fixture
def client(staff_app):
    return staff_app.test_client()


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token from a page's form (the token lives in the session cookie)."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, *, follow: bool = False):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, follow_redirects=follow)


def post_form(client, path: str, data: Dict[str, str], *, page: str = "/queue",
              follow: bool = False):
    """POST a form with a valid CSRF token taken from ``page``."""
    token = csrf_token(client, page)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=follow)


def audit_rows(database_url: str, **filters: Any) -> List[Any]:
    from bot.store import list_audit, session_scope

    with session_scope(database_url) as db:
        return list(reversed(list_audit(db, limit=None, **filters)))


# -- browser-test fixtures (real server, real browser) --------------------------------
def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    seeded: Seeded
    process: subprocess.Popen
    log_path: Path


@contextlib.contextmanager
def running_console(workdir: Path, database_url: str, tracker_url: str,
                    extra_env: Optional[Dict[str, str]] = None) -> Iterator[Server]:
    """Seed the databases, then run ``python -m bot.staff serve`` on a free loopback port."""
    import requests

    seeded = seed_everything(database_url, tracker_url)
    port = free_port()
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "TRACKER_STORE_URL": tracker_url,
        "STAFF_SECRET_KEY": "e2e-" + uuid.uuid4().hex * 2,
        "STAFF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "INFO",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    env.update(extra_env or {})
    log_path = workdir / f"staff-console-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.staff", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"staff console exited:\n{log_path.read_text()[-3000:]}")
            try:
                if requests.get(url + "/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"staff console not up:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Server(url, seeded, process, log_path)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright (no Playwright browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def console(request, tmp_path) -> Iterator[Server]:
    """The console served by waitress in a subprocess, on SQLite or on PostgreSQL."""
    if request.param == "sqlite":
        with running_console(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}",
                             f"sqlite:///{tmp_path / 'tracker.db'}") as server:
            yield server
        return
    if not postgres_available():
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    with pg_database("staff_app_") as app_url, pg_database("staff_tracker_") as tracker_url:
        with running_console(tmp_path, app_url, tracker_url) as server:
            yield server
