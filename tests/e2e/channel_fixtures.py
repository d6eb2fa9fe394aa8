"""Shared set-up of the channel tests (test_sms.py, test_web_chat.py).

One stack per test run: the real action server and rasa server (tests/servers.Stack)
with a credentials file that has every patient channel, plus the fake Twilio REST API
that slow SMS replies go to, plus the patient page server (bot/web) when a browser
test asks for it.
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.channels.sms import SmsInput
from tests.servers import ROOT, Stack, free_port, wait_for

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
CLINIC_NUMBER = "+12015550100"


class AsyncSmsInput(SmsInput):
    """The SMS connector with no time to wait: every reply takes the REST path.
    Registered beside the real one, at /webhooks/sms_async/webhook (its name still
    contains "sms", so handoffs say channel "sms")."""

    @classmethod
    def name(cls) -> str:
        return "sms_async"


# -- a fake Twilio REST API on loopback -------------------------------------------------
class FakeTwilio:
    """Records Messages.json POSTs (form, basic auth) and answers like Twilio: 201 + sid."""

    def __init__(self) -> None:
        self.sent: List[Dict[str, str]] = []
        self.auth: List[Optional[str]] = []
        self.fail_next = 0  # answer that many requests with 500 first
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                fake.sent.append({"path": self.path, **form})
                fake.auth.append(self.headers.get("Authorization"))
                body = json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeTwilio":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def to(self, phone: str) -> List[str]:
        return [m["Body"] for m in self.sent if m.get("To") == phone]

    def wait_for(self, phone: str, count: int, timeout: float = 60) -> List[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.to(phone)) >= count:
                return self.to(phone)
            time.sleep(0.2)
        raise AssertionError(f"expected {count} texts to the phone, got {self.to(phone)}")


# -- configuration files for the stack -------------------------------------------------
def write_credentials(path: Path, twilio_api: str) -> Path:
    path.write_text(
        "rest:\n"
        "socketio:\n"
        "  user_message_evt: user_uttered\n"
        "  bot_message_evt: bot_uttered\n"
        "  session_persistence: true\n"
        "bot.channels.sms.SmsInput:\n"
        "  reply_timeout: 8\n"  # generous on a busy 2-core machine; the slow path has its own test
        "tests.e2e.channel_fixtures.AsyncSmsInput:\n"
        "  reply_timeout: 0\n"
        f"  account_sid: {ACCOUNT_SID}\n"
        f"  from_number: \"{CLINIC_NUMBER}\"\n"
        f"  api_base: {twilio_api}\n"
    )
    return path


def write_endpoints(path: Path, stack: Stack) -> Path:
    """Literal values for this stack (Rasa 3.6 expands only unquoted "${VAR}"), so the
    channel tests do not depend on the environment or on endpoints.yml's quoting."""
    path.write_text(
        "action_endpoint:\n"
        f"  url: http://127.0.0.1:{stack.action_port}/webhook\n"
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: sqlite\n"
        f"  db: {stack.env['TRACKER_DB']}\n"
    )
    return path


class ChannelStack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.twilio = FakeTwilio().start()
        self.stack = Stack(workdir, env_extra={"TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                                               "LOG_LEVEL": "INFO"})
        self.stack.credentials = write_credentials(workdir / "credentials.yml", self.twilio.url)
        self.stack.endpoints = write_endpoints(workdir / "endpoints.yml", self.stack)
        self.web_port: Optional[int] = None
        self.web_proc: Optional[subprocess.Popen] = None

    def start(self) -> "ChannelStack":
        self.stack.start()
        return self

    @property
    def database_url(self) -> str:
        return self.stack.database_url

    def start_web(self) -> str:
        """The patient page server (bot/web), proxying socket.io to this rasa server."""
        if self.web_proc is None:
            self.web_port = free_port()
            log = self.workdir / "web.log"
            self.web_proc = subprocess.Popen(
                [sys.executable, "-m", "bot.web", "--host", "127.0.0.1",
                 "--port", str(self.web_port), "--rasa-url", self.stack.url],
                cwd=ROOT, env=self.stack.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                start_new_session=True)
            self.stack.procs.append(self.web_proc)
            wait_for(f"http://127.0.0.1:{self.web_port}/healthz", self.web_proc, log, timeout=60)
        return f"http://127.0.0.1:{self.web_port}"

    def stop(self) -> None:
        self.stack.stop()
        self.twilio.stop()


_shared: Dict[str, ChannelStack] = {}


@pytest.fixture(scope="session")
def channel_stack(request, tmp_path_factory) -> ChannelStack:
    """One stack for every channel test module in the run (starting rasa takes a while)."""
    if "stack" not in _shared:
        running = ChannelStack(tmp_path_factory.mktemp("channels"))
        request.config.add_cleanup(running.stop)
        _shared["stack"] = running.start()
    return _shared["stack"]


# -- a phone that texts the connector with signed webhooks -------------------------------
def sign(url: str, params: Dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class Phone:
    """A patient's phone: every message is a real signed Twilio webhook."""

    def __init__(self, stack: ChannelStack, number: Optional[str] = None,
                 channel: str = "sms") -> None:
        self.stack = stack
        self.number = number or "+1201555" + f"{uuid.uuid4().int % 10000:04d}"
        self.url = f"{stack.stack.url}/webhooks/{channel}/webhook"
        self.received: List[str] = []
        self.transcript: List[tuple] = []

    def params(self, body: str, **extra: str) -> Dict[str, str]:
        params = {"ToCountry": "US", "SmsMessageSid": "SM" + uuid.uuid4().hex,
                  "NumMedia": "0", "From": self.number, "To": CLINIC_NUMBER, "Body": body,
                  "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                  "NumSegments": "1", "ApiVersion": "2010-04-01"}
        params.update(extra)
        return params

    def post(self, params: Dict[str, str], signature: Optional[str] = "auto",
             timeout: float = 60) -> requests.Response:
        headers = {}
        if signature == "auto":
            signature = sign(self.url, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return requests.post(self.url, data=params, headers=headers, timeout=timeout)

    def text(self, body: str, **extra: str) -> List[str]:
        resp = self.post(self.params(body, **extra))
        assert resp.status_code == 200, resp.text
        assert resp.headers["Content-Type"].startswith("text/xml")
        messages = twiml_messages(resp.text)
        self.received.extend(messages)
        self.transcript.append((body, messages))
        return messages


def twiml_messages(xml: str) -> List[str]:
    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    return [(m.text or "") for m in root.iter("Message")]


@contextlib.contextmanager
def app_session(url: str):
    from sqlalchemy.orm import Session

    from bot.store.engine import get_engine

    with Session(get_engine(url)) as session:
        yield session


def handoffs_for(url: str, conversation_id: str) -> List[dict]:
    from bot.store import list_handoffs

    with app_session(url) as session:
        return [json.loads(h.payload) for h in list_handoffs(session, limit=None)
                if h.conversation_id == conversation_id]
