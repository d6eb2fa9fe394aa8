"""A trained assistant, its action server and a fresh app database, once per test run."""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml

from tests.servers import Stack, running_stack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def _question_texts() -> Dict[str, str]:
    responses = yaml.safe_load((ROOT / "domain" / "questions.yml").read_text())["responses"]
    return {variants[0]["text"]: name.replace("utter_ask_", "") for name, variants in responses.items()}


QUESTION_TEXTS = _question_texts()
CONFIRM_PROMPT = "Is this right?"

# Answers a patient with a simple problem would give; scenarios override what matters.
DEFAULT_ANSWERS = {
    "q_complaint": "my back hurts",
    "q_location": "lower back",
    "q_rf_911": "none of these",
    "q_rf_cauda": "none",
    "q_rf_neuro": "no",
    "q_rf_fever": "no",
    "q_rf_infection_risk": "none of these",
    "q_rf_trauma": "no accident or fall",
    "q_rf_bone": "neither",
    "q_rf_serious": "none of these",
    "q_diabetes": "no",
    "q_foot_skin": "none of these",
    "q_foot_fever": "no",
    "q_side": "left",
    "q_radiation": "no",
    "q_radiation_to": "to the calf",
    "q_numbness": "no",
    "q_numbness_sites": "top of my foot",
    "q_weakness": "no",
    "q_weakness_course": "new but not getting worse",
    "q_gait": "walking is normal",
    "q_heel_walk": "yes I can",
    "q_toe_walk": "yes",
    "q_peroneal": "neither",
    "q_foot_features": "something else",
    "q_foot_mechanics": "none of these",
    "q_severity": "5",
    "q_pain_control": "yes",
    "q_onset": "gradually",
    "q_duration": "2 weeks",
    "q_cause": "nothing I know of",
    "q_injury_detail": "none of these",
    "q_prior_care": "nothing yet",
    "q_spine_surgery": "no",
    "q_name": "Maria Lopez",
    "q_dob": "03/14/1990",
    "q_phone": "(201) 555-0123",
    "q_email": "maria@example.com",
    "q_visit": "in person",
    "q_confirm": "yes",
}


def asked_question(messages: List[dict]) -> Optional[str]:
    for message in reversed(messages):
        text = message.get("text") or ""
        if text == CONFIRM_PROMPT:
            return "q_confirm"
        if text in QUESTION_TEXTS:
            return QUESTION_TEXTS[text]
    return None


class Patient:
    def __init__(self, stack: Stack, name: str) -> None:
        self.stack = stack
        self.sender = f"{name}-{uuid.uuid4().hex[:8]}"
        self.transcript: List[tuple] = []
        self.asked: List[str] = []
        self.last: List[dict] = []

    def say(self, text: str) -> List[dict]:
        self.last = self.stack.say(self.sender, text)
        self.transcript.append((text, [m.get("text") for m in self.last]))
        return self.last

    @property
    def last_text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.last)

    def question(self) -> Optional[str]:
        return asked_question(self.last)

    def answer_all(self, answers: Optional[Dict[str, object]] = None, max_turns: int = 60) -> None:
        """Answer every question as it comes, until the assistant stops asking.
        A scenario answer may be a list: said in turn on repeated asks."""
        answers = dict(answers or {})
        for _ in range(max_turns):
            qid = self.question()
            if qid is None:
                return
            self.asked.append(qid)
            answer = answers.get(qid, DEFAULT_ANSWERS[qid])
            if isinstance(answer, list):
                answer = answer.pop(0) if len(answer) > 1 else answer[0]
            self.say(answer)
        raise AssertionError(f"intake did not finish: {self.transcript[-5:]}")

    def handoff(self) -> dict:
        from bot.store import list_handoffs, session_scope
        from bot.store.engine import get_engine

        engine = get_engine(self.stack.database_url)
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            rows = [h for h in list_handoffs(session) if h.conversation_id == self.sender]
            assert len(rows) == 1, f"expected one handoff for {self.sender}, found {len(rows)}"
            payload = rows[0].payload
            return json.loads(payload) if isinstance(payload, str) else payload

    def has_no_handoff(self) -> bool:
        from bot.store import list_handoffs
        from bot.store.engine import get_engine
        from sqlalchemy.orm import Session

        with Session(get_engine(self.stack.database_url)) as session:
            return not [h for h in list_handoffs(session) if h.conversation_id == self.sender]


@pytest.fixture
def patient(stack, request) -> Patient:
    return Patient(stack, request.node.name.replace("[", "-").replace("]", "")[:40])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    patient_obj = item.funcargs.get("patient") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and patient_obj is not None:
        lines = [f"asked: {patient_obj.asked}"]
        for said, replies in patient_obj.transcript:
            lines.append(f"PATIENT: {said[:200]}")
            lines.extend(f"    BOT: {(r or '')[:200]}" for r in replies)
        report.sections.append(("conversation", "\n".join(lines)))
