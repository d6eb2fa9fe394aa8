"""Start the real servers (action server, rasa server) for conversation and e2e tests."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def latest_model() -> Path:
    named = os.environ.get("MODEL_FILE")
    if named and Path(named).exists():
        return Path(named)
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model: run `make model` first")
    return models[-1]


def wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server at {url} not up after {timeout}s:\n{log.read_text()[-3000:]}")


class Stack:
    """An action server and a rasa server sharing one app database and tracker store."""

    def __init__(self, workdir: Path, env_extra: Optional[Dict[str, str]] = None,
                 credentials: Optional[Path] = None, endpoints: Optional[Path] = None,
                 database_url: Optional[str] = None) -> None:
        self.workdir = workdir
        self.action_port = free_port()
        self.rasa_port = free_port()
        self.database_url = database_url or f"sqlite:///{workdir / 'intake.db'}"
        self.env = dict(os.environ)
        self.env.update({
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "TRACKER_DIALECT": "sqlite",
            "TRACKER_DB_HOST": "",
            "TRACKER_DB": str(workdir / "tracker.db"),
            "TRACKER_DB_USER": "",
            "TRACKER_DB_PASSWORD": "",
            "SANIC_HOST": "127.0.0.1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "LOG_LEVEL": "INFO",
        })
        self.env.update(env_extra or {})
        self.credentials = credentials or ROOT / "credentials.yml"
        self.endpoints = endpoints or ROOT / "endpoints.yml"
        self.procs: List[subprocess.Popen] = []
        self.api_token = uuid.uuid4().hex

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log.open("w"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> "Stack":
        subprocess.run([sys.executable, "-m", "bot.store", "upgrade"], cwd=ROOT, env=self.env,
                       check=True, capture_output=True)
        actions = self._spawn("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                                          "--port", str(self.action_port)])
        # The HTTP API (with a token, on loopback) lets tests read the tracker's slots.
        rasa = self._spawn("rasa", [str(VENV_BIN / "rasa"), "run", "--model", str(latest_model()),
                                    "--enable-api", "--auth-token", self.api_token,
                                    "--port", str(self.rasa_port), "--interface", "127.0.0.1",
                                    "--credentials", str(self.credentials),
                                    "--endpoints", str(self.endpoints)])
        wait_for(f"http://127.0.0.1:{self.action_port}/health", actions, self.workdir / "actions.log")
        wait_for(self.url + "/", rasa, self.workdir / "rasa.log")
        return self

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def slots(self, sender: str) -> Dict[str, object]:
        resp = requests.get(f"{self.url}/conversations/{sender}/tracker",
                            params={"token": self.api_token}, timeout=30)
        resp.raise_for_status()
        return resp.json()["slots"]

    def say(self, sender: str, text: str) -> List[dict]:
        resp = requests.post(self.url + "/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=60)
        resp.raise_for_status()
        return resp.json()


@contextlib.contextmanager
def running_stack(workdir: Path, **kwargs) -> Iterator[Stack]:
    stack = Stack(workdir, **kwargs)
    try:
        yield stack.start()
    finally:
        stack.stop()
