"""Who may see and do what: nothing without signing in, and each role its own share."""
from __future__ import annotations

import pytest

from bot.staff.auth import PERMISSIONS, PUBLIC_ENDPOINTS
from bot.store import get_handoff, session_scope
from tests.e2e.staff_fixtures import (  # noqa: F401  (pytest fixtures)
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


def _url(rule, handoff_id: str) -> str:
    values = {arg: handoff_id for arg in rule.arguments}
    path = rule.rule
    for arg, value in values.items():
        path = path.replace(f"<{arg}>", value)
    assert "<" not in path, path
    return path


def test_every_route_needs_signing_in(staff_app, staff_env):
    """Enumerate app.url_map: without a session every page, export and action is refused."""
    client = staff_app.test_client()
    hid = staff_env.handoffs["emergency"]
    checked = []
    for rule in staff_app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = _url(rule, hid)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            body = response.get_data(as_text=True)
            assert response.status_code in (302, 303, 401, 403), (method, path)
            if response.status_code in (302, 303):
                assert response.headers["Location"].startswith("/login"), (method, path)
            for name in staff_env.names.values():
                assert name not in body, (method, path)
            checked.append((method, rule.endpoint))
    endpoints = {endpoint for _, endpoint in checked}
    assert {"main.queue", "main.handoff", "main.export_json", "main.export_fhir",
            "main.audit_log", "main.users", "main.set_status", "main.change_specialist",
            "main.add_note", "main.retry_delivery", "auth.logout"} <= endpoints
    # nothing changed and no patient data was read
    with session_scope(staff_env.database_url) as db:
        assert get_handoff(db, hid).review_status == "new"
    assert not [e for e in audit_rows(staff_env.database_url)
                if e.actor != "seed" and e.action.startswith(("handoff.", "queue.", "audit."))]


def test_public_endpoints_are_only_the_sign_in_form_and_static_files(staff_app):
    assert PUBLIC_ENDPOINTS == {"auth.login", "static"}
    client = staff_app.test_client()
    assert client.get("/static/staff.css").status_code == 200
    html = client.get("/login").get_data(as_text=True)
    assert 'name="password"' in html and "Queue" not in html


def test_every_other_view_declares_a_permission(staff_app):
    """A new route cannot forget its role check: each view carries ``permission``."""
    for endpoint, view in staff_app.view_functions.items():
        if endpoint in PUBLIC_ENDPOINTS or endpoint == "auth.logout":
            continue
        assert getattr(view, "permission", None) in PERMISSIONS, endpoint


ROLE_PAGES = [
    # (path template, front_desk, clinician, admin)
    ("/queue", 200, 200, 200),
    ("/handoffs/{hid}", 200, 200, 200),
    ("/handoffs/{hid}/export.json", 200, 200, 200),
    ("/audit", 403, 403, 200),
    ("/users", 403, 403, 200),
]


@pytest.mark.parametrize("username,column", [("frontdesk", 1), ("clinician", 2), ("admin", 3)])
def test_pages_by_role(client, staff_env, username, column):
    login(client, username)
    hid = staff_env.handoffs["sciatica"]
    for row in ROLE_PAGES:
        response = client.get(row[0].format(hid=hid))
        assert response.status_code == row[column], (username, row[0])
        if response.status_code == 403:
            assert "Not allowed" in response.get_data(as_text=True)


def test_front_desk_cannot_see_the_audit_log(client, staff_env):
    login(client, "frontdesk")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit?actor=admin").status_code == 403
    html = client.get("/queue").get_data(as_text=True)
    assert "/audit" not in html and "Audit log" not in html  # not even a link
    assert not audit_rows(staff_env.database_url, action="audit.view")


def test_front_desk_works_the_queue_but_cannot_change_the_specialist(client, staff_env):
    login(client, "frontdesk")
    hid = staff_env.handoffs["sciatica"]
    page = f"/handoffs/{hid}"
    html = client.get(page).get_data(as_text=True)
    assert "Only clinicians can change the suggested specialist." in html
    assert 'name="reason"' not in html
    response = post_form(client, f"{page}/specialist",
                         {"specialist": "podiatry", "reason": "foot looks local"}, page=page)
    assert response.status_code == 403
    with session_scope(staff_env.database_url) as db:
        assert get_handoff(db, hid).specialist_overrides == []
    # what front desk may do
    assert post_form(client, f"{page}/status", {"status": "reviewed"}, page=page).status_code == 303
    assert post_form(client, f"{page}/notes", {"text": "left a voicemail"}, page=page).status_code == 303
    failed = staff_env.handoffs["heel"]
    assert post_form(client, f"/handoffs/{failed}/retry", {}, page=page).status_code == 303


def test_clinician_can_change_the_specialist(client, staff_env):
    login(client, "clinician")
    hid = staff_env.handoffs["sciatica"]
    page = f"/handoffs/{hid}"
    assert 'name="reason"' in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/specialist",
                         {"specialist": "pain_management", "reason": "wants injections first"},
                         page=page)
    assert response.status_code == 303
    with session_scope(staff_env.database_url) as db:
        assert get_handoff(db, hid).effective_specialist == "pain_management"


def test_admin_sees_everything(client, staff_env):
    login(client, "admin")
    html = client.get("/queue").get_data(as_text=True)
    assert 'href="/audit"' in html and 'href="/users"' in html
    users = client.get("/users").get_data(as_text=True)
    for username in ("frontdesk", "clinician", "admin"):
        assert username in users
    assert "$argon2" not in users
    hid = staff_env.handoffs["sciatica"]
    page = f"/handoffs/{hid}"
    assert post_form(client, f"{page}/specialist",
                     {"specialist": "podiatry", "reason": "admin correction"},
                     page=page).status_code == 303
