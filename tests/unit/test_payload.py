"""The handoff body: built from intake records and triage results, checked against the contract."""
from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.handoff.payload import PATIENT_WORDS_LIMIT, build_payload, rfc3339_utc
from bot.handoff.schema import (
    FORMAT_CHECKER,
    SCHEMA_PATH,
    PayloadValidationError,
    canonical_body,
    contract_errors,
    is_rfc3339,
    parse_created_at,
    validate_payload,
)
from bot.intake.record import IntakeRecord

SHARED_SCHEMA = Path("/work/shared/handoff.schema.json")
SHARED_CONTRACT = Path("/work/shared/handoff-contract.md")
CONTRACT_KEYS = [
    "schema_version", "handoff_id", "conversation_id", "channel", "created_at", "patient",
    "complaint", "red_flags", "triage", "summary_text", "answers", "transcript_url",
]


def build(record, triage, **kwargs):
    options = dict(
        conversation_id="conv-1", channel="web", summary_text="summary", transcript_url=None,
    )
    options.update(kwargs)
    return build_payload(record, triage, **options)


# -- the contract copy ----------------------------------------------------------------
@pytest.mark.skipif(not SHARED_SCHEMA.exists(), reason="no shared contract on this machine")
def test_schema_copy_is_byte_for_byte_the_shared_contract():
    assert SCHEMA_PATH.read_bytes() == SHARED_SCHEMA.read_bytes()


@pytest.mark.skipif(not SHARED_CONTRACT.exists(), reason="no shared contract on this machine")
def test_contract_text_copy_matches_the_shared_contract():
    assert (SCHEMA_PATH.parent / "handoff-contract.md").read_bytes() == SHARED_CONTRACT.read_bytes()


# -- building -----------------------------------------------------------------------
def test_sciatica_intake_gives_a_valid_payload_with_every_field(samples):
    created = datetime(2024, 5, 1, 14, 3, 7, 123456, tzinfo=timezone.utc)
    payload = build(
        samples.sciatica_record(), samples.sciatica_triage(),
        conversation_id="conv-42", channel="sms", summary_text="Lower back pain into the left leg.",
        transcript_url="https://staff.example.org/t/conv-42",
        provider={"name": "Dr. Lee", "credentials": "MD"}, created_at=created,
    )
    validate_payload(payload)
    assert list(payload) == CONTRACT_KEYS  # contract order, no "fhir" key when there is none
    assert payload["schema_version"] == "1"
    assert uuid.UUID(payload["handoff_id"]).version == 4
    assert payload["created_at"] == "2024-05-01T14:03:07.123Z"
    assert payload["conversation_id"] == "conv-42" and payload["channel"] == "sms"
    assert payload["patient"] == {
        "name": "Ana María Núñez", "date_of_birth": "1980-04-12", "phone": "+15551234567",
        "email": "ana@example.org", "preferred_visit": "telehealth",
    }
    complaint = payload["complaint"]
    assert complaint["patient_words"].startswith("Shooting pain")
    assert complaint["pain_sites"] == [
        {"region": "lower_back", "side": "midline"}, {"region": "leg", "side": "left"},
    ]
    assert complaint["radiation"] == {"present": True, "to": ["thigh", "shin", "big_toe"], "below_knee": True}
    assert complaint["numbness_tingling"] == {"present": True, "sites": ["top_of_foot", "big_toe"]}
    assert complaint["weakness"] == {"present": False, "sites": []}
    assert complaint["gait_changes"] == ["heel_walk_difficulty"]
    assert (complaint["severity"], complaint["onset"], complaint["duration_days"]) == (7, "gradual", 21)
    assert complaint["cause"] == "lifted a heavy box at work"  # the patient's words win over the code
    assert complaint["prior_care"] == ["ibuprofen", "physical therapy"]
    assert payload["red_flags"] == []
    assert payload["triage"] == {
        "urgency": "routine", "specialist": "spine_surgery", "also_consider": ["podiatry"],
        "visit": "telehealth_ok", "rule": "R3",
        "reasons": ["radiating pain without weakness for less than 6 weeks", "conservative care first"],
        "nerve_root_pattern": "L5", "provider": {"name": "Dr. Lee", "credentials": "MD"},
    }
    assert payload["summary_text"] == "Lower back pain into the left leg."
    assert payload["answers"][1] == {"question": "How bad is it, 0 to 10?", "answer": "7"}
    assert payload["transcript_url"] == "https://staff.example.org/t/conv-42"


@pytest.mark.parametrize("urgency", ["emergency_911", "emergency_ed"])
def test_emergency_payload_carries_red_flags_and_no_specialist(samples, urgency):
    payload = build(samples.emergency_record(), samples.emergency_triage(urgency))
    validate_payload(payload)
    assert payload["triage"]["urgency"] == urgency
    assert payload["triage"]["specialist"] is None
    assert payload["triage"]["provider"] is None
    assert payload["red_flags"] == [
        {"code": "saddle_numbness", "patient_words": "can't feel anything down there"},
        {"code": "bladder_dysfunction", "patient_words": "can't pee"},
    ]
    # Not asked before the intake stopped: arrays in the schema, so empty.
    assert payload["complaint"]["gait_changes"] == []
    assert payload["complaint"]["prior_care"] == []
    assert payload["complaint"]["pain_sites"] == [{"region": "lower_back", "side": None}]
    assert payload["complaint"]["cause"] is None
    assert payload["patient"]["date_of_birth"] is None


def test_empty_record_gives_nulls_and_empty_lists_and_still_validates(samples):
    triage = {"urgency": "routine", "specialist": "staff_review", "rule": "R10"}
    payload = build(samples.empty_record(), triage)
    validate_payload(payload)
    complaint = payload["complaint"]
    assert complaint["patient_words"] == ""
    assert complaint["radiation"] == {"present": None, "to": [], "below_knee": None}
    assert complaint["numbness_tingling"] == {"present": None, "sites": []}
    assert complaint["severity"] is None and complaint["onset"] is None
    assert payload["triage"]["also_consider"] == [] and payload["triage"]["reasons"] == []
    assert payload["triage"]["visit"] is None and payload["triage"]["nerve_root_pattern"] is None
    assert payload["patient"] == {
        "name": None, "date_of_birth": None, "phone": None, "email": None, "preferred_visit": None,
    }


def test_coded_cause_is_used_without_the_patients_words():
    record = IntakeRecord(cause="sport")
    payload = build(record, {"urgency": "routine", "specialist": "sports_medicine", "rule": "R9"})
    assert payload["complaint"]["cause"] == "sport"


def test_red_flags_given_as_objects_or_pairs_are_shaped_like_the_contract(samples):
    class Flag:
        code = "night_pain"
        words = "wakes me every night"

    triage = samples.sciatica_triage()
    triage["urgency"] = "urgent_24h"
    triage["red_flags"] = [Flag(), ("cancer_history", "had breast cancer"), {"code": "night_pain", "words": "x"}]
    payload = build(samples.sciatica_record(), triage)
    validate_payload(payload)
    assert payload["red_flags"] == [
        {"code": "night_pain", "patient_words": "wakes me every night"},
        {"code": "cancer_history", "patient_words": "had breast cancer"},
        {"code": "night_pain", "patient_words": "x"},
    ]


def test_provider_falls_back_to_the_triage_result(samples):
    triage = samples.sciatica_triage()
    triage["provider"] = {"name": "Dr. Ortiz", "credentials": "DPM", "internal": "dropped"}
    payload = build(samples.sciatica_record(), triage)
    assert payload["triage"]["provider"] == {"name": "Dr. Ortiz", "credentials": "DPM"}


def test_patient_words_are_cut_to_2000_characters(samples):
    record = samples.sciatica_record()
    long_text = "ö" * (PATIENT_WORDS_LIMIT + 500)
    record.patient_words = long_text
    record.cause_words = long_text
    record.answers = [{"question": "Tell me more", "answer": long_text}]
    triage = samples.emergency_triage()
    triage["red_flags"] = [{"code": "saddle_numbness", "patient_words": long_text}]
    payload = build(record, triage)
    validate_payload(payload)
    assert payload["complaint"]["patient_words"] == "ö" * PATIENT_WORDS_LIMIT
    assert len(payload["complaint"]["cause"]) == PATIENT_WORDS_LIMIT
    assert len(payload["answers"][0]["answer"]) == PATIENT_WORDS_LIMIT
    assert len(payload["red_flags"][0]["patient_words"]) == PATIENT_WORDS_LIMIT
    assert record.patient_words == long_text  # the record itself is left alone


def test_payload_lists_are_copies_not_the_records_own(samples):
    record = samples.sciatica_record()
    payload = build(record, samples.sciatica_triage())
    payload["complaint"]["radiation"]["to"].append("heel")
    payload["complaint"]["gait_changes"].append("limping")
    assert record.radiation_to == ["thigh", "shin", "big_toe"]
    assert record.gait_changes == ["heel_walk_difficulty"]


def test_record_round_trip_through_json_builds_the_same_payload(samples):
    record = samples.sciatica_record()
    again = IntakeRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    fixed = dict(handoff_id=str(uuid.uuid4()), created_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    assert build(record, samples.sciatica_triage(), **fixed) == build(again, samples.sciatica_triage(), **fixed)


def test_given_handoff_id_is_kept_and_created_at_goes_to_utc(samples):
    handoff_id = "6F9619FF-8B86-4D11-B42D-00C04FC964FF"
    local = datetime(2024, 3, 10, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    payload = build(samples.sciatica_record(), samples.sciatica_triage(), handoff_id=handoff_id, created_at=local)
    assert payload["handoff_id"] == handoff_id.lower()
    assert payload["created_at"] == "2024-03-10T14:30:00.000Z"
    with pytest.raises(ValueError):
        build(samples.sciatica_record(), samples.sciatica_triage(), handoff_id="not-a-uuid")


def test_default_created_at_is_now_in_utc(samples):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    payload = build(samples.sciatica_record(), samples.sciatica_triage())
    assert payload["created_at"].endswith("Z")
    assert before <= parse_created_at(payload["created_at"]) <= datetime.now(timezone.utc)
    assert rfc3339_utc(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05.000Z"  # naive is UTC


def test_whole_float_severity_becomes_an_integer():
    record = IntakeRecord(severity=6.0, duration_days=14.0)
    payload = build(record, {"urgency": "routine", "specialist": "staff_review", "rule": "R10"})
    assert payload["complaint"]["severity"] == 6 and isinstance(payload["complaint"]["severity"], int)
    validate_payload(payload)


# -- the exact bytes --------------------------------------------------------------------
def test_canonical_body_is_compact_utf8_in_payload_order(make_payload):
    payload = make_payload("routine")
    body = canonical_body(payload)
    text = body.decode("utf-8")
    assert "Ana María Núñez" in text  # not \u escapes
    assert text.startswith('{"schema_version":"1","handoff_id":')
    assert json.loads(body) == payload
    assert body == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert canonical_body(json.loads(body)) == body  # stable through a store/load round trip


def test_canonical_body_refuses_nan():
    with pytest.raises(ValueError):
        canonical_body({"severity": float("nan")})


# -- validation failures -------------------------------------------------------------
def _broken(payload, path, value=None, *, delete=False):
    payload = copy.deepcopy(payload)
    target = payload
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    "path, value, where",
    [
        (("channel",), "email", "$.channel"),
        (("triage", "urgency"), "soon", "$.triage.urgency"),
        (("triage", "specialist"), "chiropractor", "$.triage.specialist"),
        (("triage", "also_consider"), ["chiropractor"], "$.triage.also_consider[0]"),
        (("triage", "nerve_root_pattern"), "C7", "$.triage.nerve_root_pattern"),
        (("complaint", "pain_sites"), [{"region": "elbow", "side": None}], "$.complaint.pain_sites[0].region"),
        (("complaint", "pain_sites"), [{"region": "heel", "side": "up"}], "$.complaint.pain_sites[0].side"),
        (("complaint", "gait_changes"), ["hopping"], "$.complaint.gait_changes[0]"),
        (("complaint", "gait_changes"), None, "$.complaint.gait_changes"),
        (("complaint", "severity"), 11, "$.complaint.severity"),
        (("complaint", "severity"), "7", "$.complaint.severity"),
        (("complaint", "duration_days"), -1, "$.complaint.duration_days"),
        (("complaint", "onset"), "slow", "$.complaint.onset"),
        (("patient", "preferred_visit"), "phone", "$.patient.preferred_visit"),
        (("patient", "phone"), "555-1234", "$.patient.phone"),
        (("patient", "date_of_birth"), "12/04/1980", "$.patient.date_of_birth"),
        (("schema_version",), "2", "$.schema_version"),
        (("schema_version",), 1, "$.schema_version"),
        (("conversation_id",), "", "$.conversation_id"),
        (("red_flags",), [{"code": "headache", "patient_words": "x"}], "$.red_flags[0].code"),
        (("answers",), [{"question": "q"}], "$.answers[0]"),
        (("fhir",), {"resourceType": "Patient", "type": "transaction", "entry": []}, "$.fhir.resourceType"),
    ],
)
def test_bad_values_fail_validation(make_payload, path, value, where):
    payload = _broken(make_payload("routine"), path, value)
    with pytest.raises(PayloadValidationError) as caught:
        validate_payload(payload)
    assert any(error.startswith(where) for error in caught.value.errors), caught.value.errors
    assert isinstance(caught.value, ValueError)
    assert "contract version 1" in str(caught.value)


@pytest.mark.parametrize(
    "path",
    [
        ("handoff_id",), ("created_at",), ("patient",), ("complaint",), ("red_flags",), ("triage",),
        ("summary_text",), ("answers",), ("transcript_url",), ("patient", "email"),
        ("complaint", "gait_changes"), ("complaint", "radiation", "below_knee"),
        ("triage", "rule"), ("triage", "nerve_root_pattern"),
    ],
)
def test_missing_required_fields_fail_validation(make_payload, path):
    payload = _broken(make_payload("routine"), path, delete=True)
    with pytest.raises(PayloadValidationError) as caught:
        validate_payload(payload)
    assert any(f"'{path[-1]}' is a required property" in error for error in caught.value.errors)


@pytest.mark.parametrize(
    "handoff_id",
    ["not-a-uuid", "6f9619ff8b864d11b42d00c04fc964ff", "6f9619ff-8b86-4d11-b42d-00c04fc964f", "", "{6f9619ff-8b86-4d11-b42d-00c04fc964ff}"],
)
def test_bad_uuid_fails_validation(make_payload, handoff_id):
    payload = _broken(make_payload("routine"), ("handoff_id",), handoff_id)
    with pytest.raises(PayloadValidationError, match=r"\$\.handoff_id"):
        validate_payload(payload)


@pytest.mark.parametrize(
    "created_at",
    [
        "yesterday",
        "2024-05-01",  # a date is not a date-time
        "2024-05-01 14:03:07Z",  # space instead of T
        "2024-05-01T14:03:07",  # no offset
        "2024-02-30T10:00:00Z",  # no such day
        "2024-05-01T25:00:00Z",
        "2024-05-01T14:61:00Z",
        "2024-05-01T14:03:07+2:00",
        "2024-05-01T14:03:07+24:00",
        "20240501T140307Z",
    ],
)
def test_bad_date_time_fails_validation(make_payload, created_at):
    payload = _broken(make_payload("routine"), ("created_at",), created_at)
    with pytest.raises(PayloadValidationError, match=r"\$\.created_at"):
        validate_payload(payload)


def test_date_time_in_another_offset_is_rfc3339_but_not_utc(make_payload):
    payload = _broken(make_payload("routine"), ("created_at",), "2024-05-01T14:03:07+02:00")
    assert contract_errors(payload) == ["$.created_at: '2024-05-01T14:03:07+02:00' is not in UTC (use 'Z')"]
    for utc in ("2024-05-01T14:03:07Z", "2024-05-01T14:03:07.5+00:00", "2016-12-31T23:59:60Z"):
        validate_payload(_broken(make_payload("routine"), ("created_at",), utc))


def test_format_checker_really_checks_uuid_and_date_time():
    assert FORMAT_CHECKER.conforms("6f9619ff-8b86-4d11-b42d-00c04fc964ff", "uuid")
    assert not FORMAT_CHECKER.conforms("nope", "uuid")
    assert FORMAT_CHECKER.conforms("2024-05-01T14:03:07Z", "date-time")
    assert not FORMAT_CHECKER.conforms("nope", "date-time")
    assert is_rfc3339("2024-05-01t14:03:07.123456789-07:30")


def test_impossible_birth_date_fails(make_payload):
    payload = _broken(make_payload("routine"), ("patient", "date_of_birth"), "1980-13-45")
    assert contract_errors(payload) == ["$.patient.date_of_birth: '1980-13-45' is not a real date"]


def test_null_specialist_only_for_emergencies(make_payload):
    payload = _broken(make_payload("urgent_24h"), ("triage", "specialist"), None)
    with pytest.raises(PayloadValidationError, match="null is allowed only for emergency"):
        validate_payload(payload)
    validate_payload(make_payload("emergency_911"))


def test_every_problem_is_reported_at_once(make_payload):
    payload = make_payload("routine")
    payload = _broken(payload, ("channel",), "fax")
    payload = _broken(payload, ("handoff_id",), "x")
    payload = _broken(payload, ("summary_text",), delete=True)
    with pytest.raises(PayloadValidationError) as caught:
        validate_payload(payload)
    assert len(caught.value.errors) == 3


def test_not_an_object_fails():
    with pytest.raises(PayloadValidationError):
        validate_payload(["not", "an", "object"])


def test_a_fhir_bundle_may_be_added(make_payload):
    payload = make_payload("routine")
    payload["fhir"] = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    validate_payload(payload)
