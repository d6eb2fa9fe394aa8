"""The delivery worker in-process: real app databases (SQLite file and PostgreSQL), the
reference receiver over loopback HTTP, short timeouts and backoffs. Also the operator
commands list / show / retry.
"""
from __future__ import annotations

import io
import json
import logging
import socket
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, Iterator, List

import pytest

from bot.handoff import cli
from bot.handoff.delivery import DeliverySettings
from bot.handoff.fhir import attach_fhir
from bot.handoff.receiver import ReferenceReceiver
from bot.handoff.signing import sign, verify
from bot.handoff.worker import DeliveryWorker
from bot.store import repository as repo
from bot.store.engine import session_scope

SECRET = "worker-test-secret"


def fast_settings(url, **changes) -> DeliverySettings:
    base = dict(url=url, secret=SECRET, timeout=2.0, concurrency=4, poll_interval=0.05,
                max_attempts=8, backoff_base=0.05, backoff_max=0.2, emergency_backoff_max=0.1,
                stale_after=5.0, shutdown_grace=3.0)
    base.update(changes)
    return DeliverySettings(**base)


def store(url, payloads) -> List[str]:
    ids = []
    with session_scope(url) as session:
        for payload in payloads:
            handoff = repo.save_handoff(
                session, record_dict={"patient_words": "x"}, payload=payload,
                conversation_id=payload["conversation_id"], channel=payload["channel"],
                urgency=payload["triage"]["urgency"], specialist=payload["triage"]["specialist"],
            )
            ids.append(handoff.handoff_id)
    return ids


def outbox_state(url, handoff_id) -> Dict:
    with session_scope(url) as session:
        row = repo.get_outbox(session, handoff_id)
        return {"status": row.status, "attempts": row.attempts, "last_error": row.last_error,
                "claimed_by": row.claimed_by, "handoff_status": row.handoff.status,
                "body": row.handoff.body}


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or predicate}")


@contextmanager
def running(worker: DeliveryWorker) -> Iterator[DeliveryWorker]:
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop(hard=True)
        thread.join(10)
        assert not thread.is_alive()


def all_delivered(url, ids) -> Callable[[], bool]:
    return lambda: all(outbox_state(url, i)["status"] == "delivered" for i in ids)


@pytest.fixture
def receiver():
    server = ReferenceReceiver(port=0, secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def payloads(make_payload) -> Callable[..., List[dict]]:
    def make(*kinds: str) -> List[dict]:
        return [attach_fhir(make_payload(kind)) for kind in kinds]
    return make


# -- delivery -----------------------------------------------------------------------------
def test_delivers_the_stored_bytes_signed_with_the_contract_headers(db_url, receiver, payloads):
    (handoff_id,) = store(db_url, payloads("routine"))
    worker = DeliveryWorker(fast_settings(receiver.url), database_url=db_url)
    assert worker.run(once=True) == 0
    (item,) = receiver.received
    state = outbox_state(db_url, handoff_id)
    assert item.body == state["body"]  # the exact stored canonical bytes
    headers = {k.lower(): v for k, v in item.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["idempotency-key"] == handoff_id
    assert headers["x-intake-signature"] == sign(state["body"], SECRET)
    assert verify(item.body, SECRET, headers["x-intake-signature"])
    assert (state["status"], state["handoff_status"], state["attempts"]) == ("delivered", "delivered", 1)
    assert worker.stats["delivered"] == 1


def test_three_500s_then_200_gives_exactly_one_accepted_handoff(db_url, receiver, payloads):
    (handoff_id,) = store(db_url, payloads("routine"))
    receiver.control(fail_next=3)
    with running(DeliveryWorker(fast_settings(receiver.url), database_url=db_url)):
        wait_until(all_delivered(db_url, [handoff_id]), what="delivery")
    assert receiver.handoff_ids == [handoff_id]
    assert receiver.requests == 4 and receiver.duplicates == 0
    assert receiver.statuses == {500: 3, 200: 1}
    state = outbox_state(db_url, handoff_id)
    assert state["attempts"] == 4 and state["last_error"] == "HTTP 500"


def test_receiver_down_for_a_while_then_back_gets_everything(db_url, payloads):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/handoffs"
    ids = store(db_url, payloads("routine", "urgent_24h", "routine"))
    with running(DeliveryWorker(fast_settings(url), database_url=db_url)) as worker:
        wait_until(lambda: all(outbox_state(db_url, i)["attempts"] >= 2 for i in ids),
                   what="failed attempts while the receiver is down")
        more = store(db_url, payloads("routine", "emergency_ed"))  # queued meanwhile
        assert outbox_state(db_url, ids[0])["last_error"] == "connection refused"
        server = ReferenceReceiver(port=port, secret=SECRET).start()
        try:
            wait_until(all_delivered(db_url, ids + more), what="delivery after the receiver is back")
            assert sorted(server.handoff_ids) == sorted(ids + more)
            assert server.duplicates == 0
        finally:
            server.stop()
    assert worker.stats["delivered"] == 5


def test_a_hanging_request_does_not_hold_up_the_others(db_url, receiver, payloads):
    ids = store(db_url, payloads(*["routine"] * 6))
    receiver.control(hang_next=1, hang_seconds=30)
    settings = fast_settings(receiver.url, timeout=3.0, concurrency=3, stale_after=10.0)
    with running(DeliveryWorker(settings, database_url=db_url)):
        wait_until(lambda: receiver.requests >= 1, what="the first request")
        started = time.monotonic()
        wait_until(lambda: len(receiver.received) == 5, timeout=5, what="the five others")
        took = time.monotonic() - started
        (hung,) = set(ids) - set(receiver.handoff_ids)
        state = outbox_state(db_url, hung)
        # its first attempt is still waiting for the 3 s timeout, the others are through
        assert (state["status"], state["attempts"]) == ("in_flight", 1)
        assert took < settings.timeout
        wait_until(all_delivered(db_url, ids), timeout=10, what="the hung handoff, retried")
    state = outbox_state(db_url, hung)
    assert state["attempts"] == 2 and state["last_error"] == "timeout after 3s"
    assert sorted(receiver.handoff_ids) == sorted(ids) and receiver.duplicates == 0


def test_emergencies_go_first(db_url, receiver, payloads):
    routine = store(db_url, payloads("routine", "urgent_24h", "routine"))
    emergencies = store(db_url, payloads("emergency_ed", "emergency_911"))
    DeliveryWorker(fast_settings(receiver.url, concurrency=1), database_url=db_url).run(once=True)
    assert set(receiver.handoff_ids[:2]) == set(emergencies)
    assert set(receiver.handoff_ids[2:]) == set(routine)


def test_an_emergency_arriving_while_running_goes_out_at_once(db_url, receiver, payloads):
    settings = fast_settings(receiver.url, poll_interval=0.2)
    with running(DeliveryWorker(settings, database_url=db_url)):
        time.sleep(0.3)
        (emergency,) = store(db_url, payloads("emergency_911"))
        saved = time.monotonic()
        wait_until(lambda: receiver.handoff_ids == [emergency], timeout=5, what="the emergency")
        assert time.monotonic() - saved < 2.0


def test_unset_url_posts_nothing_and_says_so_once(db_url, receiver, payloads, caplog):
    caplog.set_level(logging.INFO, logger="bot.handoff")
    ids = store(db_url, payloads("routine", "emergency_911"))
    disabled = DeliverySettings.from_env({"APPOINTMENT_WEBHOOK_SECRET": SECRET, "DELIVERY_POLL_INTERVAL": "0.05"})
    assert not disabled.enabled
    assert DeliveryWorker(disabled, database_url=db_url).run(once=True) == 0
    with running(DeliveryWorker(disabled, database_url=db_url)):
        time.sleep(0.4)  # many poll intervals: it idles without touching the outbox
    messages = [r.getMessage() for r in caplog.records if "delivery disabled" in r.getMessage()]
    assert len(messages) == 2 and all(r.levelno == logging.INFO for r in caplog.records
                                      if "delivery disabled" in r.getMessage())
    assert receiver.requests == 0
    for handoff_id in ids:
        state = outbox_state(db_url, handoff_id)
        assert (state["status"], state["attempts"], state["handoff_status"]) == ("pending", 0, "pending")
    with session_scope(db_url) as session:
        assert {h.handoff_id for h in repo.list_handoffs(session, status="pending")} == set(ids)


def test_keeps_failing_shows_failed_to_staff_and_keeps_retrying(db_url, receiver, payloads):
    (handoff_id,) = store(db_url, payloads("routine"))
    receiver.control(fail_next=1000, fail_status=503)
    with running(DeliveryWorker(fast_settings(receiver.url, max_attempts=3), database_url=db_url)):
        wait_until(lambda: outbox_state(db_url, handoff_id)["attempts"] >= 4, what="four attempts")
        state = outbox_state(db_url, handoff_id)
        assert state["handoff_status"] == "failed" and state["last_error"] == "HTTP 503"
        with session_scope(db_url) as session:
            assert [h.handoff_id for h in repo.list_handoffs(session, status="failed")] == [handoff_id]
        receiver.control(fail_next=0)
        wait_until(all_delivered(db_url, [handoff_id]), what="delivery once the receiver recovers")
    assert outbox_state(db_url, handoff_id)["handoff_status"] == "delivered"
    assert receiver.handoff_ids == [handoff_id]


def test_without_keep_retrying_the_row_stops_until_staff_retry(db_url, receiver, payloads, monkeypatch, capsys):
    (handoff_id,) = store(db_url, payloads("routine"))
    receiver.control(fail_next=1000)
    settings = fast_settings(receiver.url, max_attempts=2, keep_retrying=False)
    with running(DeliveryWorker(settings, database_url=db_url)):
        wait_until(lambda: outbox_state(db_url, handoff_id)["status"] == "failed", what="give up")
        seen = receiver.requests
        time.sleep(0.4)
        assert receiver.requests == seen == 2  # no more automatic attempts
    state = outbox_state(db_url, handoff_id)
    assert (state["handoff_status"], state["attempts"], state["claimed_by"]) == ("failed", 2, None)

    receiver.control(fail_next=0)
    monkeypatch.setenv("USER", "ops-alice")
    assert cli.main(["retry", handoff_id, "--database-url", db_url]) == 0
    assert "audited as ops-alice" in capsys.readouterr().out
    with session_scope(db_url) as session:
        (event,) = repo.list_audit(session, action="outbox.requeue")
        assert (event.actor, event.target_id, event.detail["from"]) == ("ops-alice", handoff_id, "failed")
    DeliveryWorker(settings, database_url=db_url).run(once=True)
    assert outbox_state(db_url, handoff_id)["status"] == "delivered"
    assert receiver.handoff_ids == [handoff_id]


def test_two_workers_on_one_database_send_each_handoff_once(db_url, receiver, payloads):
    ids = store(db_url, payloads(*(["routine"] * 18 + ["emergency_ed"] * 2)))
    first = DeliveryWorker(fast_settings(receiver.url, concurrency=3), database_url=db_url, worker_id="w1")
    second = DeliveryWorker(fast_settings(receiver.url, concurrency=3), database_url=db_url, worker_id="w2")
    with running(first), running(second):
        wait_until(all_delivered(db_url, ids), timeout=20, what="every handoff")
    assert sorted(receiver.handoff_ids) == sorted(ids)
    assert receiver.requests == len(ids) and receiver.duplicates == 0
    assert first.stats["delivered"] + second.stats["delivered"] == len(ids)


def test_a_dead_workers_claim_goes_stale_and_is_taken_over(db_url, receiver, payloads):
    (handoff_id,) = store(db_url, payloads("routine"))
    with session_scope(db_url) as session:  # a worker claimed it and died
        (row,) = repo.claim_outbox(session, "dead-worker")
    worker = DeliveryWorker(fast_settings(receiver.url, stale_after=2.5), database_url=db_url)
    worker.run(once=True)
    assert outbox_state(db_url, handoff_id)["status"] == "in_flight"  # not stale yet
    with session_scope(db_url) as session:  # ... a while ago
        row = repo.get_outbox(session, handoff_id)
        row.claimed_at = datetime.now(timezone.utc) - timedelta(seconds=3)
    worker.run(once=True)
    state = outbox_state(db_url, handoff_id)
    assert (state["status"], state["attempts"]) == ("delivered", 2)
    assert receiver.handoff_ids == [handoff_id]


def test_stopping_releases_a_send_that_does_not_finish(db_url, receiver, payloads):
    (handoff_id,) = store(db_url, payloads("routine"))
    receiver.control(hang_next=1, hang_seconds=30)
    settings = fast_settings(receiver.url, timeout=20.0, stale_after=60.0, shutdown_grace=0.3)
    worker = DeliveryWorker(settings, database_url=db_url)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    wait_until(lambda: receiver.requests == 1, what="the hanging request")
    worker.stop()  # what SIGTERM does
    thread.join(5)
    assert not thread.is_alive()
    state = outbox_state(db_url, handoff_id)
    assert (state["status"], state["claimed_by"]) == ("pending", None)
    assert state["last_error"].startswith("released")
    assert worker.stats["released"] == 1
    DeliveryWorker(fast_settings(receiver.url), database_url=db_url).run(once=True)
    assert outbox_state(db_url, handoff_id)["status"] == "delivered"


def test_logs_carry_ids_and_codes_but_no_patient_data(db_url, receiver, payloads, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.handoff")
    batch = payloads("routine", "emergency_ed")
    ids = store(db_url, batch)
    receiver.control(fail_next=2)
    with running(DeliveryWorker(fast_settings(receiver.url), database_url=db_url)):
        wait_until(all_delivered(db_url, ids), what="delivery")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert all(handoff_id in text for handoff_id in ids)
    assert "HTTP 500" in text and "attempt" in text
    for payload in batch:
        patient = payload["patient"]
        secrets = [patient["name"], patient["phone"], payload["complaint"]["patient_words"],
                   payload["summary_text"], SECRET, receiver.url]
        secrets += [flag["patient_words"] for flag in payload["red_flags"]]
        secrets += [patient["email"]] if patient["email"] else []
        for value in filter(None, secrets):
            assert value not in text


# -- operator commands: list, show -------------------------------------------------------------
def test_list_and_show(db_url, receiver, payloads, capsys):
    delivered, failing = store(db_url, payloads("routine", "emergency_911"))
    with session_scope(db_url) as session:
        repo.record_delivery(session, repo.get_outbox(session, delivered).id)
        (row,) = repo.claim_outbox(session, "w")
        repo.record_failure(session, row.id, error="HTTP 502", retry_at=None)

    assert cli.main(["list", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "outbox: delivered 1, failed 1" in out
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["HANDOFF_ID", "CREATED_AT", "URGENCY"]
    assert lines[2].startswith(failing) and "HTTP 502" in lines[2]  # emergencies first
    assert cli.main(["list", "--status", "failed", "--database-url", db_url, "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [h["handoff_id"] for h in listing["handoffs"]] == [failing]
    assert listing["handoffs"][0]["attempts"] == 1
    assert cli.main(["list", "--status", "delivered", "--database-url", db_url]) == 0
    assert failing not in capsys.readouterr().out

    assert cli.main(["show", failing, "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "outbox status    failed" in out and "last error       HTTP 502" in out
    assert "attempts         1" in out and "priority         0 (emergency)" in out
    assert "Bob Stone" not in out and "payload" not in out  # no patient data by default
    assert cli.main(["show", failing, "--payload", "--database-url", db_url]) == 0
    assert "Bob Stone" in capsys.readouterr().out

    assert cli.main(["show", "00000000-0000-4000-8000-000000000000", "--database-url", db_url]) == 1
    assert cli.main(["retry", delivered, "--database-url", db_url, "--actor", "x"]) == 1
    assert "already delivered" in capsys.readouterr().err


def test_show_raw_prints_the_exact_stored_bytes(db_url, payloads, monkeypatch):
    (handoff_id,) = store(db_url, payloads("routine"))
    buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buffer))
    assert cli.main(["show", handoff_id, "--raw", "--database-url", db_url]) == 0
    sys.stdout.flush()
    assert buffer.getvalue() == outbox_state(db_url, handoff_id)["body"]
