"""The patient chat page end to end: headless Debian Chromium, the page server (bot/web),
its socket.io proxy, the real rasa and action servers, and the app database.

Chromium: Debian's /usr/bin/chromium (apt-get install -y chromium); axe-core is
injected from bot/web/node_modules (npm ci --prefix bot/web). Screenshots go to
test-artifacts/.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from tests.conversations.conftest import CONFIRM_PROMPT, DEFAULT_ANSWERS, QUESTION_TEXTS
from tests.e2e.channel_fixtures import channel_stack, handoffs_for  # noqa: F401

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "bot" / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
QUESTIONS = dict(QUESTION_TEXTS, **{CONFIRM_PROMPT: "q_confirm"})


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(channel_stack) -> str:
    return channel_stack.start_web()


class ChatPage:
    """A patient in a browser tab: reads the widget, answers by typing or with buttons."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        self.errors: List[str] = []
        self.turn_start = 0  # index of the first bot message of the latest turn
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def open(self) -> "ChatPage":
        self.page.goto(self.url)
        self.page.wait_for_selector(".rw-response", timeout=60_000)
        self.settle()
        return self

    def responses(self) -> List[str]:
        return self.page.locator(".rw-response").all_inner_texts()

    def settle(self, before: int = -1, timeout: float = 60) -> None:
        """Wait for the bot's answer: more bot messages than before, then a quiet spell."""
        deadline = time.monotonic() + timeout
        count = len(self.responses())
        while count <= before and time.monotonic() < deadline:
            time.sleep(0.1)
            count = len(self.responses())
        assert count > before, f"no reply: {self.responses()[-3:]}"
        self.turn_start = max(before, 0)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 1.2 and time.monotonic() < deadline:
            time.sleep(0.15)
            now = len(self.responses())
            if now != count:
                count, quiet_since = now, time.monotonic()

    def question(self) -> Optional[str]:
        """The question of the latest turn, if it asked one."""
        for text in reversed(self.responses()[self.turn_start:]):
            text = text.strip()
            if text in QUESTIONS:
                return QUESTIONS[text]
        return None

    def buttons(self):
        return self.page.locator(".rw-reply")

    def button_titles(self) -> List[str]:
        return [t.strip() for t in self.buttons().all_inner_texts()]

    def type(self, text: str) -> None:
        before = len(self.responses())
        field = self.page.locator(".rw-new-message")
        field.fill(text)
        field.press("Enter")
        self.settle(before)

    def click(self, title: str) -> None:
        before = len(self.responses())
        self.buttons().filter(has_text=title).first.click()
        self.settle(before)

    def press(self, title: str) -> None:
        """Choose a button with the keyboard only: Tab from the message field back to it."""
        before = len(self.responses())
        titles = self.button_titles()
        index = titles.index(title)
        self.page.locator(".rw-new-message").focus()
        for _ in range(len(titles) - index):
            self.page.keyboard.press("Shift+Tab")
        focused = self.page.evaluate("document.activeElement.textContent")
        assert focused.strip() == title, f"keyboard focus is on {focused!r}"
        self.page.keyboard.press("Enter")
        self.settle(before)
        # the chosen button disappears; the focus stays in the chat
        assert self.page.evaluate("document.activeElement.classList.contains('rw-new-message')")

    def answer(self, qid: str, answers: Dict[str, str], how: str) -> None:
        answer = answers[qid]
        titles = {t.lower(): t for t in self.button_titles()}
        title = titles.get(answer.lower())
        if title is None and answer.lower() in ("yes", "no"):
            title = next((t for low, t in titles.items() if low.split(",")[0] == answer), None)
        if title and how == "click":
            self.click(title)
        elif title and how == "keyboard":
            self.press(title)
        else:
            self.type(answer)

    def session_id(self) -> str:
        stored = self.page.evaluate("sessionStorage.getItem('chat_session')")
        return json.loads(stored)["session_id"]

    def shot(self, name: str, selector: Optional[str] = None) -> Path:
        """A screenshot of the window, or of one element (the chat panel on a phone)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.mouse.move(0, 0)  # no hover effect in the picture
        if selector:
            self.page.locator(selector).screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path))
        return path


def run_axe(page) -> List[dict]:
    """axe-core from node_modules, evaluated in the page (the page's CSP forbids an
    injected <script>, rightly)."""
    assert AXE.exists(), "npm ci --prefix bot/web"
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def test_intake_by_typing_and_buttons_survives_a_reload(browser, site, channel_stack):
    context = browser.new_context(viewport=DESKTOP)
    chat = ChatPage(context.new_page(), site).open()
    assert chat.question() == "q_complaint"
    assert "not for emergencies" in " ".join(chat.responses())
    chat.shot("web-desktop-start.png")
    chat.type("my lower back hurts and it shoots down my left leg")

    answers = dict(DEFAULT_ANSWERS, q_radiation="yes")
    ways = ["click", "keyboard", "type"]
    asked: List[str] = []
    reloaded = False
    for turn in range(60):
        qid = chat.question()
        if qid is None:
            break
        asked.append(qid)
        if qid == "q_rf_fever":
            chat.shot("web-desktop-buttons.png")
        if len(asked) == 6 and not reloaded:
            # Reload in the middle: the same conversation comes back and carries on.
            shown = chat.responses()
            session = chat.session_id()
            chat.page.reload()
            chat.page.wait_for_selector(".rw-response", timeout=60_000)
            chat.page.wait_for_timeout(1500)
            assert chat.session_id() == session
            assert chat.responses()[: len(shown)] == shown
            assert chat.question() == qid
            chat.shot("web-desktop-after-reload.png")
            reloaded = True
        if qid == "q_confirm":
            chat.shot("web-desktop-summary.png")
        chat.answer(qid, answers, ways[turn % len(ways)])
    else:
        pytest.fail(f"intake did not finish: {chat.responses()[-4:]}")
    assert reloaded and "q_confirm" in asked
    assert "q_phone" in asked  # the web has no number of its own: asked
    chat.shot("web-desktop-done.png")
    assert any("Thank you" in r for r in chat.responses()[-4:])
    assert not chat.errors, chat.errors

    [payload] = handoffs_for(channel_stack.database_url, chat.session_id())
    assert payload["channel"] == "web"
    assert payload["patient"]["name"] == "Maria Lopez"
    assert payload["patient"]["phone"] == "+12015550123"
    context.close()


def test_emergency_message_shows_a_banner_that_stays(browser, site):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    chat = ChatPage(context.new_page(), site).open()
    banner = chat.page.locator("#emergency")
    assert banner.get_attribute("role") == "alert"
    assert banner.inner_text().strip() == ""
    chat.type("my lower back hurts")
    assert chat.question() == "q_rf_911"
    chat.shot("web-phone-buttons.png", ".chat-panel")
    chat.click("I fainted or collapsed")
    text = banner.inner_text()
    assert "Call 911 now" in text
    assert banner.locator("a[href='tel:911']").is_visible()
    assert any("Call 911 now" in r for r in chat.responses())  # plainly in the chat too
    chat.page.locator(".chat-panel").scroll_into_view_if_needed()
    chat.shot("web-phone-emergency.png")
    # it stays at the top while the page scrolls, and after a reload
    chat.page.mouse.wheel(0, 2000)
    chat.page.wait_for_timeout(300)
    assert banner.bounding_box()["y"] <= 1
    chat.shot("web-phone-emergency-scrolled.png")
    chat.page.reload()
    chat.page.wait_for_selector(".rw-response", timeout=60_000)
    assert "Call 911 now" in banner.inner_text()
    assert not chat.errors, chat.errors
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_page_passes_axe_and_works_by_keyboard(browser, site, viewport):
    context = browser.new_context(viewport=viewport)
    chat = ChatPage(context.new_page(), site).open()
    chat.type("my heel hurts")
    assert chat.button_titles()  # a question with buttons is showing
    violations = run_axe(chat.page)
    assert violations == [], json.dumps(violations, indent=1)

    page = chat.page
    page.reload()  # start from the top of the page, the conversation restored
    page.wait_for_selector(".rw-reply", timeout=60_000)
    page.wait_for_timeout(500)
    # Keyboard only: the skip link, then into the chat, to a button and the message field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to the chat"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "chat-heading"
    roles = []
    for _ in range(40):
        page.keyboard.press("Tab")
        roles.append(page.evaluate(
            "[document.activeElement.getAttribute('role'), document.activeElement.className,"
            " document.activeElement.getAttribute('aria-label')]"))
        if roles[-1][1] and "rw-new-message" in roles[-1][1]:
            break
    assert ["log", "rw-messages-container", "Conversation"] in roles
    assert any(r[0] == "button" and "rw-reply" in r[1] for r in roles)
    assert roles[-1] == [None, "rw-new-message", "Your message"]
    # the focused field shows where the focus is
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # nothing is wider than a phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()


def test_page_server_proxies_only_socket_io(site):
    """Polling and WebSocket both reach rasa's socket.io through the page server; the
    REST channel and the rasa HTTP API do not."""
    import asyncio
    import concurrent.futures

    import aiohttp
    import requests

    handshake = requests.get(f"{site}/socket.io/?EIO=4&transport=polling", timeout=30)
    assert handshake.status_code == 200 and handshake.text.startswith("0{")
    assert json.loads(handshake.text[1:])["sid"]

    async def websocket_open_packet() -> str:
        ws_url = site.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_url, timeout=30) as ws:
                return (await ws.receive(timeout=30)).data

    # in a thread of its own: Playwright's sync API keeps an event loop on this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        packet = pool.submit(asyncio.run, websocket_open_packet()).result(timeout=60)
    assert packet.startswith("0{")
    for path in ("/webhooks/rest/webhook", "/model/parse", "/conversations/x/tracker", "/version"):
        assert requests.post(site + path, json={"sender": "x", "message": "hi"},
                             timeout=10).status_code in (404, 405)
    page = requests.get(site + "/", timeout=10)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Oasis Orthopedic &amp; Spine" in page.text
    for provider in ("Anissa Hashemi, DPM", "Keith Johnson, MD", "Sujal Patel, MD",
                     "Ralph Wheeler, MD"):
        assert provider in page.text
    assert "Hackensack, NJ" in page.text and "New York, NY" in page.text
    assert "telehealth" in page.text.lower() and "(201) 555-0142" in page.text
    widget = requests.get(site + "/vendor/rasa-webchat.js", timeout=10)
    assert widget.status_code == 200 and "WebChat" in widget.text[:400]


def test_page_is_rendered_from_the_clinic_file(tmp_path):
    """Another clinic edits data/clinic.yml only: its page shows its own facts."""
    import yaml

    from bot.clinic import Clinic, validate_clinic
    from bot.web.page import render_page

    data = yaml.safe_load((ROOT / "data" / "clinic.yml").read_text())
    data.update(name="Lakeside Foot & Spine", short_name="Lakeside", phone="(312) 555-0199",
                phone_e164="+13125550199", website="https://lakeside.example",
                offices=[{"name": "Lakeside, Chicago", "address": "1 Lake St, Chicago, IL 60601",
                          "state": "IL"}])
    data["providers"][0]["name"] = "Dana Smith"
    validate_clinic(data)
    html = render_page(Clinic(data))
    assert "Lakeside Foot &amp; Spine" in html and 'href="tel:+13125550199"' in html
    assert "(312) 555-0199" in html and "Dana Smith, DPM" in html
    assert "1 Lake St, Chicago, IL 60601" in html and "Oasis" not in html
