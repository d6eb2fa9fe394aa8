"""One delivery attempt: settings, the signed POST, and the retry schedule.

The worker (``bot.handoff.worker``) claims outbox rows and calls ``post_handoff``
for each; this module knows nothing about the database.

Contract ("Delivery"): one ``POST`` of the exact stored body to
``APPOINTMENT_WEBHOOK_URL`` with ``Content-Type: application/json``,
``X-Intake-Signature: sha256=<hex>`` and ``Idempotency-Key: <handoff_id>``. Any
2xx acknowledges; any other status, a timeout or a refused connection means
"try again" (redirects are not followed: a 3xx is a failure too).

Error texts returned here go into ``outbox.last_error`` and the logs, so they
hold only a status code or the kind of network error: never the response
body, the request body or the URL (which may carry a token).
"""
from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Mapping, Optional
from urllib.parse import urlsplit

import requests

from bot.handoff.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign

USER_AGENT = "clinic-intake-handoff/1"
MAX_ANSWER_BYTES = 64 * 1024  # read at most this much of an answer (only the status matters)


class SettingsError(ValueError):
    """A delivery setting is missing or out of range."""


def _env_float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class DeliverySettings:
    """Everything the worker needs; ``from_env`` reads the environment.

    ``url`` None (``APPOINTMENT_WEBHOOK_URL`` unset or empty) means delivery is
    disabled: handoffs stay pending in the database and the staff console.
    """

    url: Optional[str] = None
    secret: Optional[str] = field(default=None, repr=False)
    timeout: float = 10.0  # seconds, per HTTP attempt (connect, and each read)
    concurrency: int = 4  # parallel sends per worker process
    poll_interval: float = 1.0  # seconds between looks at the outbox when idle
    max_attempts: int = 8  # failed attempts before the handoff shows "failed" to staff
    keep_retrying: bool = True  # after max_attempts: go on retrying (slowly) or stop
    backoff_base: float = 2.0  # seconds; attempt n waits up to base * 2**(n-1)
    backoff_max: float = 900.0  # cap on any wait between attempts
    emergency_backoff_max: float = 30.0  # cap for emergency handoffs (priority 0)
    stale_after: float = 300.0  # an in-flight claim older than this is taken over
    shutdown_grace: Optional[float] = None  # wait for in-flight sends at stop; default timeout + 5

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def grace(self) -> float:
        return self.shutdown_grace if self.shutdown_grace is not None else self.timeout + 5.0

    @property
    def target(self) -> str:
        """The webhook's scheme, host and port, for logs (never the path or query)."""
        if not self.url:
            return "(disabled)"
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}"

    def check(self) -> "DeliverySettings":
        """Raise ``SettingsError`` when the settings cannot work; returns self."""
        if self.url:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingsError("APPOINTMENT_WEBHOOK_URL must be an http(s) URL")
            if not self.secret:
                raise SettingsError(
                    "APPOINTMENT_WEBHOOK_SECRET is empty: handoffs must be signed "
                    "(set it, or unset APPOINTMENT_WEBHOOK_URL to disable delivery)"
                )
        if self.timeout <= 0 or self.poll_interval <= 0:
            raise SettingsError("the timeout and the poll interval must be positive")
        if self.concurrency < 1 or self.max_attempts < 1:
            raise SettingsError("concurrency and max_attempts must be at least 1")
        if self.stale_after <= self.timeout:
            raise SettingsError(
                "DELIVERY_STALE_AFTER must be longer than DELIVERY_TIMEOUT, or live sends "
                "would be taken over by other workers"
            )
        return self

    def with_overrides(self, **changes: Any) -> "DeliverySettings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "DeliverySettings":
        env = os.environ if env is None else env
        url = (env.get("APPOINTMENT_WEBHOOK_URL") or "").strip() or None
        secret = env.get("APPOINTMENT_WEBHOOK_SECRET") or None
        timeout = _env_float(env, "DELIVERY_TIMEOUT", 10.0, minimum=0.001)
        grace_raw = env.get("DELIVERY_SHUTDOWN_GRACE")
        return cls(
            url=url,
            secret=secret,
            timeout=timeout,
            concurrency=_env_int(env, "DELIVERY_CONCURRENCY", 4),
            poll_interval=_env_float(env, "DELIVERY_POLL_INTERVAL", 1.0, minimum=0.001),
            max_attempts=_env_int(env, "DELIVERY_MAX_ATTEMPTS", 8),
            keep_retrying=_env_bool(env, "DELIVERY_KEEP_RETRYING", True),
            backoff_base=_env_float(env, "DELIVERY_BACKOFF_BASE", 2.0),
            backoff_max=_env_float(env, "DELIVERY_BACKOFF_MAX", 900.0),
            emergency_backoff_max=_env_float(env, "DELIVERY_EMERGENCY_BACKOFF_MAX", 30.0),
            stale_after=_env_float(env, "DELIVERY_STALE_AFTER", 300.0, minimum=0.001),
            shutdown_grace=(
                _env_float(env, "DELIVERY_SHUTDOWN_GRACE", timeout + 5.0)
                if grace_raw not in (None, "") else None
            ),
        )


# -- the retry schedule -----------------------------------------------------------------
def backoff_delay(
    attempts: int,
    *,
    base: float,
    cap: float,
    rng: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds to wait after ``attempts`` failed attempts: exponential backoff with
    full jitter, ``uniform(0, min(cap, base * 2 ** (attempts - 1)))``.

    Full jitter spreads the retries of many handoffs that failed together (the
    receiver was down) instead of sending them back in one burst.
    """
    attempts = max(1, int(attempts))
    ceiling = min(cap, base * (2.0 ** min(attempts - 1, 62)))
    return max(0.0, rng(0.0, ceiling)) if ceiling > 0 else 0.0


def retry_delay(attempts: int, priority: int, settings: DeliverySettings,
                rng: Callable[[float, float], float] = random.uniform) -> float:
    """The backoff for one row: emergencies (priority 0) use the lower cap."""
    cap = settings.backoff_max
    if priority <= 0:
        cap = min(cap, settings.emergency_backoff_max)
    return backoff_delay(attempts, base=settings.backoff_base, cap=cap, rng=rng)


# -- one POST ----------------------------------------------------------------------
@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    status_code: Optional[int]
    error: Optional[str]  # safe to log and store: a status code or a kind of network error
    elapsed: float

    def describe(self) -> str:
        return f"HTTP {self.status_code}" if self.ok else (self.error or "failed")


def signed_headers(body: bytes, secret: str, handoff_id: str) -> Dict[str, str]:
    """The contract's headers for one POST."""
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, secret),
        IDEMPOTENCY_HEADER: handoff_id,
        "User-Agent": USER_AGENT,
    }


_local = threading.local()


def _http_session() -> requests.Session:
    """One ``requests.Session`` per thread (connection reuse; sessions are not thread-safe)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def _error_kind(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connect timeout after {timeout:g}s"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"timeout after {timeout:g}s"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc).lower()
        if "refused" in text:
            return "connection refused"
        if "name or service" in text or "nodename" in text or "resolve" in text:
            return "name resolution failed"
        if "remotedisconnected" in text or "reset" in text or "aborted" in text:
            return "connection closed by the receiver"
        return "connection error"
    return f"request error ({type(exc).__name__})"


def post_handoff(
    url: str,
    body: bytes,
    *,
    secret: str,
    handoff_id: str,
    timeout: float = 10.0,
    session: Optional[requests.Session] = None,
) -> DeliveryResult:
    """POST one handoff; never raises for HTTP or network trouble.

    ``body`` is sent as is (the stored canonical bytes). The answer's body is not
    read beyond what ``requests`` needs: only the status code matters.
    """
    if not isinstance(body, bytes):
        raise TypeError("post the exact stored bytes")
    headers = signed_headers(body, secret, handoff_id)
    started = time.monotonic()
    http = session or _http_session()
    try:
        response = http.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        )
    except requests.RequestException as exc:
        return DeliveryResult(False, None, _error_kind(exc, timeout), time.monotonic() - started)
    status = response.status_code
    try:
        # Read a small answer to the end so the connection can be reused; the status
        # line already decided the outcome, so trouble here changes nothing.
        read = 0
        for chunk in response.iter_content(8192):
            read += len(chunk)
            if read > MAX_ANSWER_BYTES or time.monotonic() - started > 2 * timeout:
                break
    except Exception:  # noqa: BLE001 - the outcome is already known
        pass
    finally:
        response.close()
    elapsed = time.monotonic() - started
    if 200 <= status < 300:
        return DeliveryResult(True, status, None, elapsed)
    return DeliveryResult(False, status, f"HTTP {status}", elapsed)
