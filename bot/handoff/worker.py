"""The outbox delivery worker: ``python -m bot.handoff worker``.

A dispatcher loop claims due outbox rows (``bot.store.claim_outbox``: emergencies
first; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, compare-and-set everywhere),
commits the claim, and hands each row to a small pool of sender threads. Each
sender posts one handoff (``bot.handoff.delivery.post_handoff``, with its own
timeout) and records the outcome in its own transaction:

- 2xx: ``record_delivery``;
- anything else: ``record_failure`` with the next attempt after an exponential
  backoff with full jitter (state is in the database, so it survives restarts).
  From ``max_attempts`` failed attempts on, the handoff shows ``failed`` to staff;
  it keeps being retried at the capped backoff (or, with ``keep_retrying`` off,
  waits for ``python -m bot.handoff retry``). Nothing is ever deleted.

The dispatcher only claims as many rows as it has free senders, so a receiver
that hangs on one handoff ties up one sender for at most the timeout and the
others go on. A worker that dies mid-send leaves its rows ``in_flight``; after
``stale_after`` any worker takes them over (the receiver de-duplicates by
``Idempotency-Key``).

Stopping (SIGTERM/SIGINT, or ``stop()``): no new claims; in-flight sends get up
to ``grace`` seconds to finish and be recorded; whatever is still in flight then
is released (made due again at once). A second signal releases at once.

Logs carry handoff ids, status codes, attempt counts and timings only.
"""
from __future__ import annotations

import logging
import os
import queue
import secrets
import signal
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy.exc import SQLAlchemyError

from bot.handoff.delivery import DeliveryResult, DeliverySettings, post_handoff, retry_delay
from bot.store.engine import session_scope
from bot.store.repository import claim_outbox, get_outbox, record_delivery, record_failure
from bot.store.types import utcnow

log = logging.getLogger("bot.handoff.worker")

RECORD_TRIES = 5  # tries to write one outcome when the database is briefly unavailable


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:128]


@dataclass(frozen=True)
class Job:
    outbox_id: int
    handoff_id: str
    attempts: int  # including this one (claim_outbox counts the claim)
    priority: int
    body: bytes


class DeliveryWorker:
    """Claims due outbox rows and posts them; see the module docstring."""

    def __init__(
        self,
        settings: Optional[DeliverySettings] = None,
        *,
        database_url: Optional[str] = None,
        worker_id: Optional[str] = None,
    ) -> None:
        self.settings = settings if settings is not None else DeliverySettings.from_env()
        self.database_url = database_url
        self.worker_id = worker_id or default_worker_id()
        self.stats: Counter = Counter()
        self._stop = threading.Event()
        self._hard_stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._inflight: Dict[int, Job] = {}
        self._queue: "queue.Queue[Optional[Job]]" = queue.Queue()
        self._threads: List[threading.Thread] = []
        self._finished = False  # a finished run may be followed by another (tests, --once)
        self._signals = 0  # set by the signal handler only (see install_signal_handlers)

    # -- control ---------------------------------------------------------------------
    def stop(self, hard: bool = False) -> None:
        """Ask the loop to stop (safe from a signal handler or another thread)."""
        self._stop.set()
        if hard:
            self._hard_stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT: stop cleanly; a second one: release in-flight rows at once.
        Only from the main thread."""

        def handler(signum, frame):  # noqa: ARG001 - signal API
            # Only count here: taking a lock inside a signal handler (Event.set) can
            # deadlock the main thread. The loop notices within a fraction of a second.
            self._signals += 1

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _poll_signals(self) -> None:
        if self._signals and not self._stop.is_set():
            log.info("delivery worker %s stopping (signal): no new claims", self.worker_id)
            self.stop()
        if self._signals >= 2 and not self._hard_stop.is_set():
            log.info("delivery worker %s: second signal, releasing in-flight rows now",
                     self.worker_id)
            self.stop(hard=True)

    def _wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait up to ``timeout`` for ``event``, in short slices so signals are noticed."""
        deadline = time.monotonic() + timeout
        while True:
            self._poll_signals()
            if event.is_set():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if event.wait(min(remaining, 0.2)):
                return True

    def _count(self, key: str, amount: int = 1) -> None:
        with self._lock:
            self.stats[key] += amount

    def in_flight(self) -> int:
        with self._lock:
            return len(self._inflight)

    # -- the loop --------------------------------------------------------------------
    def run(self, once: bool = False) -> int:
        """Deliver until stopped. ``once``: deliver what is due when it starts (one
        attempt each, concurrently), then return. Returns 0."""
        settings = self.settings
        if self._finished:
            self._stop.clear()
            self._hard_stop.clear()
            self._finished = False
        if not settings.enabled:
            log.info("delivery disabled: APPOINTMENT_WEBHOOK_URL is not set; handoffs stay "
                     "pending in the database and the staff console")
            while not once and not self._wait(self._stop, 1.0):
                pass  # idle until stopped
            self._finished = True
            return 0
        settings.check()
        log.info(
            "delivery worker %s started: posting to %s, concurrency %d, timeout %gs, "
            "max attempts %d", self.worker_id, settings.target, settings.concurrency,
            settings.timeout, settings.max_attempts,
        )
        self._start_senders()
        started = utcnow()
        db_trouble = 0
        try:
            while not self._stop.is_set():
                free = settings.concurrency - self.in_flight()
                claimed = 0
                if free > 0:
                    try:
                        jobs = self._claim(free, now=started if once else None)
                    except SQLAlchemyError as exc:
                        db_trouble += 1
                        wait = min(settings.poll_interval * 2 ** min(db_trouble, 6), 30.0)
                        log.warning("cannot read the outbox (%s); trying again in %.1fs",
                                    type(exc).__name__, wait)
                        self._wait(self._stop, wait)
                        continue
                    db_trouble = 0
                    for job in jobs:
                        self._dispatch(job)
                    claimed = len(jobs)
                if once:
                    if claimed == 0 and self.in_flight() == 0:
                        break
                    self._wait_for_sender(settings.poll_interval)
                elif free > 0 and claimed < free:
                    self._wait(self._stop, settings.poll_interval)  # nothing more is due now
                else:
                    self._wait_for_sender(settings.poll_interval)  # every sender is busy
        finally:
            self._shutdown()
        return 0

    def _claim(self, limit: int, now: Optional[datetime] = None) -> List[Job]:
        stale_after = timedelta(seconds=self.settings.stale_after)
        with session_scope(self.database_url) as session:
            rows = claim_outbox(session, self.worker_id, limit=limit, now=now,
                                stale_after=stale_after)
            jobs = [
                Job(row.id, row.handoff_id, row.attempts, row.priority, row.handoff.body)
                for row in rows
            ]
        return jobs

    def _dispatch(self, job: Job) -> None:
        with self._lock:
            self._inflight[job.outbox_id] = job
        self._queue.put(job)

    def _wait_for_sender(self, timeout: float) -> None:
        self._wait(self._wake, timeout)
        self._wake.clear()

    # -- senders ---------------------------------------------------------------------
    def _start_senders(self) -> None:
        self._threads = []
        for number in range(self.settings.concurrency):
            thread = threading.Thread(
                target=self._sender, name=f"handoff-sender-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _sender(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._deliver(job)
            except Exception as exc:  # noqa: BLE001 - keep the sender alive; no data in logs
                log.error("handoff %s: unexpected %s while delivering", job.handoff_id,
                          type(exc).__name__)
            finally:
                with self._lock:
                    self._inflight.pop(job.outbox_id, None)
                self._wake.set()

    def _deliver(self, job: Job) -> None:
        settings = self.settings
        assert settings.url and settings.secret
        result = post_handoff(
            settings.url, job.body, secret=settings.secret, handoff_id=job.handoff_id,
            timeout=settings.timeout,
        )
        self._record(job, result)

    def _record(self, job: Job, result: DeliveryResult) -> None:
        settings = self.settings
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                if result.ok:
                    self._record_success(job, result)
                else:
                    self._record_failure(job, result)
                return
            except SQLAlchemyError as exc:
                if attempt == RECORD_TRIES:
                    # The row stays in_flight and is taken over after stale_after; the
                    # receiver de-duplicates a second send by Idempotency-Key.
                    log.error("handoff %s: cannot record the outcome (%s, %s); it will be "
                              "retried after %gs", job.handoff_id, result.describe(),
                              type(exc).__name__, settings.stale_after)
                    self._count("unrecorded", 1)
                    return
                time.sleep(min(0.2 * 2 ** attempt, 3.0))

    def _record_success(self, job: Job, result: DeliveryResult) -> None:
        with session_scope(self.database_url) as session:
            record_delivery(session, job.outbox_id)
        self._count("delivered", 1)
        log.info("handoff %s delivered: HTTP %s, attempt %d, %.0f ms", job.handoff_id,
                 result.status_code, job.attempts, result.elapsed * 1000)

    def _record_failure(self, job: Job, result: DeliveryResult) -> None:
        settings = self.settings
        give_up = job.attempts >= settings.max_attempts and not settings.keep_retrying
        delay = None if give_up else retry_delay(job.attempts, job.priority, settings)
        with session_scope(self.database_url) as session:
            row = get_outbox(session, job.handoff_id)
            if row is None or row.status != "in_flight" or row.claimed_by != self.worker_id:
                # Requeued by staff or taken over by another worker meanwhile: their
                # bookkeeping wins (a delivered row stays delivered in any case).
                self._count("superseded", 1)
                log.info("handoff %s: attempt %d failed (%s) but the row was taken over; "
                         "leaving it", job.handoff_id, job.attempts, result.describe())
                return
            retry_at = None if delay is None else utcnow() + timedelta(seconds=delay)
            record_failure(session, job.outbox_id, error=result.error or "failed",
                           retry_at=retry_at, failing_after=settings.max_attempts)
        self._count("failed_attempts", 1)
        if give_up:
            log.error("handoff %s failed %d attempts (last: %s): marked failed; automatic "
                      "retries stopped, `python -m bot.handoff retry %s` requeues it",
                      job.handoff_id, job.attempts, result.describe(), job.handoff_id)
        elif job.attempts >= settings.max_attempts:
            log.error("handoff %s failed %d attempts (last: %s): shown as failed to staff; "
                      "next attempt in %.1fs", job.handoff_id, job.attempts, result.describe(),
                      delay)
        else:
            log.warning("handoff %s not delivered (attempt %d: %s); next attempt in %.1fs",
                        job.handoff_id, job.attempts, result.describe(), delay)

    # -- stopping --------------------------------------------------------------------
    def _shutdown(self) -> None:
        self._stop.set()
        deadline = time.monotonic() + self.settings.grace
        while self.in_flight() and time.monotonic() < deadline:
            self._wait_for_sender(0.1)
            if self._hard_stop.is_set():
                break
        with self._lock:
            leftover = list(self._inflight.values())
        released = self._release(leftover) if leftover else 0
        for _ in self._threads:
            self._queue.put(None)
        log.info("delivery worker %s stopped: %d delivered, %d failed attempts, %d released",
                 self.worker_id, self.stats["delivered"], self.stats["failed_attempts"], released)
        self._finished = True

    def _release(self, jobs: List[Job]) -> int:
        """Make rows this worker still holds due again at once (they were not answered)."""
        released = 0
        for job in jobs:
            try:
                with session_scope(self.database_url) as session:
                    row = get_outbox(session, job.handoff_id)
                    if row is None or row.status != "in_flight" or row.claimed_by != self.worker_id:
                        continue
                    record_failure(session, job.outbox_id,
                                   error="released: the worker stopped during the attempt",
                                   retry_at=utcnow(), failing_after=self.settings.max_attempts)
                released += 1
                log.info("handoff %s released (attempt %d was still in flight)",
                         job.handoff_id, job.attempts)
            except SQLAlchemyError as exc:
                log.error("handoff %s: cannot release (%s); it will be retried after %gs",
                          job.handoff_id, type(exc).__name__, self.settings.stale_after)
        self._count("released", released)
        return released


def run_worker(settings: Optional[DeliverySettings] = None, *, database_url: Optional[str] = None,
               once: bool = False, install_signals: bool = True) -> int:
    """Build a worker, install the signal handlers (main thread only) and run it."""
    worker = DeliveryWorker(settings, database_url=database_url)
    if install_signals and threading.current_thread() is threading.main_thread():
        worker.install_signal_handlers()
    return worker.run(once=once)
