"""A reference receiver for handoffs, for development and tests.

    python -m bot.handoff.receiver --port 8099 --secret S [--store received.jsonl]

What an appointment system must do with our POSTs, in a few lines of stdlib
(``http.server.ThreadingHTTPServer``):

- check ``X-Intake-Signature`` in constant time against the exact body bytes
  (401 when missing or wrong), before reading anything else;
- require ``Content-Type: application/json``, an ``Idempotency-Key`` equal to
  the body's ``handoff_id``, and (unless ``--no-validate``) a body that follows
  the contract (415 / 400 / 422 otherwise);
- treat repeats as one: a handoff seen before answers 200 and counts as a
  duplicate, not stored twice (``--store`` keeps the accepted bodies as JSON lines
  and reloads their keys at start, so this holds across restarts).

It can also misbehave on purpose, from the command line or at run time through
``POST /_control`` with a JSON object:

- ``{"fail_next": 3, "fail_status": 500}``: answer the next 3 handoffs with 500;
- ``{"hang_next": 1, "hang_seconds": 30}``: hold the next handoff 30 s without
  answering, then drop the connection (nothing stored);
- ``{"delay": 2}``: answer every handoff 2 s late (still stored);
- ``{"reset": true}``: forget everything received and every setting.

``GET /_received`` lists what was accepted (``count``, ``duplicates``,
``handoff_ids``, ``items`` with each exact body); ``GET /_health`` says ok.

This is a development tool: it listens on 127.0.0.1 unless told otherwise, and
its control and listing endpoints have no authentication.

In tests: ``ReferenceReceiver(port=0, secret="s").start()`` runs it in-process on a
free loopback port; ``.url``, ``.received``, ``.duplicates``, ``.control(...)``,
``.stop()``.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

from bot.handoff.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify

log = logging.getLogger("bot.handoff.receiver")

MAX_BODY_BYTES = 5 * 1024 * 1024
CONTROL_KEYS = ("fail_next", "fail_status", "hang_next", "hang_seconds", "delay", "reset")


@dataclass(frozen=True)
class Received:
    """One accepted handoff."""

    handoff_id: str
    body: bytes
    headers: Dict[str, str]
    received_at: str

    def json(self) -> Dict[str, Any]:
        return json.loads(self.body)


@dataclass
class _State:
    fail_next: int = 0
    fail_status: int = 500
    hang_next: int = 0
    hang_seconds: float = 30.0
    delay: float = 0.0
    received: List[Received] = field(default_factory=list)
    keys: Set[str] = field(default_factory=set)
    duplicates: int = 0
    requests: int = 0
    statuses: Dict[int, int] = field(default_factory=dict)
    failed: int = 0
    hung: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, receiver: "ReferenceReceiver") -> None:
        self.receiver = receiver
        self.connections: Set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):  # noqa: ANN001 - socketserver API
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # noqa: ANN001 - socketserver API
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):  # noqa: ANN001 - socketserver API
        # A client that timed out and left (or a stop() that dropped it): not worth a traceback.
        log.debug("connection from %s ended with an error", client_address[0])

    def close_connections(self) -> None:
        """Drop every open connection (keep-alive ones too): the receiver is really gone."""
        with self.connections_lock:
            connections = list(self.connections)
            self.connections.clear()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                connection.close()
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real server
    server_version = "ReferenceReceiver/1"
    timeout = 120  # idle keep-alive connections do not live forever

    @property
    def receiver(self) -> "ReferenceReceiver":
        return self.server.receiver  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)

    def _answer(self, status: int, document: Dict[str, Any], handoff: bool = False) -> None:
        data = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if handoff:  # only answers to handoff POSTs count, not control or listing calls
            self.receiver._count_status(status)
        self.wfile.write(data)

    def _read_body(self) -> Optional[bytes]:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._answer(411, {"error": "Content-Length required"})
            self.close_connection = True
            return None
        size = int(length)
        if size > MAX_BODY_BYTES:
            self._answer(413, {"error": "body too large"})
            self.close_connection = True
            return None
        return self.rfile.read(size)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?", 1)[0]
        if path == "/_health":
            self._answer(200, {"status": "ok"})
        elif path == "/_received":
            self._answer(200, self.receiver.summary(with_items=True))
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?", 1)[0]
        body = self._read_body()
        if body is None:
            return
        if path == "/_control":
            try:
                settings = json.loads(body or b"{}")
                if not isinstance(settings, dict):
                    raise ValueError("expected a JSON object")
                state = self.receiver.control(**settings)
            except (ValueError, TypeError) as exc:
                self._answer(400, {"error": str(exc)})
                return
            self._answer(200, state)
            return
        if path.startswith("/_"):
            self._answer(404, {"error": "not found"})
            return
        self._handoff(body)

    def _handoff(self, body: bytes) -> None:
        receiver = self.receiver
        mode, pause = receiver._next_mode()
        if mode == "hang":
            receiver._stopped.wait(pause)
            self.close_connection = True  # never answer: the client times out
            return
        if pause:
            receiver._stopped.wait(pause)
        if receiver._stopped.is_set():
            self.close_connection = True  # stopped meanwhile: gone without an answer
            return
        if mode == "fail":
            self._answer(receiver._state.fail_status, {"error": "failing on purpose"}, handoff=True)
            return
        status, document = receiver._accept(body, self.headers)
        self._answer(status, document, handoff=True)


class ReferenceReceiver:
    """The reference receiver, runnable in-process (tests) or as a program."""

    def __init__(
        self,
        port: int = 0,
        secret: str = "",
        *,
        host: str = "127.0.0.1",
        store: Optional[str] = None,
        validate: bool = True,
        fail_next: int = 0,
        fail_status: int = 500,
        hang_next: int = 0,
        hang_seconds: float = 30.0,
        delay: float = 0.0,
    ) -> None:
        if not secret:
            raise ValueError("the receiver needs the shared secret to check signatures")
        self.host = host
        self.port = port
        self.secret = secret
        self.store = Path(store) if store else None
        self.validate = validate
        self._lock = threading.Lock()
        self._state = _State()
        self._stopped = threading.Event()
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self.control(fail_next=fail_next, fail_status=fail_status, hang_next=hang_next,
                     hang_seconds=hang_seconds, delay=delay)
        if self.store and self.store.exists():
            self._load_store()

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> "ReferenceReceiver":
        self._stopped.clear()
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"receiver-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, drop open connections and end any hang at once."""
        self._stopped.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "ReferenceReceiver":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Where to post handoffs."""
        return f"http://{self.host}:{self.port}/handoffs"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- behaviour -------------------------------------------------------------------
    def control(self, **settings: Any) -> Dict[str, Any]:
        """Change misbehaviour at run time (the same keys as ``POST /_control``)."""
        unknown = sorted(set(settings) - set(CONTROL_KEYS))
        if unknown:
            raise ValueError(f"unknown control keys {unknown}; known: {list(CONTROL_KEYS)}")
        with self._lock:
            state = self._state
            if settings.get("reset"):
                self._state = state = _State()
            for key in ("fail_next", "hang_next"):
                if settings.get(key) is not None:
                    value = int(settings[key])
                    if value < 0:
                        raise ValueError(f"{key} must be 0 or more")
                    setattr(state, key, value)
            if settings.get("fail_status") is not None:
                value = int(settings["fail_status"])
                if not 100 <= value <= 599 or 200 <= value < 300:
                    raise ValueError("fail_status must be an HTTP status outside 2xx")
                state.fail_status = value
            for key in ("hang_seconds", "delay"):
                if settings.get(key) is not None:
                    value = float(settings[key])
                    if value < 0:
                        raise ValueError(f"{key} must be 0 or more")
                    setattr(state, key, value)
            return self._settings_locked()

    def _settings_locked(self) -> Dict[str, Any]:
        state = self._state
        return {"fail_next": state.fail_next, "fail_status": state.fail_status,
                "hang_next": state.hang_next, "hang_seconds": state.hang_seconds,
                "delay": state.delay}

    def _next_mode(self):
        """For one incoming handoff: ("hang", seconds), ("fail", delay) or ("ok", delay)."""
        with self._lock:
            state = self._state
            state.requests += 1
            if state.hang_next > 0:
                state.hang_next -= 1
                state.hung += 1
                return "hang", state.hang_seconds
            if state.fail_next > 0:
                state.fail_next -= 1
                state.failed += 1
                return "fail", state.delay
            return "ok", state.delay

    def _count_status(self, status: int) -> None:
        with self._lock:
            self._state.statuses[status] = self._state.statuses.get(status, 0) + 1

    def _accept(self, body: bytes, headers: Any):
        if not verify(body, self.secret, headers.get(SIGNATURE_HEADER)):
            return 401, {"error": "bad or missing signature"}
        content_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            return 415, {"error": "Content-Type must be application/json"}
        key = (headers.get(IDEMPOTENCY_HEADER) or "").strip()
        if not key:
            return 400, {"error": "Idempotency-Key required"}
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, {"error": "body is not UTF-8 JSON"}
        if not isinstance(document, dict) or document.get("handoff_id") != key:
            return 400, {"error": "Idempotency-Key does not match the body's handoff_id"}
        if self.validate:
            from bot.handoff.schema import contract_errors

            problems = contract_errors(document)
            if problems:
                return 422, {"error": "body does not follow the contract", "problems": problems[:20]}
        with self._lock:
            state = self._state
            if key in state.keys:
                state.duplicates += 1
                return 200, {"status": "duplicate", "handoff_id": key}
            item = Received(
                handoff_id=key, body=bytes(body),
                headers={name: value for name, value in headers.items()},
                received_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            )
            state.keys.add(key)
            state.received.append(item)
            if self.store:
                self._append_store(item)
        log.info("accepted handoff %s", key)
        return 200, {"status": "accepted", "handoff_id": key}

    # -- what was received ------------------------------------------------------------
    @property
    def received(self) -> List[Received]:
        with self._lock:
            return list(self._state.received)

    @property
    def handoff_ids(self) -> List[str]:
        return [item.handoff_id for item in self.received]

    @property
    def duplicates(self) -> int:
        with self._lock:
            return self._state.duplicates

    @property
    def requests(self) -> int:
        """Handoff POSTs seen (control and listing calls not counted)."""
        with self._lock:
            return self._state.requests

    @property
    def statuses(self) -> Dict[int, int]:
        with self._lock:
            return dict(self._state.statuses)

    def summary(self, with_items: bool = False) -> Dict[str, Any]:
        with self._lock:
            state = self._state
            document: Dict[str, Any] = {
                "count": len(state.received),
                "duplicates": state.duplicates,
                "requests": state.requests,
                "failed_on_purpose": state.failed,
                "hung_on_purpose": state.hung,
                "statuses": {str(k): v for k, v in sorted(state.statuses.items())},
                "handoff_ids": [item.handoff_id for item in state.received],
                "settings": self._settings_locked(),
            }
            if with_items:
                document["items"] = [
                    {"handoff_id": item.handoff_id, "received_at": item.received_at,
                     "body": item.body.decode("utf-8")}
                    for item in state.received
                ]
        return document

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` distinct handoffs were accepted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.02)
        return len(self.received) >= count

    # -- the store file ------------------------------------------------------------------
    def _append_store(self, item: Received) -> None:
        assert self.store is not None
        self.store.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"handoff_id": item.handoff_id, "received_at": item.received_at,
                           "signature": item.headers.get(SIGNATURE_HEADER),
                           "body": item.body.decode("utf-8")}, ensure_ascii=False)
        with self.store.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _load_store(self) -> None:
        assert self.store is not None
        with self.store.open(encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn last line after a crash
                key = entry.get("handoff_id")
                if key and key not in self._state.keys:
                    self._state.keys.add(key)
                    self._state.received.append(Received(
                        handoff_id=key, body=entry.get("body", "").encode("utf-8"),
                        headers={}, received_at=entry.get("received_at", ""),
                    ))


# -- command line ----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.handoff.receiver",
        description="Reference receiver for intake handoffs: checks signatures, de-duplicates "
                    "by Idempotency-Key, stores what it accepts, and can fail, hang or answer "
                    "slowly on purpose. Control at run time: POST /_control; list: GET /_received.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8099, help="port to listen on (default 8099; 0 picks a free one)")
    parser.add_argument("--secret", default=os.environ.get("APPOINTMENT_WEBHOOK_SECRET"),
                        help="the shared HMAC secret (default: $APPOINTMENT_WEBHOOK_SECRET)")
    parser.add_argument("--store", help="append accepted handoffs to this JSON-lines file "
                        "(and remember their keys across restarts)")
    parser.add_argument("--no-validate", action="store_true",
                        help="accept bodies that do not follow the contract schema")
    parser.add_argument("--fail-next", type=int, default=0, metavar="N",
                        help="answer the next N handoffs with --fail-status")
    parser.add_argument("--fail-status", type=int, default=500, help="status for failures (default 500)")
    parser.add_argument("--hang-next", type=int, default=0, metavar="N",
                        help="hold the next N handoffs without answering, then drop them")
    parser.add_argument("--hang-seconds", type=float, default=30.0,
                        help="how long a hang lasts (default 30)")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="answer every handoff this many seconds late (default 0)")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO",
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.secret:
        print("receiver: give --secret or set APPOINTMENT_WEBHOOK_SECRET", file=sys.stderr)
        return 2
    receiver = ReferenceReceiver(
        port=args.port, secret=args.secret, host=args.host, store=args.store,
        validate=not args.no_validate, fail_next=args.fail_next, fail_status=args.fail_status,
        hang_next=args.hang_next, hang_seconds=args.hang_seconds, delay=args.delay,
    )
    receiver.start()
    print(f"receiver listening on {receiver.url} (control: POST {receiver.base_url}/_control)",
          flush=True)
    done = threading.Event()

    def handler(signum, frame):  # noqa: ARG001 - signal API
        done.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    while not done.wait(0.5):
        pass
    receiver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
