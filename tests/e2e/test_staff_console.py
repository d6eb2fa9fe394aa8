"""The staff console in a real browser (headless Debian Chromium via Playwright) against
``python -m bot.staff serve`` (waitress) in a subprocess, on SQLite and on PostgreSQL,
with handoffs built from intake records and transcripts written by Rasa's tracker store.

Screenshots go to test-artifacts/ (queue, handoff pages, audit log, tablet width).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.staff_fixtures import (  # noqa: F401  (pytest fixtures)
    PASSWORD,
    ROOT,
    browser,
    console,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ARTIFACTS = ROOT / "test-artifacts"


def shot(page, name: str, suffix: str, **kwargs) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}{suffix}.png"
    page.screenshot(path=str(path), **kwargs)
    return path


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/queue")
    assert "/login" in page.url  # nothing without signing in
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue$"))


def sign_out(page) -> None:
    page.click("header.topbar form button")
    page.wait_for_url(re.compile(r".*/login\?signed_out=1$"))


def test_staff_console_end_to_end(browser, console, request):
    suffix = "" if "sqlite" in request.node.callspec.id else "-postgres"
    base = console.url
    seeded = console.seeded
    emergency_id = seeded.handoffs["emergency"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    # -- sign in, find the emergency at the top ----------------------------------------
    sign_in(page, base, "clinician")
    pinned = page.locator("#emergencies")
    assert pinned.is_visible()
    assert "Emergencies: follow up now (1)" in pinned.locator("h2").inner_text()
    first_row = page.locator("table.queue tbody tr").first
    assert first_row.get_attribute("data-urgency") == "emergency_ed"
    assert "Robert Stone" in first_row.inner_text()
    assert "EMERGENCY ED" in first_row.locator(".badge").inner_text()
    assert first_row.locator(".badge svg.icon-alert").count() == 1  # an icon, not colour alone
    order = page.locator("table.queue tbody tr").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-urgency'))")
    assert order == ["emergency_ed", "urgent_24h", "routine", "routine"]
    failed = page.locator("#failed-deliveries")
    assert "1 failed delivery" in failed.inner_text()
    assert failed.get_attribute("href") == "/queue?status=failed"
    shot(page, "staff-queue", suffix, full_page=True)

    # search narrows the queue
    page.fill("#f-q", "núñez")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue\?.*s=1.*"))
    assert "ez" not in page.url  # the name is posted, never put in the address
    assert page.locator("table.queue tbody tr").count() == 1
    assert "Ana María Núñez" in page.locator("table.queue").inner_text()
    page.goto(base + "/queue")

    # -- open it (a click anywhere on the row) ------------------------------------------
    page.locator("table.queue tbody tr").first.locator(".quote").click()
    page.wait_for_url(f"**/handoffs/{emergency_id}")
    banner = page.locator("#urgency-banner")
    banner_text = banner.inner_text()
    assert "EMERGENCY: the patient was told to go to the emergency department now" in banner_text
    assert "I can't feel anything down there" in banner_text
    assert "Please go to the nearest emergency department now" in banner_text
    assert "(201) 555-0111" in page.locator("#contact").inner_text()

    # -- the transcript: collapsed, then read ------------------------------------------
    transcript = page.locator("details.transcript")
    assert transcript.get_attribute("open") is None
    assert not page.get_by_text("ok going now").is_visible()
    page.click("details.transcript summary")
    assert page.get_by_text("ok going now").is_visible()
    messages = page.locator(".chat .msg").all_inner_texts()
    assert len(messages) == 4 and "Patient" in messages[1] and "Assistant" in messages[0]
    shot(page, "staff-handoff-emergency", suffix, full_page=True)

    # -- change the specialist: a reason is required -----------------------------------
    page.click("#change-specialist summary")
    page.select_option("#new-specialist", "spine_surgery")
    page.click("#change-specialist button[type=submit]")  # empty reason: the browser says no
    assert page.url.endswith(f"/handoffs/{emergency_id}")
    assert page.locator("#override-note").count() == 0
    # the server checks too, even without the browser's help
    page.evaluate("document.getElementById('reason').removeAttribute('required');"
                  "document.getElementById('reason').removeAttribute('minlength');")
    page.fill("#reason", "   ")
    page.click("#change-specialist button[type=submit]")
    page.wait_for_load_state()
    assert "Give a reason for the change" in page.locator(".flash-error").inner_text()
    assert page.locator("#override-note").count() == 0
    page.click("#change-specialist summary")
    page.select_option("#new-specialist", "spine_surgery")
    page.fill("#reason", "Seen in the ED today; needs spine follow-up this week")
    page.click("#change-specialist button[type=submit]")
    page.wait_for_selector("#override-note")
    note = page.locator("#override-note").inner_text()
    assert "Changed by clinician" in note and "needs spine follow-up this week" in note
    assert "Spine surgery" in page.locator("#specialist .lead").inner_text()

    # mark it reviewed, add a note
    page.click("button[name=status][value=reviewed]")
    page.wait_for_selector("button[name=status][value=reviewed][aria-pressed=true]")
    page.fill("#note-text", "Called patient: at the ED now")
    page.click("#notes button[type=submit]")
    page.wait_for_selector("text=Called patient: at the ED now")
    history = page.locator("#history").inner_text()
    assert "marked it reviewed" in history and "changed the specialist to Spine surgery" in history

    # exports download the stored payload and a FHIR bundle (or a clear message)
    with page.expect_download() as download_info:
        page.click("#export a[href$='export.json']")
    download = download_info.value
    assert download.suggested_filename == f"handoff-{emergency_id}.json"
    assert Path(download.path()).read_text(encoding="utf-8").startswith('{"schema_version":"1"')

    # another handoff: the body diagram and the nerve-root hint
    page.goto(base + f"/handoffs/{seeded.handoffs['sciatica']}")
    assert page.locator('[data-zone="back.lower_back."][data-layers="pain"]').count() == 1
    assert page.locator('[data-zone="top.top_of_foot.left"][data-layers="numbness"]').count() == 1
    assert "hint for clinicians, not a diagnosis" in page.locator("#nerve-root").inner_text()
    shot(page, "staff-handoff", suffix, full_page=True)
    page.locator("#where").screenshot(path=str(ARTIFACTS / f"staff-body-diagram{suffix}.png"))
    sign_out(page)

    # -- front desk: no audit log ------------------------------------------------------
    sign_in(page, base, "frontdesk")
    response = page.goto(base + "/audit")
    assert response.status == 403 and "Not allowed" in page.content()
    problems.remove("Failed to load resource: the server responded with a status of 403 "
                    "(FORBIDDEN)")  # Chromium reports the refused page itself
    # a tablet in portrait
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(base + "/queue")
    shot(page, "staff-queue-tablet", suffix, full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_out(page)

    # -- admin: the audit trail of all that ---------------------------------------------
    sign_in(page, base, "admin")
    page.goto(base + "/audit?actor=clinician")
    actions = page.locator("table.audit tbody tr").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-action'))")
    for action in ("auth.login", "queue.view", "handoff.view", "handoff.specialist_override",
                   "handoff.review_status", "handoff.note_added", "handoff.export", "auth.logout"):
        assert action in actions, action
    override_row = page.locator("table.audit tbody tr[data-action='handoff.specialist_override']")
    row_text = override_row.first.inner_text()
    assert "to: spine_surgery" in row_text and "127.0.0.1" in row_text
    assert "needs spine follow-up" not in page.content()  # reasons stay out of the audit log
    page.select_option("#f-action", "handoff.view")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*action=handoff.view.*"))
    assert set(page.locator("table.audit tbody tr").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-action'))")) == {"handoff.view"}
    page.goto(base + "/audit")
    shot(page, "staff-audit", suffix, full_page=False)

    # no CSP violation, script error or failed asset anywhere on the way
    assert problems == [], problems
    # the server log names ids, never patients
    log = console.log_path.read_text()
    for name in seeded.names.values():
        assert name not in log
    context.close()
