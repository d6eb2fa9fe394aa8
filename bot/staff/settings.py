"""The staff console's settings: environment variables, defaults and the secret key.

Every setting can also be passed to ``create_app(config={...})`` under the same
name (tests do that); the environment is read only when the app is created.

| variable | default | meaning |
|---|---|---|
| ``STAFF_SECRET_KEY`` | generated into ``var/staff_secret.key`` (0600) | signs the session cookie |
| ``STAFF_SECRET_KEY_FILE`` | ``<project>/var/staff_secret.key`` | where the generated key is kept |
| ``STAFF_COOKIE_SECURE`` | ``0`` | ``1``: cookie only over HTTPS (``__Host-`` name, HSTS) |
| ``STAFF_IDLE_MINUTES`` | ``15`` | sign out after this long without a request |
| ``STAFF_SESSION_MAX_HOURS`` | ``12`` | sign out after this long whatever happens |
| ``STAFF_MAX_FAILED_LOGINS`` | ``5`` | failed logins in a row that lock an account |
| ``STAFF_LOCKOUT_MINUTES`` | ``15`` | how long the lock lasts |
| ``STAFF_TIMEZONE`` | ``America/New_York`` | times shown to staff and date filters |
| ``STAFF_PROXY_FIX`` | ``0`` | ``1``: trust one reverse proxy's X-Forwarded-For/-Proto |
| ``STAFF_PAGE_SIZE`` | ``50`` | rows per queue / audit page |
| ``DATABASE_URL`` | ``sqlite:///<project>/var/intake.db`` | the app database |
| ``TRACKER_STORE_URL`` | see ``bot.staff.transcripts`` | Rasa's SQL tracker store (transcripts) |
"""
from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from bot.store.engine import PROJECT_ROOT, database_url

log = logging.getLogger(__name__)

DEFAULT_SECRET_KEY_FILE = PROJECT_ROOT / "var" / "staff_secret.key"
MIN_PASSWORD_LENGTH = 12

_TRUE = {"1", "true", "yes", "on"}


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def _int(name: str, value: Any, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, not {number}")
    return number


def load_secret_key(path: Optional[Path] = None) -> str:
    """The key in ``path`` (default var/staff_secret.key), created with mode 0600 if missing."""
    path = Path(path or DEFAULT_SECRET_KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("staff secret key file was readable by others; setting it to 0600")
            os.chmod(path, 0o600)
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise RuntimeError(f"{path} holds no usable key; delete it to make a new one")
        return key
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    os.chmod(path, 0o600)  # in case the umask widened it
    log.info("generated a new staff console secret key file")
    return key


def build_config(overrides: Optional[Mapping[str, Any]] = None,
                 environ: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """Flask config for the console: the environment, then ``overrides`` on top."""
    env = dict(os.environ if environ is None else environ)
    given = dict(overrides or {})

    def pick(name: str, default: Any = None) -> Any:
        if name in given:
            return given[name]
        return env.get(name, default)

    secure = _flag(pick("STAFF_COOKIE_SECURE", "0"))
    secret = given.get("SECRET_KEY") or pick("STAFF_SECRET_KEY")
    if not secret:
        key_file = pick("STAFF_SECRET_KEY_FILE") or DEFAULT_SECRET_KEY_FILE
        secret = load_secret_key(Path(key_file))

    config: Dict[str, Any] = {
        "SECRET_KEY": secret,
        "DATABASE_URL": given.get("DATABASE_URL") or database_url(env.get("DATABASE_URL")),
        "TRACKER_STORE_URL": pick("TRACKER_STORE_URL") or None,
        "STAFF_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "__Host-staff_session" if secure else "staff_session",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_REFRESH_EACH_REQUEST": True,
        "STAFF_IDLE_MINUTES": _int("STAFF_IDLE_MINUTES", pick("STAFF_IDLE_MINUTES"), 15),
        "STAFF_SESSION_MAX_HOURS": _int(
            "STAFF_SESSION_MAX_HOURS", pick("STAFF_SESSION_MAX_HOURS"), 12),
        "STAFF_MAX_FAILED_LOGINS": _int(
            "STAFF_MAX_FAILED_LOGINS", pick("STAFF_MAX_FAILED_LOGINS"), 5),
        "STAFF_LOCKOUT_MINUTES": _int("STAFF_LOCKOUT_MINUTES", pick("STAFF_LOCKOUT_MINUTES"), 15),
        "STAFF_TIMEZONE": pick("STAFF_TIMEZONE") or "America/New_York",
        "STAFF_PROXY_FIX": _flag(pick("STAFF_PROXY_FIX", "0")),
        "STAFF_PAGE_SIZE": _int("STAFF_PAGE_SIZE", pick("STAFF_PAGE_SIZE"), 50),
        "STAFF_CLOCK": given.get("STAFF_CLOCK"),  # a callable returning an aware datetime
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_SSL_STRICT": secure,
        "MAX_CONTENT_LENGTH": 64 * 1024,  # forms only: notes and reasons
        "TEMPLATES_AUTO_RELOAD": False,
    }
    # Anything else given (TESTING, WTF_CSRF_ENABLED, ...) goes through as is.
    for key, value in given.items():
        if key not in ("SECRET_KEY",) and key not in config:
            config[key] = value
        elif key in ("WTF_CSRF_ENABLED", "TESTING", "SESSION_COOKIE_NAME"):
            config[key] = value
    return config
