"""Staff console sign-in: argon2 hashes, the account command, lockout, idle expiry,
CSRF, cookies, security headers and the secret key."""
from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.staff import auth
from bot.staff.__main__ import main as staff_cli
from bot.staff.settings import build_config, load_secret_key
from bot.store import get_staff_user, session_scope
from tests.e2e.staff_fixtures import (  # noqa: F401  (pytest fixtures)
    PASSWORD,
    audit_rows,
    client,
    clock,
    csrf_token,
    login,
    make_app,
    post_form,
    staff_app,
    staff_env,
    staff_template,
)

ROOT = Path(__file__).resolve().parents[2]


# -- passwords ---------------------------------------------------------------------
def test_passwords_are_hashed_with_argon2id():
    hashed = auth.hash_password("a long enough password")
    assert hashed.startswith("$argon2id$")
    assert "a long enough password" not in hashed
    assert auth.verify_password(hashed, "a long enough password")
    assert not auth.verify_password(hashed, "a long enough passwore")
    assert not auth.verify_password("not a hash", "a long enough password")
    assert auth.hash_password("a long enough password") != hashed  # salted


@pytest.mark.parametrize("bad", ["short", "elevenchars", " leading space ok?", ""])
def test_passwords_shorter_than_12_or_padded_are_refused(bad):
    with pytest.raises(auth.PasswordPolicyError):
        auth.hash_password(bad)


def test_create_staff_user_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setattr(sys, "stdin", io.StringIO("twelve chars ok!\n"))
    assert staff_cli(["--database-url", url, "create-staff-user", "--username", "maria",
                      "--role", "front_desk", "--password-stdin"]) == 0
    with session_scope(url) as db:
        user = get_staff_user(db, "maria")
        assert user.role == "front_desk" and user.active
        assert user.password_hash.startswith("$argon2id$")
        assert auth.verify_password(user.password_hash, "twelve chars ok!")
    events = audit_rows(url, action="staff.user_created")
    assert len(events) == 1 and events[0].detail == {"username": "maria", "role": "front_desk"}
    assert "created front_desk user 'maria'" in capsys.readouterr().out

    # the same name again, a short password, an unknown role: refused
    monkeypatch.setattr(sys, "stdin", io.StringIO("twelve chars ok!\n"))
    with pytest.raises(SystemExit, match="already"):
        staff_cli(["--database-url", url, "create-staff-user", "--username", "maria",
                   "--role", "admin", "--password-stdin"])
    monkeypatch.setattr(sys, "stdin", io.StringIO("too short\n"))
    with pytest.raises(SystemExit, match="at least 12"):
        staff_cli(["--database-url", url, "create-staff-user", "--username", "joe",
                   "--role", "admin", "--password-stdin"])
    with pytest.raises(SystemExit):
        staff_cli(["--database-url", url, "create-staff-user", "--username", "joe",
                   "--role", "superuser", "--password-stdin"])


def test_create_staff_user_prompts_twice_without_stdin(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    answers = iter(["prompted password 1", "prompted password 2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(SystemExit, match="differ"):
        staff_cli(["--database-url", url, "create-staff-user", "--username", "ann",
                   "--role", "clinician"])
    answers = iter(["prompted password 1", "prompted password 1"])
    assert staff_cli(["--database-url", url, "create-staff-user", "--username", "ann",
                      "--role", "clinician"]) == 0


def test_the_real_command_line_creates_a_user(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT),
               SQLALCHEMY_SILENCE_UBER_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "bot.staff", "create-staff-user", "--username", "dr.lee",
         "--role", "clinician", "--password-stdin"],
        input="a password for dr lee\n", text=True, capture_output=True, cwd=ROOT, env=env,
        timeout=120)
    assert result.returncode == 0, result.stderr
    assert "a password for dr lee" not in result.stdout + result.stderr
    with session_scope(url) as db:
        assert get_staff_user(db, "dr.lee").role == "clinician"


def test_set_password_replaces_the_hash_and_lifts_a_lock(staff_env, monkeypatch):
    url = staff_env.database_url
    with session_scope(url) as db:
        user = get_staff_user(db, "frontdesk")
        user.failed_logins = 9
        from datetime import datetime, timedelta, timezone
        user.locked_until = datetime.now(timezone.utc) + timedelta(hours=1)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new password\n"))
    assert staff_cli(["--database-url", url, "set-password", "--username", "frontdesk",
                      "--password-stdin"]) == 0
    with session_scope(url) as db:
        user = get_staff_user(db, "frontdesk")
        assert user.locked_until is None and user.failed_logins == 0
        assert auth.verify_password(user.password_hash, "a brand new password")


# -- signing in --------------------------------------------------------------------
def test_sign_in_succeeds_and_is_audited(client, staff_env):
    response = login(client, "frontdesk")
    assert response.status_code == 302 and response.headers["Location"] == "/queue"
    assert client.get("/queue").status_code == 200
    events = audit_rows(staff_env.database_url, action="auth.login")
    assert [(e.actor, e.remote_addr) for e in events] == [("frontdesk", "127.0.0.1")]


def test_wrong_password_and_unknown_user_get_the_same_answer(client, staff_env):
    wrong = login(client, "frontdesk", "not the password at all")
    unknown = login(client, "nobody", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/queue").status_code == 302
    failed = audit_rows(staff_env.database_url, action="auth.login_failed")
    assert [(e.actor, e.detail["reason"]) for e in failed] == [
        ("frontdesk", "bad_password"), ("nobody", "unknown_user")]


def test_account_locks_after_repeated_failures_and_unlocks_later(client, staff_env, clock):
    for attempt in range(1, 6):
        response = login(client, "clinician", f"wrong password number {attempt}")
        assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)
    # now even the right password is refused, without being checked
    response = login(client, "clinician")
    assert response.status_code == 401 and "locked" in response.get_data(as_text=True)
    assert client.get("/queue").status_code == 302
    events = audit_rows(staff_env.database_url, actor="clinician")
    assert [e.action for e in events].count("auth.locked") == 1
    assert events[-1].detail == {"reason": "locked"}
    with session_scope(staff_env.database_url) as db:
        assert get_staff_user(db, "clinician").failed_logins == 5

    clock.advance(minutes=16)  # the 15-minute lock is over
    response = login(client, "clinician")
    assert response.status_code == 302
    with session_scope(staff_env.database_url) as db:
        user = get_staff_user(db, "clinician")
        assert user.failed_logins == 0 and user.locked_until is None


def test_lockout_threshold_is_configurable(make_app):
    client = make_app(STAFF_MAX_FAILED_LOGINS=2).test_client()
    login(client, "admin", "wrong password one")
    response = login(client, "admin", "wrong password two")
    assert "locked" in response.get_data(as_text=True)
    assert login(client, "admin").status_code == 401


def test_session_expires_after_15_idle_minutes(client, staff_env, clock):
    login(client, "frontdesk")
    clock.advance(minutes=14)
    assert client.get("/queue").status_code == 200  # activity resets the idle timer
    clock.advance(minutes=14, seconds=59)
    assert client.get("/queue").status_code == 200
    clock.advance(minutes=15, seconds=1)
    response = client.get("/queue")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/queue")
    assert "expired=1" in response.headers["Location"]
    assert client.get("/queue").status_code == 302  # the session is gone for good
    assert "signed out after a period without activity" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    expired = audit_rows(staff_env.database_url, action="auth.session_expired")
    assert [(e.actor, e.detail) for e in expired] == [("frontdesk", {"reason": "idle"})]


def test_idle_time_is_configurable_and_sessions_have_a_hard_limit(make_app, clock):
    client = make_app(STAFF_IDLE_MINUTES=5, STAFF_SESSION_MAX_HOURS=1).test_client()
    login(client, "frontdesk")
    clock.advance(minutes=5, seconds=1)
    assert client.get("/queue").status_code == 302
    login(client, "frontdesk")
    for _ in range(14):  # busy for over an hour: still signed out at the hard limit
        clock.advance(minutes=4, seconds=30)
        status = client.get("/queue").status_code
    assert status == 302


def test_a_deactivated_account_loses_its_session_at_once(client, staff_env):
    login(client, "frontdesk")
    assert client.get("/queue").status_code == 200
    with session_scope(staff_env.database_url) as db:
        get_staff_user(db, "frontdesk").active = False
    assert client.get("/queue").status_code == 302
    assert login(client, "frontdesk").status_code == 401


def test_sign_out_needs_a_post_and_ends_the_session(client, staff_env):
    login(client, "frontdesk")
    assert client.get("/logout").status_code == 405
    response = post_form(client, "/logout", {})
    assert response.status_code == 302 and "signed_out=1" in response.headers["Location"]
    assert client.get("/queue").status_code == 302
    assert [e.actor for e in audit_rows(staff_env.database_url, action="auth.logout")] == [
        "frontdesk"]


def test_next_only_leads_to_pages_on_this_site(client, staff_env):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        token = csrf_token(client)
        response = client.post("/login", data={"username": "frontdesk", "password": PASSWORD,
                                               "csrf_token": token, "next": target})
        assert response.headers["Location"] == "/queue"
        post_form(client, "/logout", {})
    token = csrf_token(client)
    hid = staff_env.handoffs["sciatica"]
    response = client.post("/login", data={"username": "frontdesk", "password": PASSWORD,
                                           "csrf_token": token, "next": f"/handoffs/{hid}"})
    assert response.headers["Location"] == f"/handoffs/{hid}"


# -- CSRF --------------------------------------------------------------------------
def test_forms_without_a_csrf_token_are_refused(client, staff_env):
    hid = staff_env.handoffs["sciatica"]
    # the sign-in form itself
    response = client.post("/login", data={"username": "frontdesk", "password": PASSWORD})
    assert response.status_code == 400 and "This form has expired" in response.get_data(True)
    login(client, "frontdesk")
    for path, data in (
        (f"/handoffs/{hid}/status", {"status": "reviewed"}),
        (f"/handoffs/{hid}/notes", {"text": "call back"}),
        (f"/handoffs/{hid}/retry", {}),
        ("/logout", {}),
    ):
        assert client.post(path, data=data).status_code == 400
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    with session_scope(staff_env.database_url) as db:
        from bot.store import get_handoff, list_staff_notes
        assert get_handoff(db, hid).review_status == "new"
        assert list_staff_notes(db, hid) == []
    assert client.get("/queue").status_code == 200  # still signed in: logout was refused


def test_a_token_from_another_session_does_not_work(make_app, staff_env):
    first, second = make_app().test_client(), make_app().test_client()
    login(first, "frontdesk")
    login(second, "frontdesk")
    token = csrf_token(first, "/queue")
    hid = staff_env.handoffs["sciatica"]
    response = second.post(f"/handoffs/{hid}/status", data={"status": "closed", "csrf_token": token})
    assert response.status_code == 400


# -- cookies, headers, secret key --------------------------------------------------
def test_cookie_flags_and_security_headers(client, staff_env):
    response = login(client, "frontdesk")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("staff_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get(f"/handoffs/{staff_env.handoffs['emergency']}")
    headers = page.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "onclick" not in html
    assert 'src="/static/staff.js"' in html
    assert "https://" not in html.split("<body")[0]  # nothing loaded from elsewhere


def test_secure_cookie_setting(make_app):
    app = make_app(STAFF_COOKIE_SECURE="1")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert "__Host-staff_session=" in response.headers["Set-Cookie"]
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_secret_key_from_the_environment_or_a_private_file(tmp_path):
    assert build_config(environ={"STAFF_SECRET_KEY": "k" * 40})["SECRET_KEY"] == "k" * 40
    key_file = tmp_path / "var" / "staff_secret.key"
    config = build_config(environ={"STAFF_SECRET_KEY_FILE": str(key_file)})
    assert len(config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = build_config(environ={"STAFF_SECRET_KEY_FILE": str(key_file)})
    assert again["SECRET_KEY"] == config["SECRET_KEY"]  # kept across restarts
    os.chmod(key_file, 0o644)
    assert load_secret_key(key_file) == config["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # tightened again


def test_settings_come_from_the_environment():
    config = build_config(environ={"STAFF_SECRET_KEY": "k" * 40, "STAFF_IDLE_MINUTES": "10",
                                   "STAFF_MAX_FAILED_LOGINS": "3", "STAFF_TIMEZONE": "UTC",
                                   "TRACKER_STORE_URL": "sqlite:////tmp/t.db",
                                   "DATABASE_URL": "sqlite:////tmp/a.db"})
    assert config["STAFF_IDLE_MINUTES"] == 10 and config["STAFF_MAX_FAILED_LOGINS"] == 3
    assert config["STAFF_TIMEZONE"] == "UTC" and config["DATABASE_URL"] == "sqlite:////tmp/a.db"
    assert config["TRACKER_STORE_URL"] == "sqlite:////tmp/t.db"
    with pytest.raises(ValueError):
        build_config(environ={"STAFF_SECRET_KEY": "k" * 40, "STAFF_IDLE_MINUTES": "soon"})


def test_a_new_password_ends_existing_sessions(client, staff_env, monkeypatch):
    login(client, "frontdesk")
    assert client.get("/queue").status_code == 200
    monkeypatch.setattr(sys, "stdin", io.StringIO("another long password\n"))
    staff_cli(["--database-url", staff_env.database_url, "set-password", "--username",
               "frontdesk", "--password-stdin"])
    assert client.get("/queue").status_code == 302
    assert login(client, "frontdesk", "another long password").status_code == 302
