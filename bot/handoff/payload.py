"""Build the handoff body (contract version 1) from an intake record and a triage result.

``build_payload`` only shapes data; it does not validate. Call
``bot.handoff.schema.validate_payload`` on the result before storing or sending
it, and ``canonical_body`` for the exact bytes.

Where the record and the contract differ:
- ``gait_changes`` and ``prior_care``: the record keeps ``None`` for "not asked",
  but the schema types both as arrays (never null), so "not asked" goes out as
  ``[]``. The answers list and the summary still show what was asked.
- ``cause``: the patient's own words when we have them (``cause_words``), else the
  coded cause (``injury``, ``sport``, ...), else null; "none" when the patient knows of
  no cause (their words then only say so: "no accident or fall").
- Patient words (the complaint, red-flag quotes, the cause, answers, prior care)
  are cut to ``PATIENT_WORDS_LIMIT`` characters so the stored and sent copies stay
  bounded.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot import codes
from bot.intake.record import IntakeRecord, PainSite

PATIENT_WORDS_LIMIT = 2000


def trim_words(text: Optional[str], limit: int = PATIENT_WORDS_LIMIT) -> Optional[str]:
    """Cut free text to ``limit`` characters (None stays None)."""
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[:limit]


def trim_strings(value: Any, limit: int = PATIENT_WORDS_LIMIT) -> Any:
    """A copy of a JSON-like value with every string cut to ``limit`` characters."""
    if isinstance(value, str):
        return trim_words(value, limit)
    if isinstance(value, Mapping):
        return {key: trim_strings(item, limit) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [trim_strings(item, limit) for item in value]
    return value


def rfc3339_utc(moment: Optional[datetime] = None) -> str:
    """``2024-05-01T14:03:07.123Z``; a naive datetime is taken to be UTC."""
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def _field(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, Mapping):
            if name in item:
                return item[name]
        elif hasattr(item, name):
            return getattr(item, name)
    return None


def _pain_site(site: Any) -> Dict[str, Any]:
    if isinstance(site, PainSite):
        return {"region": site.region, "side": site.side}
    return {"region": _field(site, "region"), "side": _field(site, "side")}


def _red_flag(flag: Any) -> Dict[str, Any]:
    """Accept {code, patient_words} (or ``words``), an object with those attributes, or a pair."""
    if isinstance(flag, (tuple, list)) and len(flag) == 2:
        code, words = flag
    else:
        code = _field(flag, "code")
        words = _field(flag, "patient_words", "words")
    return {"code": code, "patient_words": trim_words(words) or ""}


def _int_or_none(value: Any) -> Any:
    """Whole floats (7.0) become ints; anything else is left for validation to judge."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _strings(values: Optional[Iterable[Any]], *, trim: bool = False) -> List[Any]:
    return [trim_words(v) if trim and isinstance(v, str) else v for v in (values or [])]


def _answer(pair: Any) -> Dict[str, Any]:
    question = _field(pair, "question")
    answer = _field(pair, "answer")
    return {
        "question": "" if question is None else str(question),
        "answer": trim_words("" if answer is None else str(answer)),
    }


def _provider(provider: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    if provider is None:
        return None
    return {"name": provider.get("name"), "credentials": provider.get("credentials")}


def build_payload(
    record: IntakeRecord,
    triage: Mapping[str, Any],
    *,
    conversation_id: str,
    channel: str,
    summary_text: str,
    transcript_url: Optional[str],
    provider: Optional[dict] = None,
    handoff_id: Optional[str] = None,
    created_at: Optional[datetime] = None,
) -> Dict[str, Any]:
    """The handoff body, keys in the contract's order.

    ``triage`` carries ``urgency``, ``specialist``, ``also_consider``, ``visit``,
    ``rule``, ``reasons``, ``nerve_root_pattern`` and ``red_flags`` (a list of
    ``{"code", "patient_words"}``). ``provider`` (``{"name", "credentials"}``)
    falls back to ``triage["provider"]``. ``handoff_id`` defaults to a new uuid4
    (a given one is normalised, and must be a UUID); ``created_at`` to now.
    """
    handoff_id = str(uuid.UUID(str(handoff_id))) if handoff_id else str(uuid.uuid4())
    patient = record.patient
    return {
        "schema_version": codes.CONTRACT_VERSION,
        "handoff_id": handoff_id,
        "conversation_id": conversation_id,
        "channel": channel,
        "created_at": rfc3339_utc(created_at),
        "patient": {
            "name": patient.name,
            "date_of_birth": patient.date_of_birth,
            "phone": patient.phone,
            "email": patient.email,
            "preferred_visit": patient.preferred_visit,
        },
        "complaint": {
            "patient_words": trim_words(record.patient_words or ""),
            "pain_sites": [_pain_site(site) for site in record.pain_sites],
            "radiation": {
                "present": record.radiation_present,
                "to": list(record.radiation_to),
                "below_knee": record.radiation_below_knee,
            },
            "numbness_tingling": {
                "present": record.numbness_present,
                "sites": list(record.numbness_sites),
            },
            "weakness": {
                "present": record.weakness_present,
                "sites": list(record.weakness_sites),
            },
            "gait_changes": list(record.gait_changes or []),
            "severity": _int_or_none(record.severity),
            "onset": record.onset,
            "duration_days": _int_or_none(record.duration_days),
            "cause": trim_words("none" if record.cause == "none" else (record.cause_words or record.cause)),
            "prior_care": _strings(record.prior_care, trim=True),
        },
        "red_flags": [_red_flag(flag) for flag in triage.get("red_flags") or []],
        "triage": {
            "urgency": triage.get("urgency"),
            "specialist": triage.get("specialist"),
            "also_consider": list(triage.get("also_consider") or []),
            "visit": triage.get("visit"),
            "rule": triage.get("rule"),
            "reasons": _strings(triage.get("reasons")),
            "nerve_root_pattern": triage.get("nerve_root_pattern"),
            "provider": _provider(provider if provider is not None else triage.get("provider")),
        },
        "summary_text": summary_text,
        "answers": [_answer(pair) for pair in record.answers],
        "transcript_url": transcript_url,
    }
