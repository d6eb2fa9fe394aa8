"""Handoff delivery with real processes: worker subprocesses (killed, stopped, several at
once), the receiver program, and the verify command, against real databases."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from bot.handoff.delivery import post_handoff
from bot.handoff.signing import sign
from tests.e2e.conftest import DELIVERY_SECRET, ROOT, outbox_rows, store_handoffs, wait_until

pytestmark = pytest.mark.e2e


def all_delivered(url, ids):
    return lambda: all(row["status"] == "delivered" for row in outbox_rows(url, ids).values())


def test_a_worker_killed_mid_send_loses_nothing(delivery_sqlite_db, delivery_receiver, delivery_worker):
    db = delivery_sqlite_db
    (handoff_id,) = store_handoffs(db, ["routine"])
    delivery_receiver.control(hang_next=1, hang_seconds=60)
    env = {"DELIVERY_TIMEOUT": "2", "DELIVERY_STALE_AFTER": "3"}
    first = delivery_worker(db, delivery_receiver.url, **env)
    wait_until(lambda: delivery_receiver.requests == 1, 20, "the send the receiver holds")
    first.signal(signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    row = outbox_rows(db, [handoff_id])[handoff_id]
    assert (row["status"], row["attempts"]) == ("in_flight", 1)  # the dead worker's claim

    second = delivery_worker(db, delivery_receiver.url, **env)
    second.wait_started()
    wait_until(all_delivered(db, [handoff_id]), 20, "delivery by the restarted worker")
    row = outbox_rows(db, [handoff_id])[handoff_id]
    assert (row["attempts"], row["handoff_status"]) == (2, "delivered")
    assert delivery_receiver.handoff_ids == [handoff_id] and delivery_receiver.duplicates == 0
    second.signal(signal.SIGTERM)
    assert second.wait(10) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("workers", [1, 2])
def test_worker_processes_on_postgres_deliver_each_handoff_once(
    delivery_pg_db, delivery_receiver, delivery_worker, workers
):
    db = delivery_pg_db
    procs = [delivery_worker(db, delivery_receiver.url, "--concurrency", "4") for _ in range(workers)]
    for proc in procs:
        proc.wait_started()
    kinds = ["routine"] * 90 + ["urgent_24h"] * 5 + ["emergency_ed"] * 5
    started = time.monotonic()
    ids = store_handoffs(db, kinds)
    stored = time.monotonic()
    wait_until(lambda: len(delivery_receiver.received) >= len(ids), 120, "100 handoffs")
    elapsed = time.monotonic() - stored
    wait_until(all_delivered(db, ids), 20, "every row marked delivered")
    assert sorted(delivery_receiver.handoff_ids) == sorted(ids)
    assert delivery_receiver.requests == len(ids) and delivery_receiver.duplicates == 0
    for proc in procs:
        proc.signal(signal.SIGTERM)
    for proc in procs:
        assert proc.wait(15) == 0
    per_worker = [proc.text().count(" delivered: HTTP 200") for proc in procs]
    assert sum(per_worker) == len(ids)
    print(f"\n{len(ids)} handoffs, {workers} worker(s) x 4 senders on PostgreSQL: "
          f"{elapsed:.2f}s after commit ({len(ids) / elapsed:.0f}/s; storing took "
          f"{stored - started:.2f}s); per worker {per_worker}")


@pytest.mark.parametrize("grace, signals", [("0.5", [signal.SIGTERM]),
                                            ("60", [signal.SIGINT, signal.SIGTERM])],
                         ids=["sigterm-after-grace", "second-signal-at-once"])
def test_stopping_releases_an_unanswered_send_and_exits_cleanly(
    delivery_sqlite_db, delivery_receiver, delivery_worker, grace, signals
):
    db = delivery_sqlite_db
    (handoff_id,) = store_handoffs(db, ["emergency_911"])
    delivery_receiver.control(hang_next=1, hang_seconds=60)
    worker = delivery_worker(db, delivery_receiver.url, DELIVERY_TIMEOUT="30",
                             DELIVERY_STALE_AFTER="120", DELIVERY_SHUTDOWN_GRACE=grace)
    wait_until(lambda: delivery_receiver.requests == 1, 20, "the held send")
    stopped = time.monotonic()
    for signum in signals:
        worker.signal(signum)
        time.sleep(0.5)
    assert worker.wait(15) == 0
    assert time.monotonic() - stopped < 5
    row = outbox_rows(db, [handoff_id])[handoff_id]
    assert (row["status"], row["claimed_by"]) == ("pending", None)  # due again at once
    assert row["last_error"].startswith("released")
    assert "released" in worker.text() and "stopped" in worker.text()

    again = delivery_worker(db, delivery_receiver.url, "--once")
    assert again.wait(30) == 0
    assert outbox_rows(db, [handoff_id])[handoff_id]["status"] == "delivered"
    assert delivery_receiver.handoff_ids == [handoff_id]


def test_without_a_url_the_worker_posts_nothing_and_logs_once(
    delivery_sqlite_db, delivery_receiver, delivery_worker
):
    db = delivery_sqlite_db
    ids = store_handoffs(db, ["routine", "emergency_ed"])
    worker = delivery_worker(db, None)
    worker.wait_started()
    time.sleep(1.0)  # twenty poll intervals
    worker.signal(signal.SIGTERM)
    assert worker.wait(10) == 0
    assert worker.text().count("delivery disabled") == 1
    assert "INFO" in worker.text().split("delivery disabled")[0].splitlines()[-1]
    assert delivery_receiver.requests == 0
    assert {row["status"] for row in outbox_rows(db, ids).values()} == {"pending"}


def test_a_worker_without_a_secret_refuses_to_start(delivery_sqlite_db, delivery_receiver, delivery_worker):
    worker = delivery_worker(delivery_sqlite_db, delivery_receiver.url, APPOINTMENT_WEBHOOK_SECRET="")
    assert worker.wait(20) == 2
    assert "APPOINTMENT_WEBHOOK_SECRET is empty" in worker.text()


def run_cli(*args, stdin=b""):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bot.handoff", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, timeout=60)


def test_verify_command_accepts_the_real_body_and_refuses_a_tampered_one(
    delivery_sqlite_db, delivery_receiver, delivery_worker, tmp_path
):
    db = delivery_sqlite_db
    (handoff_id,) = store_handoffs(db, ["routine"])
    assert delivery_worker(db, delivery_receiver.url, "--once").wait(30) == 0
    (item,) = delivery_receiver.received
    signature = item.headers["X-Intake-Signature"]

    shown = run_cli("show", handoff_id, "--raw", "--database-url", db)
    assert shown.returncode == 0 and shown.stdout == item.body  # stored bytes == sent bytes
    valid = run_cli("verify", "--secret", DELIVERY_SECRET, "--signature", signature, stdin=item.body)
    assert valid.returncode == 0, valid.stderr
    tampered = item.body.replace(b'"routine"', b'"urgent_24h"', 1)
    path = tmp_path / "tampered.json"
    path.write_bytes(tampered)
    refused = run_cli("verify", "--secret", DELIVERY_SECRET, "--file", str(path), "--signature", signature)
    assert refused.returncode == 1
    # and the receiver refuses the tampered body with the original signature
    response = requests.post(delivery_receiver.url, data=tampered, timeout=5, headers={
        "Content-Type": "application/json", "X-Intake-Signature": signature,
        "Idempotency-Key": handoff_id})
    assert response.status_code == 401


def test_receiver_program_flags_control_and_store(tmp_path, delivery_sqlite_db):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = tmp_path / "received.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    log = (tmp_path / "receiver.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.handoff.receiver", "--port", str(port), "--secret",
         DELIVERY_SECRET, "--store", str(store), "--fail-next", "1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        def up():
            try:
                return requests.get(base + "/_health", timeout=1).ok
            except requests.RequestException:
                assert proc.poll() is None, (tmp_path / "receiver.log").read_text()
                return False
        wait_until(up, 20, "the receiver")
        (handoff_id,) = store_handoffs(delivery_sqlite_db, ["routine"])
        from bot.store import get_handoff, session_scope
        with session_scope(delivery_sqlite_db) as session:
            body = get_handoff(session, handoff_id).body
        url = base + "/handoffs"
        first = post_handoff(url, body, secret=DELIVERY_SECRET, handoff_id=handoff_id, timeout=5)
        assert (first.ok, first.status_code) == (False, 500)  # --fail-next 1
        assert post_handoff(url, body, secret=DELIVERY_SECRET, handoff_id=handoff_id, timeout=5).ok
        assert post_handoff(url, body, secret="nope", handoff_id=handoff_id, timeout=5).status_code == 401
        requests.post(base + "/_control", json={"hang_next": 1, "hang_seconds": 5}, timeout=5)
        hung = post_handoff(url, body, secret=DELIVERY_SECRET, handoff_id=handoff_id, timeout=0.5)
        assert hung.error == "timeout after 0.5s"
        listing = requests.get(base + "/_received", timeout=5).json()
        assert listing["count"] == 1 and listing["handoff_ids"] == [handoff_id]
        assert listing["items"][0]["body"].encode("utf-8") == body
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        log.close()
    (line,) = store.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["body"].encode("utf-8") == body
    assert json.loads(line)["signature"] == sign(body, DELIVERY_SECRET)
