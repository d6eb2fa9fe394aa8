"""The queue, the handoff page, the actions and their audit trail."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.staff import views
from bot.store import get_handoff, get_outbox, list_staff_notes, session_scope
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


def queue_order(html: str):
    """(urgency, patient name) for each queue row, top to bottom."""
    rows = re.findall(r'data-urgency="([a-z0-9_]+)">.*?class="patient"[^>]*>([^<]+)</a>',
                      html, re.S)
    return [(urgency, name.strip()) for urgency, name in rows]


def get_queue(client, query: str = "") -> str:
    """The queue page for a query string; a search (``q=``) is posted, as the form does."""
    from urllib.parse import parse_qsl

    fields = dict(parse_qsl(query))
    if "q" not in fields:
        return client.get(f"/queue?{query}").get_data(as_text=True)
    response = post_form(client, "/queue", fields)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "s=1" in location and "q=" not in location  # no patient data in the URL
    return client.get(location).get_data(as_text=True)


def patient_values(env):
    """Strings that must never reach the audit log or the application log."""
    values = set(env.names.values())
    values |= {"+15551234567", "+12015550111", "Shooting pain", "can't pee", "down there",
               "ana@example.org", "1980-04-12"}
    return {v for v in values if v}


# -- the queue ---------------------------------------------------------------------
def test_queue_pins_emergencies_then_urgency_tiers_newest_first(client, staff_env):
    login(client, "frontdesk")
    html = client.get("/queue").get_data(as_text=True)
    assert queue_order(html) == [
        ("emergency_ed", "Robert Stone"),
        ("urgent_24h", "Ana María Núñez"),
        ("routine", "Grace Kim"),  # a day old
        ("routine", "Tom Becker"),  # three days old
    ]  # the closed 911 handoff is not open any more
    pinned = html.split('id="emergencies"')[1].split("</section>")[0]
    assert "Emergencies: follow up now (1)" in pinned and "Robert Stone" in pinned
    assert "badge-emergency" in pinned and "icon-alert" in pinned and "EMERGENCY ED" in pinned
    assert "Ana María Núñez" not in pinned

    everything = client.get("/queue?status=all").get_data(as_text=True)
    assert [u for u, _ in queue_order(everything)][:2] == ["emergency_911", "emergency_ed"]
    assert "Emergencies: follow up now (2)" in everything


@pytest.mark.parametrize("query,expected", [
    ("urgency=urgent_24h", {"Ana María Núñez"}),
    ("urgency=emergency&status=all", {"Robert Stone", "Linda Park"}),
    ("specialist=podiatry", {"Grace Kim"}),
    ("channel=sms", {"Robert Stone"}),
    ("channel=sms&status=all", {"Robert Stone", "Linda Park"}),
    ("status=failed", {"Grace Kim"}),
    ("status=reviewed", {"Tom Becker"}),
    ("status=closed", {"Linda Park"}),
    ("q=n%C3%BA%C3%B1ez", {"Ana María Núñez"}),
    ("q=n%C3%BA%C3%B1ez&status=closed", set()),
    ("q=STONE", {"Robert Stone"}),
    ("q=555+123", {"Ana María Núñez"}),
    ("q=(201)+555-0199", {"Grace Kim"}),
    ("q=nobody+like+this", set()),
])
def test_queue_filters_and_search(client, staff_env, query, expected):
    login(client, "frontdesk")
    html = get_queue(client, query)
    assert {name for _, name in queue_order(html)} == expected


def test_search_is_kept_out_of_urls_and_dropped_when_leaving(client, staff_env):
    login(client, "frontdesk")
    html = get_queue(client, "q=Stone&urgency=emergency_ed")
    assert 'value="Stone"' in html and "/queue?s=1" not in html.split("<form")[0]
    assert {n for _, n in queue_order(html)} == {"Robert Stone"}
    # a plain queue link shows everything again, and forgets the search
    assert len(queue_order(client.get("/queue").get_data(as_text=True))) == 4
    assert len(queue_order(client.get("/queue?s=1").get_data(as_text=True))) == 4
    # the filter form needs its CSRF token like every other form
    assert client.post("/queue", data={"q": "Stone"}).status_code == 400


def test_queue_date_range_uses_the_clinic_time_zone(client, staff_env):
    login(client, "frontdesk")
    zone = ZoneInfo("America/New_York")
    today = datetime.now(timezone.utc).astimezone(zone).date()
    html = client.get(f"/queue?status=all&from={today - timedelta(days=2)}&to={today}")
    names = {name for _, name in queue_order(html.get_data(as_text=True))}
    assert "Tom Becker" not in names and "Linda Park" not in names
    assert "Ana María Núñez" in names
    bad = client.get("/queue?from=yesterday").get_data(as_text=True)
    assert "must look like 2024-05-31" in bad


def test_failed_deliveries_are_counted_with_a_link(client, staff_env):
    login(client, "frontdesk")
    html = client.get("/queue").get_data(as_text=True)
    link = re.search(r'<a class="counter counter-failed" href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    assert link and link.group(1) == "/queue?status=failed"
    assert "1 failed delivery" in " ".join(link.group(2).split())
    assert "1 new emergency" in html


def test_queue_view_is_audited_with_ids_not_names(client, staff_env):
    login(client, "frontdesk")
    get_queue(client, "q=Stone&urgency=emergency_ed")
    event = audit_rows(staff_env.database_url, action="queue.view")[-1]
    assert event.actor == "frontdesk" and event.remote_addr == "127.0.0.1"
    assert event.detail["filters"]["search"] is True
    assert event.detail["filters"]["urgency"] == "emergency_ed"
    assert event.detail["shown"] == [staff_env.handoffs["emergency"]]
    assert "Stone" not in json.dumps(event.detail)


# -- the handoff page --------------------------------------------------------------
def test_emergency_page_quotes_the_patient_and_the_advice(client, staff_env):
    login(client, "frontdesk")
    html = client.get(f"/handoffs/{staff_env.handoffs['emergency']}").get_data(as_text=True)
    banner = html.split('id="urgency-banner"')[1].split("</section>")[0]
    assert "banner-emergency" in html and "icon-alert" in banner
    assert "EMERGENCY: the patient was told to go to the emergency department now" in banner
    assert "since this morning I can&#39;t feel anything down there" in banner
    assert "Saddle numbness" in banner and "I can&#39;t pee" in banner
    assert "Please go to the nearest emergency department" in banner
    assert "No booking suggested (emergency)" in html
    assert "ED-1" in html and "Cauda equina" in html
    assert "(201) 555-0111" in html and 'href="tel:+12015550111"' in html
    assert "May text" in html  # SMS consent on record, not opted out


def test_routine_page_has_the_triage_report(client, staff_env):
    login(client, "frontdesk")
    html = client.get(f"/handoffs/{staff_env.handoffs['sciatica']}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", html)
    assert "URGENT: to be seen within 24 hours" in text
    assert "Shooting pain from my lower back down my left leg to the big toe" in text
    assert "Sujal Patel, MD" in text and "U24-2" in text
    # symptoms present / absent / unsure
    present = text.split("sym-present")[1].split("sym-absent")[0]
    absent = text.split("sym-absent")[1].split("sym-unsure")[0]
    unsure = text.split("sym-unsure")[1].split("</section>")[0]
    assert "Pain travels (radiates)" in present and "below the knee" in present
    assert "Numbness or tingling" in present and "top of foot" in present
    assert "Walking: cannot walk on heels" in present
    assert "Weakness" in absent and "Night pain" in absent and "no, sleeping is fine" in absent
    assert "nothing left open" in unsure
    # nerve-root hint, labelled
    assert "hint for clinicians, not a diagnosis" in text and "root-code\">L5" in text
    # self-checks and answers
    assert "Walk a few steps on heels</th><td>could not" in text
    assert "no, my left foot flops" in text
    # contact, preferred visit, SMS consent
    assert "ana@example.org" in text and "Telehealth (video)" in text
    assert "no SMS contact on record for this number" in text
    # the body diagram: pain solid, radiation and numbness on the side of the pain
    assert re.search(r'data-zone="back\.lower_back\." data-layers="pain"', html)
    assert re.search(r'data-zone="front\.thigh\.left" data-layers="pain radiation"', html)
    assert re.search(r'data-zone="top\.top_of_foot\.left" data-layers="numbness"', html)
    assert re.search(r'data-zone="sole\.big_toe\.left" data-layers="radiation numbness"', html)
    assert re.search(r'data-zone="front\.thigh\.right" data-layers=""', html)
    assert "Pain travels to (hatched)" in html and "url(#pat-radiation)" not in html  # CSS does it


def test_opted_out_number_is_shown(client, staff_env):
    login(client, "frontdesk")
    html = client.get(f"/handoffs/{staff_env.handoffs['chronic']}").get_data(as_text=True)
    assert "Opted out (STOP)" in html and "do not text" in html


def test_transcript_is_collapsed_and_read_from_the_tracker_store(client, staff_env):
    login(client, "frontdesk")
    hid = staff_env.handoffs["emergency"]
    html = client.get(f"/handoffs/{hid}").get_data(as_text=True)
    section = html.split('id="transcript"')[1].split("</section>")[0]
    assert '<details class="transcript">' in section  # closed by default
    assert "Show the full conversation (4 messages)" in section
    assert section.index("Hi, I&#39;m the intake assistant") < section.index("ok going now")
    assert section.count("msg-patient") == 2 and section.count("msg-assistant") == 2
    view = audit_rows(staff_env.database_url, action="handoff.view")[-1]
    assert view.target_id == hid and view.detail == {"transcript_messages": 4}


def test_page_still_shows_when_the_tracker_store_is_missing(make_app, staff_env, tmp_path):
    client = make_app(TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'absent.db'}").test_client()
    login(client, "frontdesk")
    response = client.get(f"/handoffs/{staff_env.handoffs['emergency']}")
    assert response.status_code == 200
    assert "The conversation store could not be read." in response.get_data(as_text=True)
    assert not (tmp_path / "absent.db").exists()


def test_unknown_handoff_is_404(client, staff_env):
    login(client, "frontdesk")
    assert client.get("/handoffs/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/handoffs/" + "x" * 100).status_code == 404


# -- actions -----------------------------------------------------------------------
def test_review_status_changes_are_audited(client, staff_env):
    login(client, "frontdesk")
    hid = staff_env.handoffs["emergency"]
    page = f"/handoffs/{hid}"
    for status in ("reviewed", "scheduled", "closed"):
        response = post_form(client, f"{page}/status", {"status": status}, page=page)
        assert response.status_code == 303 and response.headers["Location"] == page
    assert post_form(client, f"{page}/status", {"status": "deleted"}, page=page).status_code == 303
    with session_scope(staff_env.database_url) as db:
        assert get_handoff(db, hid).review_status == "closed"
    events = audit_rows(staff_env.database_url, action="handoff.review_status", target_id=hid)
    assert [(e.actor, e.detail["to"], e.remote_addr) for e in events] == [
        ("frontdesk", "reviewed", "127.0.0.1"), ("frontdesk", "scheduled", "127.0.0.1"),
        ("frontdesk", "closed", "127.0.0.1")]
    html = client.get(page).get_data(as_text=True)
    assert "marked it closed" in html and "Reopen as new" in html


def test_notes_are_kept_and_audited_without_their_text(client, staff_env):
    login(client, "frontdesk")
    hid = staff_env.handoffs["sciatica"]
    page = f"/handoffs/{hid}"
    post_form(client, f"{page}/notes", {"text": "Called Ana, booked Tue 9am"}, page=page)
    post_form(client, f"{page}/notes", {"text": "   "}, page=page)
    with session_scope(staff_env.database_url) as db:
        assert [n.text for n in list_staff_notes(db, hid)] == ["Called Ana, booked Tue 9am"]
    html = client.get(page).get_data(as_text=True)
    assert "Called Ana, booked Tue 9am" in html
    event = audit_rows(staff_env.database_url, action="handoff.note_added")[-1]
    assert "Ana" not in json.dumps(event.detail)


def test_changing_the_specialist_requires_a_reason(client, staff_env):
    login(client, "clinician")
    hid = staff_env.handoffs["sciatica"]
    page = f"/handoffs/{hid}"
    with session_scope(staff_env.database_url) as db:
        original = get_handoff(db, hid).payload
    for form in ({"specialist": "podiatry"}, {"specialist": "podiatry", "reason": "   "},
                 {"specialist": "podiatry", "reason": "ok"}, {"specialist": "dentistry",
                                                              "reason": "a fine reason"},
                 {"specialist": "spine_surgery", "reason": "no change at all"}):
        response = post_form(client, f"{page}/specialist", form, page=page, follow=True)
        assert response.status_code == 200
        assert "flash-error" in response.get_data(as_text=True)
    assert not audit_rows(staff_env.database_url, action="handoff.specialist_override")
    with session_scope(staff_env.database_url) as db:
        assert get_handoff(db, hid).specialist_overrides == []

    response = post_form(client, f"{page}/specialist",
                         {"specialist": "podiatry", "reason": "Numb top of foot is local; see DPM"},
                         page=page, follow=True)
    html = response.get_data(as_text=True)
    assert "Suggested specialist changed to Podiatry." in html
    assert "Changed by <strong>clinician</strong>" in html
    assert "Numb top of foot is local; see DPM" in html
    assert "The assistant suggested: Spine surgery (Sujal Patel, MD)" in html
    with session_scope(staff_env.database_url) as db:
        handoff = get_handoff(db, hid)
        assert handoff.payload == original  # the payload is never touched
        assert handoff.specialist == "spine_surgery"
        assert handoff.effective_specialist == "podiatry"
        (override,) = handoff.specialist_overrides
        assert (override.from_specialist, override.to_specialist, override.actor) == (
            "spine_surgery", "podiatry", "clinician")
    event = audit_rows(staff_env.database_url, action="handoff.specialist_override")[-1]
    assert event.detail == {"from": "spine_surgery", "to": "podiatry", "override_id": override.id}
    # the queue follows the new specialist
    queue = client.get("/queue?specialist=podiatry").get_data(as_text=True)
    assert {n for _, n in queue_order(queue)} == {"Grace Kim", "Ana María Núñez"}
    assert "chip-changed" in queue
    assert "Ana María Núñez" not in client.get("/queue?specialist=spine_surgery").get_data(True)


def test_retry_failed_delivery(client, staff_env):
    login(client, "frontdesk")
    hid = staff_env.handoffs["heel"]
    page = f"/handoffs/{hid}"
    html = client.get(page).get_data(as_text=True)
    assert "Retry delivery now" in html and "HTTP 503 from appointment system" in html
    response = post_form(client, f"{page}/retry", {}, page=page, follow=True)
    assert "Delivery queued" in response.get_data(as_text=True)
    with session_scope(staff_env.database_url) as db:
        assert get_outbox(db, hid).status == "pending"
    event = audit_rows(staff_env.database_url, action="outbox.requeue")[-1]
    assert (event.actor, event.target_id, event.detail["from"]) == ("frontdesk", hid, "failed")


def test_export_json_returns_the_stored_bytes(client, staff_env):
    login(client, "frontdesk")
    hid = staff_env.handoffs["sciatica"]
    response = client.get(f"/handoffs/{hid}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f'filename="handoff-{hid}.json"' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    with session_scope(staff_env.database_url) as db:
        assert response.data == get_handoff(db, hid).payload.encode("utf-8")
    event = audit_rows(staff_env.database_url, action="handoff.export")[-1]
    assert (event.target_id, event.detail) == (hid, {"format": "json"})


def test_export_fhir_without_the_module_says_so(client, staff_env, monkeypatch):
    def missing():
        raise ModuleNotFoundError("No module named 'bot.handoff.fhir'", name="bot.handoff.fhir")

    monkeypatch.setattr(views, "_fhir_builder", missing)
    login(client, "frontdesk")
    hid = staff_env.handoffs["sciatica"]
    response = client.get(f"/handoffs/{hid}/export.fhir.json", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "FHIR export is not available in this version yet" in html
    event = audit_rows(staff_env.database_url, target_id=hid)[-2]  # before the page view
    assert event.action == "handoff.export_unavailable" and event.detail == {"format": "fhir"}


def test_export_fhir_uses_the_builder(client, staff_env, monkeypatch):
    seen = {}

    def builder():
        def build_bundle(payload):
            seen["payload"] = payload
            return {"resourceType": "Bundle", "type": "transaction", "entry": []}
        return build_bundle

    monkeypatch.setattr(views, "_fhir_builder", builder)
    login(client, "frontdesk")
    hid = staff_env.handoffs["sciatica"]
    response = client.get(f"/handoffs/{hid}/export.fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert json.loads(response.data)["resourceType"] == "Bundle"
    assert seen["payload"]["handoff_id"] == hid
    assert audit_rows(staff_env.database_url, action="handoff.export")[-1].detail == {
        "format": "fhir"}


def test_export_fhir_prefers_the_bundle_in_the_payload(client, staff_env, monkeypatch):
    hid = staff_env.handoffs["chronic"]
    bundle = {"resourceType": "Bundle", "type": "transaction", "id": "stored"}
    with session_scope(staff_env.database_url) as db:
        handoff = get_handoff(db, hid)
        payload = json.loads(handoff.payload)
        payload["fhir"] = bundle
        handoff.payload = json.dumps(payload)
    monkeypatch.setattr(views, "_fhir_builder", lambda: pytest.fail("builder must not run"))
    login(client, "frontdesk")
    response = client.get(f"/handoffs/{hid}/export.fhir.json")
    assert json.loads(response.data) == bundle


def test_real_fhir_module_or_a_clear_message(client, staff_env):
    """Whatever state bot.handoff.fhir is in, the export never fails with a 500."""
    login(client, "frontdesk")
    hid = staff_env.handoffs["emergency"]
    response = client.get(f"/handoffs/{hid}/export.fhir.json", follow_redirects=True)
    assert response.status_code == 200
    if response.mimetype == "text/html":
        assert "FHIR" in response.get_data(as_text=True)
    else:
        assert json.loads(response.data)["resourceType"] == "Bundle"


# -- the audit trail ---------------------------------------------------------------
def test_every_view_export_and_change_is_audited(client, staff_env):
    login(client, "clinician")
    hid = staff_env.handoffs["sciatica"]
    failed = staff_env.handoffs["heel"]
    page = f"/handoffs/{hid}"
    client.get("/queue")
    client.get(page)
    client.get(f"{page}/export.json")
    post_form(client, f"{page}/status", {"status": "reviewed"}, page=page)
    post_form(client, f"{page}/notes", {"text": "note"}, page=page)
    post_form(client, f"{page}/specialist", {"specialist": "podiatry", "reason": "local foot"},
              page=page)
    post_form(client, f"/handoffs/{failed}/retry", {}, page=page)
    actions = [e.action for e in audit_rows(staff_env.database_url, actor="clinician")]
    for action in ("auth.login", "queue.view", "handoff.view", "handoff.export",
                   "handoff.review_status", "handoff.note_added", "handoff.specialist_override",
                   "outbox.requeue"):
        assert action in actions, action
    for event in audit_rows(staff_env.database_url):
        assert event.remote_addr in ("127.0.0.1", None)
        text = json.dumps(event.detail or {})
        for value in patient_values(staff_env):
            assert value not in text, (event.action, value)


def test_audit_page_filters_by_actor_action_and_date(client, staff_env):
    other = client.application.test_client()
    login(other, "frontdesk")
    other.get("/queue")
    login(client, "admin")
    html = client.get("/audit?actor=frontdesk").get_data(as_text=True)
    actions = re.findall(r'<tr data-action="([^"]+)"', html)
    assert set(actions) == {"auth.login", "queue.view"}
    html = client.get("/audit?action=queue.view").get_data(as_text=True)
    assert set(re.findall(r'<tr data-action="([^"]+)"', html)) == {"queue.view"}
    assert "127.0.0.1" in html
    today = datetime.now(timezone.utc).astimezone(ZoneInfo("America/New_York")).date()
    assert re.findall(r'<tr data-action=', client.get(f"/audit?from={today}").get_data(True))
    assert not re.findall(r'<tr data-action=',
                          client.get(f"/audit?to={today - timedelta(days=10)}").get_data(True))
    assert audit_rows(staff_env.database_url, action="audit.view")[-1].actor == "admin"


def test_application_logs_carry_no_patient_data(client, staff_env, caplog, monkeypatch):
    monkeypatch.setattr(views, "_fhir_builder", lambda: (_ for _ in ()).throw(
        ModuleNotFoundError("x", name="bot.handoff.fhir")))
    caplog.set_level(logging.DEBUG)
    login(client, "clinician")
    hid = staff_env.handoffs["sciatica"]
    page = f"/handoffs/{hid}"
    get_queue(client, "q=N%C3%BA%C3%B1ez")
    client.get(page)
    client.get(f"{page}/export.json")
    client.get(f"{page}/export.fhir.json")
    post_form(client, f"{page}/specialist", {"specialist": "podiatry", "reason": "Ana's foot"},
              page=page)
    post_form(client, f"{page}/notes", {"text": "Ana called back"}, page=page)
    login(client.application.test_client(), "clinician", "Ana María Núñez wrong pw")
    logged = caplog.text
    for value in patient_values(staff_env) | {"Ana's foot", "Ana called back"}:
        assert value not in logged, value


def test_every_seeded_handoff_page_renders(client, staff_env):
    login(client, "admin")
    for key, hid in staff_env.handoffs.items():
        response = client.get(f"/handoffs/{hid}")
        assert response.status_code == 200, key
        html = response.get_data(as_text=True)
        assert staff_env.names[key] in html
        assert 'id="where"' in html and "<svg" in html
    closed = client.get(f"/handoffs/{staff_env.handoffs['closed_911']}").get_data(as_text=True)
    assert "EMERGENCY: the patient was told to call 911 now" in closed
    assert "Call 911 now" in closed and "Reopen as new" in closed
    assert re.search(r'data-zone="sole\.outline\.left" data-layers="pain"', closed)
