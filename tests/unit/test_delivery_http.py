"""Signing, settings, the retry schedule, one signed POST, and the reference receiver.

Everything over real HTTP on loopback (the receiver runs in-process on a free port).
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import sys
import time

import pytest
import requests

from bot.handoff import cli
from bot.handoff.delivery import (
    DeliverySettings,
    SettingsError,
    backoff_delay,
    post_handoff,
    retry_delay,
)
from bot.handoff.fhir import attach_fhir
from bot.handoff.receiver import ReferenceReceiver
from bot.handoff.schema import canonical_body
from bot.handoff.signing import sign, signature_hex, verify

SECRET = "test-secret-ÿ"  # non-ASCII on purpose: the key is its UTF-8 bytes


@pytest.fixture
def receiver():
    server = ReferenceReceiver(port=0, secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def body(make_payload) -> bytes:
    return canonical_body(attach_fhir(make_payload("routine")))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def handoff_id_of(body: bytes) -> str:
    return json.loads(body)["handoff_id"]


def raw_post(url, data, headers):
    return requests.post(url, data=data, headers=headers, timeout=5)


# -- signing -------------------------------------------------------------------------------
def test_signature_is_hmac_sha256_of_the_exact_bytes(body):
    expected = hmac.new(SECRET.encode("utf-8"), body, hashlib.sha256).hexdigest()
    assert signature_hex(body, SECRET) == expected
    assert sign(body, SECRET) == "sha256=" + expected
    assert verify(body, SECRET, "sha256=" + expected)
    assert verify(body, SECRET.encode("utf-8"), "SHA256=" + expected.upper())  # case-insensitive hex


@pytest.mark.parametrize("signature", [None, "", "sha256=", "sha1=abc", "abc", "sha256=zz"])
def test_missing_or_malformed_signatures_are_invalid(body, signature):
    assert not verify(body, SECRET, signature)


def test_tampered_body_or_wrong_secret_fails(body):
    signature = sign(body, SECRET)
    assert not verify(body.replace(b'"routine"', b'"urgent_24h"', 1), SECRET, signature)
    assert not verify(body + b" ", SECRET, signature)
    assert not verify(body, "other", signature)
    assert not verify(body, "", signature)
    with pytest.raises(TypeError):
        sign(body.decode("utf-8"), SECRET)  # str is not "the exact bytes"


# -- settings -----------------------------------------------------------------------------
def test_settings_defaults_and_environment():
    settings = DeliverySettings.from_env({})
    assert not settings.enabled and settings.url is None
    assert (settings.timeout, settings.concurrency, settings.poll_interval) == (10.0, 4, 1.0)
    assert (settings.max_attempts, settings.keep_retrying, settings.stale_after) == (8, True, 300.0)
    assert (settings.backoff_base, settings.backoff_max, settings.emergency_backoff_max) == (2.0, 900.0, 30.0)
    assert settings.grace == 15.0
    settings.check()  # disabled is a valid configuration

    env = {
        "APPOINTMENT_WEBHOOK_URL": "https://appointments.example.org/hooks/intake?token=abc",
        "APPOINTMENT_WEBHOOK_SECRET": "s", "DELIVERY_TIMEOUT": "2.5", "DELIVERY_CONCURRENCY": "8",
        "DELIVERY_POLL_INTERVAL": "0.2", "DELIVERY_MAX_ATTEMPTS": "3",
        "DELIVERY_KEEP_RETRYING": "false", "DELIVERY_BACKOFF_BASE": "1",
        "DELIVERY_BACKOFF_MAX": "60", "DELIVERY_EMERGENCY_BACKOFF_MAX": "5",
        "DELIVERY_STALE_AFTER": "30", "DELIVERY_SHUTDOWN_GRACE": "4",
    }
    settings = DeliverySettings.from_env(env).check()
    assert settings.enabled and settings.timeout == 2.5 and settings.concurrency == 8
    assert settings.max_attempts == 3 and settings.keep_retrying is False and settings.grace == 4.0
    assert settings.target == "https://appointments.example.org"  # no path, no token in logs
    assert "secret" not in repr(settings)  # the secret never shows up in logs or tracebacks
    assert settings.with_overrides(concurrency=2, timeout=None).concurrency == 2


@pytest.mark.parametrize("env, message", [
    ({"APPOINTMENT_WEBHOOK_URL": "http://x.example"}, "SECRET is empty"),
    ({"APPOINTMENT_WEBHOOK_URL": "ftp://x.example", "APPOINTMENT_WEBHOOK_SECRET": "s"}, "http"),
    ({"DELIVERY_TIMEOUT": "20", "DELIVERY_STALE_AFTER": "10"}, "STALE_AFTER"),
    ({"DELIVERY_CONCURRENCY": "0"}, "at least 1"),
    ({"DELIVERY_TIMEOUT": "soon"}, "number"),
    ({"DELIVERY_KEEP_RETRYING": "maybe"}, "true or false"),
])
def test_bad_settings_are_refused(env, message):
    with pytest.raises(SettingsError, match=message):
        DeliverySettings.from_env(env).check()


# -- retry schedule ------------------------------------------------------------------------
def test_backoff_is_exponential_capped_and_fully_jittered():
    top = lambda low, high: high  # noqa: E731 - the ceiling of the jitter range
    assert [backoff_delay(n, base=2, cap=900, rng=top) for n in range(1, 7)] == [2, 4, 8, 16, 32, 64]
    assert backoff_delay(20, base=2, cap=900, rng=top) == 900
    assert backoff_delay(10_000, base=2, cap=900, rng=top) == 900  # no overflow
    assert backoff_delay(5, base=2, cap=900, rng=lambda low, high: low) == 0  # full jitter: from 0
    samples = [backoff_delay(6, base=2, cap=900) for _ in range(500)]
    assert all(0 <= s <= 64 for s in samples)
    assert max(samples) > 40 and min(samples) < 20  # spread over the whole range


def test_emergencies_back_off_less():
    settings = DeliverySettings(backoff_base=2, backoff_max=900, emergency_backoff_max=30)
    top = lambda low, high: high  # noqa: E731
    assert retry_delay(10, 10, settings, rng=top) == 900
    assert retry_delay(10, 0, settings, rng=top) == 30


# -- one POST against the reference receiver ------------------------------------------------------
def test_post_sends_exact_bytes_and_contract_headers(receiver, body):
    handoff_id = handoff_id_of(body)
    result = post_handoff(receiver.url, body, secret=SECRET, handoff_id=handoff_id, timeout=5)
    assert result.ok and result.status_code == 200 and result.error is None
    (item,) = receiver.received
    assert item.body == body
    headers = {k.lower(): v for k, v in item.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-intake-signature"] == sign(body, SECRET)
    assert headers["idempotency-key"] == handoff_id
    assert int(headers["content-length"]) == len(body)


def test_post_outcomes_are_safe_error_texts(receiver, body):
    handoff_id = handoff_id_of(body)
    receiver.control(fail_next=1, fail_status=503)
    result = post_handoff(receiver.url, body, secret=SECRET, handoff_id=handoff_id, timeout=5)
    assert (result.ok, result.status_code, result.error) == (False, 503, "HTTP 503")

    receiver.control(fail_next=1, fail_status=302)  # redirects are not followed
    result = post_handoff(receiver.url, body, secret=SECRET, handoff_id=handoff_id, timeout=5)
    assert (result.ok, result.error) == (False, "HTTP 302")

    receiver.control(hang_next=1, hang_seconds=10)
    started = time.monotonic()
    result = post_handoff(receiver.url, body, secret=SECRET, handoff_id=handoff_id, timeout=0.5)
    assert not result.ok and result.error == "timeout after 0.5s"
    assert time.monotonic() - started < 3

    port = closed_port()
    result = post_handoff(f"http://127.0.0.1:{port}/h", body, secret=SECRET,
                          handoff_id=handoff_id, timeout=2)
    assert (result.ok, result.status_code, result.error) == (False, None, "connection refused")

    result = post_handoff(receiver.url, body, secret="wrong", handoff_id=handoff_id, timeout=5)
    assert (result.ok, result.error) == (False, "HTTP 401")
    assert receiver.received == []


# -- the receiver -------------------------------------------------------------------------------
def test_receiver_checks_the_signature_and_the_request(receiver, body):
    handoff_id = handoff_id_of(body)
    good = {"Content-Type": "application/json", "X-Intake-Signature": sign(body, SECRET),
            "Idempotency-Key": handoff_id}
    tampered = body.replace(b"Summary", b"Summery", 1)
    assert tampered != body
    assert raw_post(receiver.url, tampered, good).status_code == 401
    assert raw_post(receiver.url, body, {**good, "X-Intake-Signature": ""}).status_code == 401
    no_signature = {k: v for k, v in good.items() if k != "X-Intake-Signature"}
    assert raw_post(receiver.url, body, no_signature).status_code == 401
    assert raw_post(receiver.url, body, {**good, "Content-Type": "text/plain"}).status_code == 415
    no_key = {k: v for k, v in good.items() if k != "Idempotency-Key"}
    assert raw_post(receiver.url, body, no_key).status_code == 400
    assert raw_post(receiver.url, body, {**good, "Idempotency-Key": "other"}).status_code == 400
    not_contract = json.dumps({"handoff_id": handoff_id}).encode()
    response = raw_post(receiver.url, not_contract,
                        {**good, "X-Intake-Signature": sign(not_contract, SECRET)})
    assert response.status_code == 422 and response.json()["problems"]
    assert receiver.received == []

    first = raw_post(receiver.url, body, good)
    again = raw_post(receiver.url, body, good)
    assert (first.status_code, first.json()["status"]) == (200, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert receiver.handoff_ids == [handoff_id] and receiver.duplicates == 1


def test_receiver_control_and_listing_endpoints(receiver, body):
    handoff_id = handoff_id_of(body)
    headers = {"Content-Type": "application/json", "X-Intake-Signature": sign(body, SECRET),
               "Idempotency-Key": handoff_id}
    state = requests.post(receiver.base_url + "/_control", json={"fail_next": 2}, timeout=5).json()
    assert state["fail_next"] == 2
    assert [raw_post(receiver.url, body, headers).status_code for _ in range(3)] == [500, 500, 200]
    assert requests.post(receiver.base_url + "/_control", json={"bogus": 1}, timeout=5).status_code == 400

    requests.post(receiver.base_url + "/_control", json={"delay": 0.3}, timeout=5)
    started = time.monotonic()
    assert raw_post(receiver.url, body, headers).json()["status"] == "duplicate"
    assert time.monotonic() - started >= 0.3

    listing = requests.get(receiver.base_url + "/_received", timeout=5).json()
    assert listing["count"] == 1 and listing["duplicates"] == 1 and listing["requests"] == 4
    assert listing["handoff_ids"] == [handoff_id]
    assert listing["items"][0]["body"].encode("utf-8") == body
    assert listing["statuses"] == {"200": 2, "500": 2}
    assert requests.get(receiver.base_url + "/_health", timeout=5).json() == {"status": "ok"}

    requests.post(receiver.base_url + "/_control", json={"reset": True}, timeout=5)
    assert receiver.received == [] and receiver.duplicates == 0


def test_receiver_store_survives_a_restart(tmp_path, body):
    store = tmp_path / "received.jsonl"
    handoff_id = handoff_id_of(body)
    with ReferenceReceiver(secret=SECRET, store=str(store)) as first:
        assert post_handoff(first.url, body, secret=SECRET, handoff_id=handoff_id).ok
    (line,) = store.read_text(encoding="utf-8").splitlines()
    saved = json.loads(line)
    assert saved["handoff_id"] == handoff_id and saved["body"].encode("utf-8") == body
    assert verify(saved["body"].encode("utf-8"), SECRET, saved["signature"])
    with ReferenceReceiver(secret=SECRET, store=str(store)) as second:
        assert post_handoff(second.url, body, secret=SECRET, handoff_id=handoff_id).ok
        assert second.duplicates == 1 and len(second.received) == 1
    assert len(store.read_text(encoding="utf-8").splitlines()) == 1


def test_a_stopped_receiver_refuses_connections_even_kept_alive_ones(body):
    server = ReferenceReceiver(secret=SECRET).start()
    handoff_id = handoff_id_of(body)
    session = requests.Session()
    assert post_handoff(server.url, body, secret=SECRET, handoff_id=handoff_id, session=session).ok
    server.stop()
    result = post_handoff(server.url, body, secret=SECRET, handoff_id=handoff_id, timeout=2,
                          session=session)
    assert not result.ok and result.status_code is None


# -- the verify command ------------------------------------------------------------------------
def run_cli(monkeypatch, capsys, argv, stdin: bytes = b""):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = cli.main(argv)
    return code, capsys.readouterr()


def test_cli_verify_and_sign(monkeypatch, capsys, tmp_path, body):
    signature = sign(body, SECRET)
    code, out = run_cli(monkeypatch, capsys, ["verify", "--secret", SECRET, "--signature", signature], body)
    assert code == 0 and "valid" in out.out
    tampered = body.replace(b'"web"', b'"sms"', 1)
    code, out = run_cli(monkeypatch, capsys, ["verify", "--secret", SECRET, "--signature", signature], tampered)
    assert code == 1 and "INVALID" in out.err
    path = tmp_path / "body.json"
    path.write_bytes(body)
    code, _ = run_cli(monkeypatch, capsys, ["verify", "--secret", SECRET, "--file", str(path), "--signature", signature])
    assert code == 0
    code, out = run_cli(monkeypatch, capsys, ["sign", "--secret", SECRET, "--file", str(path)])
    assert code == 0 and out.out.strip() == signature
    monkeypatch.delenv("APPOINTMENT_WEBHOOK_SECRET", raising=False)
    code, _ = run_cli(monkeypatch, capsys, ["verify", "--signature", signature], body)
    assert code == 2
