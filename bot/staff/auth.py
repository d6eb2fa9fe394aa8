"""Staff sign-in: argon2 password hashes, lockout, idle expiry and roles.

The session is Flask's signed cookie. It holds the user's id, the time of sign-in
and the time of the last request (``seen``); every request checks, on the
server, that the user still exists and is active, that ``seen`` is no older than
``STAFF_IDLE_MINUTES`` and that the sign-in is no older than
``STAFF_SESSION_MAX_HOURS``. The clock is ``app.config["STAFF_CLOCK"]`` when set
(tests move it forward), else the real UTC time.
"""
from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from bot.staff.settings import MIN_PASSWORD_LENGTH
from bot.store import repository
from bot.store.engine import session_scope
from bot.store.models import STAFF_ROLES, StaffUser
from bot.store.types import utcnow

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

hasher = PasswordHasher()  # argon2id, the library's recommended parameters
_dummy_hash: Optional[str] = None

# What each role may do. Admins may do everything.
PERMISSIONS = {
    "view": set(STAFF_ROLES),
    "set_status": set(STAFF_ROLES),
    "add_note": set(STAFF_ROLES),
    "retry_delivery": set(STAFF_ROLES),
    "export": set(STAFF_ROLES),
    "change_specialist": {"clinician", "admin"},
    "view_audit": {"admin"},
    "view_users": {"admin"},
}

# Endpoints anyone may reach: the sign-in form and the stylesheet/script it needs.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static"})


class PasswordPolicyError(ValueError):
    pass


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if password.strip() != password or not password.strip():
        raise PasswordPolicyError("the password must not start or end with spaces")


def hash_password(password: str) -> str:
    check_password_policy(password)
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the stored hash, kept in the session: a new password
    (``set-password``) ends every session signed in with the old one."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _burn_time(password: str) -> None:
    """Verify against a throwaway hash, so unknown names take as long as known ones."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hasher.hash("not a real password, only for timing")
    verify_password(_dummy_hash, password)


def now() -> datetime:
    clock: Optional[Callable[[], datetime]] = current_app.config.get("STAFF_CLOCK")
    return clock() if clock else utcnow()


def remote_addr() -> Optional[str]:
    return (request.remote_addr or None) if request else None


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS.get(permission, set())


def current_user() -> Optional[CurrentUser]:
    return getattr(g, "user", None)


def can(permission: str) -> bool:
    user = current_user()
    return bool(user and user.can(permission))


def require(permission: str):
    """View decorator: 403 unless the signed-in user's role allows ``permission``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # the route test reads it
        return wrapped

    return decorate


def audit(action: str, target_type: Optional[str] = None, target_id: Optional[str] = None,
          detail: Optional[dict] = None, *, db=None, actor: Optional[str] = None) -> None:
    """Append an audit event, in ``db`` (a session) or a transaction of its own."""
    who = actor or (current_user().username if current_user() else "anonymous")
    if db is not None:
        repository.audit(db, who, action, target_type, target_id, detail, remote_addr())
        return
    with session_scope(current_app.config["DATABASE_URL"]) as own:
        repository.audit(own, who, action, target_type, target_id, detail, remote_addr())


def _safe_next(target: Optional[str]) -> Optional[str]:
    """Only paths on this site: never another host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _session_state(moment: datetime) -> str:
    """"none", "ok", "idle" or "expired" for the current cookie (no side effects)."""
    if "uid" not in session:
        return "none"
    seen = session.get("seen")
    signed_in = session.get("auth_at")
    if not isinstance(seen, (int, float)) or not isinstance(signed_in, (int, float)):
        return "expired"
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    longest = timedelta(hours=current_app.config["STAFF_SESSION_MAX_HOURS"])
    stamp = moment.timestamp()
    if stamp - seen > idle.total_seconds() or stamp < seen - 300:
        return "idle"
    if stamp - signed_in > longest.total_seconds():
        return "expired"
    return "ok"


def load_user() -> Optional[object]:
    """``before_request``: sign-in required everywhere except PUBLIC_ENDPOINTS."""
    g.user = None
    endpoint = request.endpoint
    if endpoint == "static":
        return None
    moment = now()
    state = _session_state(moment)
    if state == "ok":
        with session_scope(current_app.config["DATABASE_URL"]) as db:
            user = db.get(StaffUser, session.get("uid"))
            if (user is not None and user.active and user.username == session.get("user")
                    and session.get("pw") == password_stamp(user.password_hash)):
                g.user = CurrentUser(user.id, user.username, user.role)
        if g.user is None:
            session.clear()
            state = "none"
        elif endpoint not in PUBLIC_ENDPOINTS:
            session["seen"] = moment.timestamp()
    elif state in ("idle", "expired"):
        username = session.get("user")
        session.clear()
        if username:
            audit("auth.session_expired", "staff_user", None, {"reason": state},
                  actor=str(username)[:64])
    if endpoint in PUBLIC_ENDPOINTS or g.user is not None:
        return None
    if endpoint is None:
        abort(404)
    if request.method in ("GET", "HEAD"):
        target = request.full_path if request.query_string else request.path
        params = {"next": target}
        if state in ("idle", "expired"):
            params["expired"] = "1"
        return redirect(url_for("auth.login", **params))
    # A form sent without a session (or after it expired): nothing is done.
    if state in ("idle", "expired"):
        return redirect(url_for("auth.login", expired="1"))
    abort(403)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.get("user") is not None:
        return redirect(_safe_next(request.args.get("next")) or url_for("main.queue"))
    config = current_app.config
    error = None
    status = 200
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        moment = now()
        error = "Wrong username or password."
        with session_scope(config["DATABASE_URL"]) as db:
            user = repository.get_staff_user(db, username) if username else None
            addr = remote_addr()
            if user is None or not user.active:
                _burn_time(password)
                repository.audit(db, username or "anonymous", "auth.login_failed", "staff_user",
                                 None, {"reason": "unknown_user" if user is None else "inactive"},
                                 addr)
            elif repository.is_locked(user, moment):
                repository.audit(db, user.username, "auth.login_failed", "staff_user", user.id,
                                 {"reason": "locked"}, addr)
                error = ("This account is locked after too many failed sign-ins. "
                         "Try again later or ask an administrator.")
            elif not verify_password(user.password_hash, password):
                was_locked = user.locked_until
                repository.record_login(
                    db, user, success=False, now=moment,
                    max_failures=config["STAFF_MAX_FAILED_LOGINS"],
                    lock_for=timedelta(minutes=config["STAFF_LOCKOUT_MINUTES"]))
                repository.audit(db, user.username, "auth.login_failed", "staff_user", user.id,
                                 {"reason": "bad_password", "failures": user.failed_logins}, addr)
                if repository.is_locked(user, moment) and user.locked_until != was_locked:
                    repository.audit(db, user.username, "auth.locked", "staff_user", user.id,
                                     {"failures": user.failed_logins,
                                      "minutes": config["STAFF_LOCKOUT_MINUTES"]}, addr)
                    log.warning("staff account locked after failed sign-ins (user id %s)", user.id)
                    error = ("This account is locked after too many failed sign-ins. "
                             "Try again later or ask an administrator.")
            else:
                repository.record_login(db, user, success=True, now=moment)
                if hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = hasher.hash(password)
                repository.audit(db, user.username, "auth.login", "staff_user", user.id, None, addr)
                session.clear()
                session["uid"] = user.id
                session["user"] = user.username
                session["pw"] = password_stamp(user.password_hash)
                session["auth_at"] = moment.timestamp()
                session["seen"] = moment.timestamp()
                log.info("staff sign-in (user id %s)", user.id)
                error = None
        if error is None:
            return redirect(_safe_next(request.form.get("next")) or url_for("main.queue"))
        status = 401
    return render_template(
        "login.html", error=error, username=username,
        next=_safe_next(request.values.get("next")) or "",
        expired=request.args.get("expired") == "1",
        signed_out=request.args.get("signed_out") == "1",
    ), status


@bp.route("/logout", methods=["POST"])
def logout():
    user = current_user()
    if user is not None:
        audit("auth.logout", "staff_user", user.id)
    session.clear()
    return redirect(url_for("auth.login", signed_out="1"))
