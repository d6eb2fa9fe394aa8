"""The Rasa domain and bot/intake/questions.py describe the same questions."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.intake.questions import QUESTIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    merged = {"responses": {}, "slots": {}, "forms": {}, "actions": []}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text())
        for key in ("responses", "slots", "forms"):
            merged[key].update(part.get(key) or {})
        merged["actions"] += part.get("actions") or []
    return merged


def test_every_question_is_a_form_slot_and_is_asked(domain):
    required = domain["forms"]["intake_form"]["required_slots"]
    assert required == [q.id for q in QUESTIONS]
    for question in QUESTIONS:
        assert question.id in domain["slots"]
        mapping = domain["slots"][question.id]["mappings"][0]
        assert mapping["conditions"] == [{"active_loop": "intake_form", "requested_slot": question.id}]
        asked = f"utter_ask_{question.id}" in domain["responses"] or \
            f"action_ask_{question.id}" in domain["actions"]
        assert asked, question.id


def test_buttons_match_question_options(domain):
    for question in QUESTIONS:
        if not question.options:
            continue
        buttons = domain["responses"][f"utter_ask_{question.id}"][0]["buttons"]
        payloads = [json.loads(re.sub(r"^/choose", "", b["payload"]).replace("{{", "{").replace("}}", "}"))["option"]
                    for b in buttons]
        assert payloads == [o.code for o in question.options]
        assert [b["title"] for b in buttons] == [o.title for o in question.options]


def test_every_response_the_dialogue_sends_exists(domain):
    source = (ROOT / "bot" / "intake" / "dialogue.py").read_text()
    names = set(re.findall(r'Reply\("(utter_\w+)"', source))
    names |= {f"utter_hint_{q.kind}" for q in QUESTIONS if q.kind not in ("confirm",)}
    names |= {f"utter_input_{p}" for p in ("empty", "no_words", "other_language", "gibberish")}
    names |= {"utter_hint_dob_in_future", "utter_hint_dob_too_old"}
    missing = sorted(n for n in names if n not in domain["responses"])
    assert not missing


def test_question_texts_are_distinct(domain):
    texts = [domain["responses"][f"utter_ask_{q.id}"][0]["text"] for q in QUESTIONS if q.id != "q_confirm"]
    assert len(texts) == len(set(texts))


def test_a_returning_patient_gets_a_clean_session_after_a_day():
    core = yaml.safe_load((ROOT / "domain" / "core.yml").read_text())
    assert core["session_config"] == {"session_expiration_time": 1440,
                                      "carry_over_slots_to_new_session": False}
