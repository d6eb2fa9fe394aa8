"""Finishing an intake: triage, the handoff payload, storage, and what the patient is told."""
from __future__ import annotations

import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional

from bot import codes
from bot.clinic import Clinic, load_clinic
from bot.intake.record import IntakeRecord
from bot.intake.summary import summary_text

log = logging.getLogger(__name__)

# Words that would tell the patient a diagnosis or a nerve root: staff-only.
_STAFF_ONLY = re.compile(r"\b(L[345]|S1|radiculopathy|palsy|neuropathy|cauda equina|"
                         r"rupture|fracture|dermatom\w*|root)\b", re.I)


@dataclass
class Outcome:
    messages: List[Dict[str, Any]] = field(default_factory=list)  # {"text": ...} for the patient
    handoff_id: Optional[str] = None
    urgency: Optional[str] = None
    specialist: Optional[str] = None


def channel_from_input(input_channel: Optional[str]) -> str:
    """Map Rasa's input channel name to the contract's channel code."""
    name = (input_channel or "").lower()
    if name in ("socketio", "web"):
        return "web"
    if "sms" in name or "twilio" in name:
        return "sms"
    return "rest"


def transcript_url(handoff_id: str) -> Optional[str]:
    base = os.environ.get("STAFF_CONSOLE_URL", "http://localhost:8000")
    return f"{base.rstrip('/')}/handoffs/{handoff_id}" if base else None


def free_text_emergency(text: str, today: Optional[date] = None) -> Optional[str]:
    """The emergency urgency that a message alone calls for, if any ("chest pain and I
    can't breathe" outside the intake); the intake form runs the same check on its record."""
    from bot.intake.dialogue import merge_extraction
    from bot.nlp import extract
    from bot.triage import emergency_urgency

    record = IntakeRecord()
    merge_extraction(record, extract(text, today=today))
    return emergency_urgency(record, today=today)


def patient_reasons(reasons: List[str], visit_reason: str = "") -> List[str]:
    """The reasons a patient may read: about their own problem, no diagnosis or nerve
    root, and not the generic line that explains the visit type."""
    return [r for r in reasons
            if not _STAFF_ONLY.search(r) and not r.startswith("In person") and r != visit_reason]


def result_messages(triage: Dict[str, Any], clinic: Clinic) -> List[Dict[str, Any]]:
    """What the patient reads at the end: never a diagnosis or a nerve root."""
    urgency = triage["urgency"]
    if urgency in codes.EMERGENCY_URGENCIES:
        return [{"text": clinic.data[urgency], "emergency": True}]
    specialist = triage["specialist"]
    messages: List[Dict[str, Any]] = []
    if specialist == "staff_review" or not clinic.provider_for(specialist):
        messages.append({"text": "Thank you. " + clinic.next_steps["staff_review"]})
        return messages
    provider = clinic.provider_line(specialist)
    text = f"Thank you. Based on your answers, we suggest a visit with {provider}"
    visit = triage.get("visit")
    if visit == "telehealth_ok":
        text += ". A telehealth (video) visit is fine for a first consultation."
    else:
        text += ", in person."
    reasons = patient_reasons(triage.get("reasons") or [])
    if reasons:
        text += " Why: " + "; ".join(r.rstrip(".") for r in reasons[:3]) + "."
    messages.append({"text": text})
    if specialist in ("spine_surgery", "pain_management"):
        messages.append({"text": clinic.conservative_care})
    key = "urgent_24h" if urgency == "urgent_24h" else "routine"
    messages.append({"text": clinic.next_steps[key] + " This is a suggestion, not a diagnosis."})
    return messages


def complete_intake(record: IntakeRecord, *, conversation_id: str, channel: str,
                    emergency: Optional[str] = None, today: Optional[date] = None,
                    clinic: Optional[Clinic] = None, session_factory=None) -> Outcome:
    """Triage the record, build and store its handoff (with its outbox row), and return
    what to tell the patient. Called once per intake: on confirmation, or at once on
    an emergency."""
    from bot.handoff.fhir import attach_fhir
    from bot.handoff.payload import build_payload
    from bot.handoff.schema import validate_payload
    from bot.store import save_handoff, session_scope
    from bot.triage import triage as run_triage

    clinic = clinic or load_clinic()
    result = run_triage(record, today=today).to_dict()
    if emergency and result["urgency"] not in codes.EMERGENCY_URGENCIES:
        # The per-message check saw an emergency; the full triage must agree.
        log.warning("emergency check and triage disagree", extra={"urgency": result["urgency"]})
    provider = clinic.provider_for(result.get("specialist"))
    result["provider"] = (
        {"name": provider["name"], "credentials": provider["credentials"]} if provider else None)
    handoff_id = str(uuid.uuid4())
    payload = build_payload(
        record, result, conversation_id=conversation_id, channel=channel,
        summary_text=summary_text(record), transcript_url=transcript_url(handoff_id),
        provider=result["provider"], handoff_id=handoff_id)
    attach_fhir(payload)  # the FHIR R4 transaction Bundle travels inside the contract body
    try:
        validate_payload(payload)
    except ValueError:
        # A bug, caught by the tests; but an emergency handoff must reach staff anyway.
        log.exception("handoff payload does not match the contract")
        if result["urgency"] not in codes.EMERGENCY_URGENCIES:
            raise
    scope = session_factory or session_scope
    with scope() as session:
        save_handoff(session, record_dict=record.to_dict(), payload=payload,
                     conversation_id=conversation_id, channel=channel,
                     urgency=result["urgency"], specialist=result["specialist"])
    log.info("intake handed off", extra={"handoff_id": handoff_id, "urgency": result["urgency"],
                                          "specialist": result["specialist"]})
    return Outcome(messages=result_messages(result, clinic), handoff_id=handoff_id,
                   urgency=result["urgency"], specialist=result["specialist"])
