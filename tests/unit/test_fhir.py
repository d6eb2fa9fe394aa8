"""The FHIR R4 transaction Bundle built from real payloads (records → triage → build_payload).

fhir.resources checks structure, types and formats; the codes it does not know
(NUCC taxonomy, SNOMED CT, request priority and intent) are checked here.
"""
from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Optional

import pytest
from fhir.resources.bundle import Bundle
from pydantic import ValidationError

from bot.clinic import load_clinic
from bot.handoff.fhir import (
    NUCC_SYSTEM,
    PRIORITY_BY_URGENCY,
    SNOMED_SYSTEM,
    attach_fhir,
    build_bundle,
    resource_ids,
)
from bot.handoff.payload import build_payload
from bot.handoff.schema import canonical_body, validate_payload
from bot.intake.record import IntakeRecord, PainSite, Patient
from bot.intake.summary import summary_text
from bot.triage import triage

TODAY = date(2025, 6, 1)
CREATED = datetime(2025, 6, 1, 14, 3, 7, 123000, tzinfo=timezone.utc)
URN_UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
BACK = PainSite("lower_back", "midline")
ANSWERS = [
    {"question": "What brings you in today?", "answer": "it hurts"},
    {"question": "How bad is it, from 0 to 10?", "answer": "6"},
    {"question": "Anything else?", "answer": ""},  # asked, no words: an item without answer
]


def record_with(**fields: Any) -> IntakeRecord:
    findings = fields.pop("findings", {})
    patient = fields.pop("patient", None) or Patient(
        name="Jamie O'Neil", date_of_birth="1985-01-01", phone="+12015550100",
        email="jamie@example.org", preferred_visit="no_preference",
    )
    record = IntakeRecord(patient_words="my back and foot hurt", pain_sites_asked=True,
                          patient=patient, answers=[dict(a) for a in ANSWERS], **fields)
    for name, present in findings.items():
        record.set_finding(name, present, "said so")
    return record


def payload_for(record: IntakeRecord, channel: str = "web") -> Dict[str, Any]:
    result = triage(record, today=TODAY).to_dict()
    provider = load_clinic().provider_for(result["specialist"])
    provider = {"name": provider["name"], "credentials": provider["credentials"]} if provider else None
    return build_payload(
        record, result, conversation_id=f"conv-{uuid.uuid4().hex[:6]}", channel=channel,
        summary_text=summary_text(record), transcript_url="https://staff.example.org/t/1",
        provider=provider, created_at=CREATED,
    )


# name -> (record, expected urgency, specialist, NUCC code or None, SNOMED reason codes)
CASES = {
    "back_only_sciatica": (
        lambda: record_with(pain_sites=[BACK], radiation_present=True, radiation_to=["calf"],
                            duration_days=20),
        "routine", "spine_surgery", "207XS0117X", {"279039007", "23056005"},
    ),
    "back_only_chronic_telehealth": (
        lambda: record_with(pain_sites=[BACK], duration_days=90,
                            patient=Patient(name="Sam Lee", preferred_visit="telehealth")),
        "routine", "pain_management", "208VP0014X", {"279039007"},
    ),
    "foot_only": (
        lambda: record_with(pain_sites=[PainSite("heel", "left")], duration_days=90,
                            findings={"heel_pain_first_steps": True}),
        "routine", "podiatry", "213E00000X", {"47933007"},
    ),
    "foot_only_telehealth": (
        lambda: record_with(pain_sites=[PainSite("big_toe", "right")], findings={"bunion": True},
                            patient=Patient(name="Lee", preferred_visit="telehealth")),
        "routine", "podiatry", "213E00000X", {"47933007"},
    ),
    "back_and_foot": (
        lambda: record_with(pain_sites=[BACK, PainSite("heel", "both")], duration_days=20,
                            findings={"heel_pain_first_steps": True}),
        "routine", "podiatry", "213E00000X", {"279039007", "47933007"},
    ),
    "sports_knee": (
        lambda: record_with(pain_sites=[PainSite("knee", "right")], cause="sport", duration_days=3),
        "routine", "sports_medicine", "207XX0005X", set(),
    ),
    "urgent_night_pain": (
        lambda: record_with(pain_sites=[BACK], duration_days=20, findings={"night_pain": True}),
        "urgent_24h", "spine_surgery", "207XS0117X", {"279039007"},
    ),
    "staff_review": (
        lambda: record_with(pain_sites=[PainSite("shoulder", "left")], duration_days=100),
        "routine", "staff_review", None, set(),
    ),
    "emergency_911": (
        lambda: record_with(pain_sites=[BACK], duration_days=20, findings={"fainted": True}),
        "emergency_911", None, None, {"279039007"},
    ),
    "emergency_ed_partial_intake": (
        lambda: IntakeRecord(
            patient_words="can't feel anything down there",
            findings={}, patient=Patient(phone="+12015550101"),
            answers=[{"question": "What brings you in?", "answer": "numb down there"}],
        ),
        "emergency_ed", None, None, set(),
    ),
}


def _case_record(name: str) -> IntakeRecord:
    record = CASES[name][0]()
    if name == "emergency_ed_partial_intake":
        record.set_finding("saddle_numbness", True, "can't feel anything down there")
    return record


def entries_by_type(bundle: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {entry["resource"]["resourceType"]: entry for entry in bundle["entry"]}


def references(value: Any) -> List[str]:
    """Every Reference.reference anywhere in a JSON value."""
    found: List[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            found.append(value["reference"])
        for item in value.values():
            found.extend(references(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(references(item))
    return found


def codes_of(concept: Optional[Dict[str, Any]], system: str) -> List[str]:
    return [c["code"] for c in (concept or {}).get("coding", []) if c.get("system") == system]


@pytest.mark.parametrize("name", list(CASES))
def test_bundle_for_each_kind_of_intake(name):
    _, urgency, specialist, nucc, snomed = CASES[name]
    record = _case_record(name)
    payload = payload_for(record, channel="sms" if "telehealth" in name else "web")
    assert (payload["triage"]["urgency"], payload["triage"]["specialist"]) == (urgency, specialist)

    bundle = build_bundle(payload)
    parsed = Bundle.parse_obj(bundle)  # the library reads it back
    assert parsed.type == "transaction" and len(parsed.entry) == 4
    json.dumps(bundle)  # JSON-ready: no dates or decimals left as Python objects

    # transaction entries: urn:uuid fullUrls, POST to the resource type
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert all(URN_UUID.match(url) for url in full_urls) and len(set(full_urls)) == 4
    for entry in bundle["entry"]:
        assert entry["request"]["method"] == "POST"
        assert entry["request"]["url"] == entry["resource"]["resourceType"]
    by_type = entries_by_type(bundle)
    assert list(by_type) == ["Patient", "QuestionnaireResponse", "ServiceRequest", "Task"]
    # every reference points inside the bundle
    assert set(references(bundle)) <= set(full_urls)
    patient_url = by_type["Patient"]["fullUrl"]
    qr_url = by_type["QuestionnaireResponse"]["fullUrl"]
    sr_url = by_type["ServiceRequest"]["fullUrl"]

    patient = by_type["Patient"]["resource"]
    given = payload["patient"]
    if given["name"]:
        assert patient["name"] == [{"text": given["name"]}]
    else:
        assert "name" not in patient
    assert patient.get("birthDate") == given["date_of_birth"]
    telecom = {(t["system"], t["value"]) for t in patient.get("telecom", [])}
    expected_telecom = {("phone", given["phone"]), ("email", given["email"])}
    assert telecom == {pair for pair in expected_telecom if pair[1]}

    qr = by_type["QuestionnaireResponse"]["resource"]
    assert qr["status"] == "completed"
    assert qr["subject"]["reference"] == patient_url
    assert qr["authored"] == payload["created_at"] == "2025-06-01T14:03:07.123Z"
    items = qr.get("item", [])
    assert len(items) == len(payload["answers"])  # every question, in order
    for item, pair in zip(items, payload["answers"]):
        assert item.get("text") == (pair["question"] or None)
        if pair["answer"]:
            assert item["answer"] == [{"valueString": pair["answer"]}]
        else:
            assert "answer" not in item
    assert len({item["linkId"] for item in items}) == len(items)

    sr = by_type["ServiceRequest"]["resource"]
    assert (sr["status"], sr["intent"]) == ("active", "proposal")
    assert sr["priority"] == PRIORITY_BY_URGENCY[urgency]
    assert sr["subject"]["reference"] == patient_url
    assert [ref["reference"] for ref in sr["supportingInfo"]] == [qr_url]
    assert sr["note"] == [{"text": payload["summary_text"]}]
    assert sr["authoredOn"] == payload["created_at"]
    if "telehealth" in name:
        assert payload["triage"]["visit"] == "telehealth_ok"
        assert sr["orderDetail"] == [{"text": "Telehealth visit is fine"}]
        assert "telehealth is fine" in by_type["Task"]["resource"]["description"]
    if nucc:
        assert codes_of(sr["performerType"], NUCC_SYSTEM) == [nucc]
    else:
        assert "performerType" not in sr
    reasons = {code for concept in sr.get("reasonCode", []) for code in codes_of(concept, SNOMED_SYSTEM)}
    assert reasons == snomed
    for concept in sr.get("reasonCode", []):
        assert concept.get("text")

    task = by_type["Task"]["resource"]
    assert (task["status"], task["intent"]) == ("requested", "order")
    assert task["priority"] == sr["priority"]
    assert task["focus"]["reference"] == sr_url
    assert task["for"]["reference"] == patient_url
    assert task["description"]
    assert given["name"] is None or given["name"] not in task["description"]
    if urgency.startswith("emergency"):
        assert task["description"].startswith("EMERGENCY")
    if urgency == "urgent_24h":
        assert task["description"].startswith("URGENT")

    # attached to the payload, it still follows the contract and serialises canonically
    attach_fhir(payload)
    validate_payload(payload)
    assert list(payload)[-1] == "fhir"
    assert json.loads(canonical_body(payload)) == payload


def test_priorities_and_nucc_table_are_exactly_the_agreed_codes():
    assert PRIORITY_BY_URGENCY == {
        "routine": "routine", "urgent_24h": "urgent", "emergency_ed": "asap", "emergency_911": "stat",
    }
    from bot.handoff.fhir import NUCC_BY_SPECIALIST

    assert {k: v[0] for k, v in NUCC_BY_SPECIALIST.items()} == {
        "podiatry": "213E00000X", "spine_surgery": "207XS0117X",
        "sports_medicine": "207XX0005X", "pain_management": "208VP0014X",
    }
    assert NUCC_SYSTEM == "http://nucc.org/provider-taxonomy"
    assert SNOMED_SYSTEM == "http://snomed.info/sct"


def test_sciatica_needs_radiation_into_the_leg():
    def reasons(**fields):
        payload = payload_for(record_with(duration_days=20, **fields))
        sr = entries_by_type(build_bundle(payload))["ServiceRequest"]["resource"]
        return {c for concept in sr.get("reasonCode", []) for c in codes_of(concept, SNOMED_SYSTEM)}

    assert reasons(pain_sites=[BACK], radiation_present=True, radiation_below_knee=True) == {
        "279039007", "23056005"}
    assert reasons(pain_sites=[BACK], radiation_present=True, radiation_to=["groin"]) == {"279039007"}
    assert reasons(pain_sites=[BACK], radiation_present=False) == {"279039007"}
    # buttock pain into the calf is sciatica too, without "low back pain"
    assert reasons(pain_sites=[PainSite("buttock", "left")], radiation_present=True,
                   radiation_to=["calf"]) == {"23056005"}
    # neck pain is not low back pain: text only
    assert reasons(pain_sites=[PainSite("neck", "midline")]) == set()


def test_the_same_payload_gives_the_same_bundle_and_ids_follow_the_handoff():
    payload = payload_for(_case_record("back_and_foot"))
    first, second = build_bundle(payload), build_bundle(copy.deepcopy(payload))
    assert first == second
    assert [e["fullUrl"] for e in first["entry"]] == list(resource_ids(payload["handoff_id"]).values())
    other = dict(payload, handoff_id=str(uuid.uuid4()))
    assert {e["fullUrl"] for e in build_bundle(other)["entry"]}.isdisjoint(
        {e["fullUrl"] for e in first["entry"]})
    # the handoff id is the business identifier, with conditional creates on it
    by_type = entries_by_type(first)
    for kind in ("QuestionnaireResponse", "ServiceRequest", "Task"):
        assert by_type[kind]["request"]["ifNoneExist"].endswith(payload["handoff_id"])
    assert "ifNoneExist" not in by_type["Patient"]["request"]


def test_attach_fhir_replaces_an_earlier_bundle_and_returns_the_payload():
    payload = payload_for(_case_record("foot_only"))
    payload["fhir"] = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    assert attach_fhir(payload) is payload
    assert len(payload["fhir"]["entry"]) == 4
    validate_payload(payload)


def test_the_library_rejects_what_is_not_fhir():
    payload = payload_for(_case_record("foot_only"))
    bundle = build_bundle(payload)
    broken = copy.deepcopy(bundle)
    entries_by_type(broken)["Patient"]["resource"]["birthDate"] = "1985-13-40"
    with pytest.raises(ValidationError):
        Bundle.parse_obj(broken)
    bad = copy.deepcopy(payload)
    bad["patient"]["date_of_birth"] = "1985-02-30"
    with pytest.raises(ValueError):
        build_bundle(bad)
    bad = copy.deepcopy(payload)
    bad["triage"]["urgency"] = "whenever"
    with pytest.raises(ValueError):
        build_bundle(bad)


def test_empty_answers_and_unknown_patient_still_make_a_valid_bundle():
    record = IntakeRecord()
    result = {"urgency": "routine", "specialist": "staff_review", "rule": "R10", "reasons": ["x"]}
    payload = build_payload(record, result, conversation_id="c", channel="rest", summary_text="",
                            transcript_url=None, created_at=CREATED)
    bundle = build_bundle(payload)
    Bundle.parse_obj(bundle)
    by_type = entries_by_type(bundle)
    assert by_type["Patient"]["resource"] == {"resourceType": "Patient"}
    assert "item" not in by_type["QuestionnaireResponse"]["resource"]
    assert "note" not in by_type["ServiceRequest"]["resource"]
    validate_payload(attach_fhir(payload))
