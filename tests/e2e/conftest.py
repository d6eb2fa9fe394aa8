"""Fixtures for end-to-end tests that run real processes against real databases.

Delivery (bot.handoff): an in-process reference receiver on a free loopback port,
migrated app databases (a SQLite file, or a fresh PostgreSQL database per test),
stored handoffs built from intake records, and ``python -m bot.handoff worker``
subprocesses that are always stopped (by their own pid) at the end of a test.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

from tests.unit.conftest import (
    emergency_record,
    emergency_triage,
    postgres_available,
    sciatica_record,
    sciatica_triage,
    temporary_pg_database,
)

ROOT = Path(__file__).resolve().parents[2]
DELIVERY_SECRET = "e2e-delivery-secret"


# -- delivery ---------------------------------------------------------------------------------
@pytest.fixture
def delivery_receiver():
    """The reference receiver, in-process on a free loopback port."""
    from bot.handoff.receiver import ReferenceReceiver

    server = ReferenceReceiver(port=0, secret=DELIVERY_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def delivery_sqlite_db(tmp_path) -> Iterator[str]:
    from bot.store.engine import dispose_engines
    from bot.store.migrate import init_db

    url = f"sqlite:///{tmp_path / 'app.db'}"
    init_db(url)
    yield url
    dispose_engines(url)


@pytest.fixture
def delivery_pg_db() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test only."""
    from bot.store.migrate import init_db

    if not postgres_available():
        pytest.skip("PostgreSQL not reachable")
    with temporary_pg_database("delivery_e2e_") as url:
        init_db(url)
        yield url


def store_handoffs(url: str, kinds: List[str]) -> List[str]:
    """Save one handoff per kind ("routine", "urgent_24h", "emergency_ed", ...) with its
    FHIR bundle, as the assistant does; returns the handoff ids in order."""
    import uuid

    from bot.handoff.fhir import attach_fhir
    from bot.handoff.payload import build_payload
    from bot.store import save_handoff, session_scope

    ids = []
    with session_scope(url) as session:
        for kind in kinds:
            if kind.startswith("emergency"):
                record, triage = emergency_record(), emergency_triage(kind)
            else:
                record, triage = sciatica_record(), dict(sciatica_triage(), urgency=kind)
            payload = attach_fhir(build_payload(
                record, triage, conversation_id=f"conv-{uuid.uuid4().hex[:8]}", channel="web",
                summary_text="Summary the patient confirmed.", transcript_url=None,
                provider=None if kind.startswith("emergency") else {"name": "Dr. Lee", "credentials": "MD"},
            ))
            handoff = save_handoff(
                session, record_dict=record.to_dict(), payload=payload,
                conversation_id=payload["conversation_id"], channel="web",
                urgency=triage["urgency"], specialist=triage["specialist"],
            )
            ids.append(handoff.handoff_id)
    return ids


def outbox_rows(url: str, ids: List[str]) -> Dict[str, Dict]:
    from bot.store import get_outbox, session_scope

    rows = {}
    with session_scope(url) as session:
        for handoff_id in ids:
            row = get_outbox(session, handoff_id)
            rows[handoff_id] = {"status": row.status, "attempts": row.attempts,
                                "claimed_by": row.claimed_by, "last_error": row.last_error,
                                "handoff_status": row.handoff.status}
    return rows


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class WorkerProcess:
    """One ``python -m bot.handoff worker`` subprocess with its log file."""

    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc = proc
        self.log = log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def wait_started(self, timeout: float = 20.0) -> None:
        def started() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.text()[-3000:]}")
            return "started" in self.text() or "delivery disabled" in self.text()
        wait_until(started, timeout, "the worker to start")

    def signal(self, signum: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signum)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)


@pytest.fixture
def delivery_worker(tmp_path):
    """``start(database_url, webhook_url, *args, **env)`` → a running WorkerProcess.

    Fast settings for tests (short timeout, backoff and poll interval) unless the
    test overrides them through ``env`` (``DELIVERY_TIMEOUT="2"`` ...)."""
    started: List[WorkerProcess] = []

    def start(database_url: str, webhook_url: Optional[str], *args: str, **env: str) -> WorkerProcess:
        environment = dict(os.environ)
        environment.update({
            "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "LOG_LEVEL": "INFO",
            "APPOINTMENT_WEBHOOK_SECRET": DELIVERY_SECRET,
            "DELIVERY_TIMEOUT": "2", "DELIVERY_POLL_INTERVAL": "0.05",
            "DELIVERY_BACKOFF_BASE": "0.05", "DELIVERY_BACKOFF_MAX": "0.3",
            "DELIVERY_EMERGENCY_BACKOFF_MAX": "0.1", "DELIVERY_STALE_AFTER": "5",
            "DELIVERY_SHUTDOWN_GRACE": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        })
        environment.pop("APPOINTMENT_WEBHOOK_URL", None)
        if webhook_url:
            environment["APPOINTMENT_WEBHOOK_URL"] = webhook_url
        environment.update(env)
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as handle:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot.handoff", "worker", *args], cwd=ROOT,
                env=environment, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            )
        worker = WorkerProcess(proc, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.proc.poll() is None:
            worker.proc.send_signal(signal.SIGKILL)
            worker.proc.wait(timeout=10)
