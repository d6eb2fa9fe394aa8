"""The handoff as a FHIR R4 transaction Bundle (``payload["fhir"]``).

``build_bundle(payload)`` turns a contract body into a transaction Bundle of four
resources, each under a ``urn:uuid`` fullUrl and created with ``POST``:

- ``Patient``: name (as written), birth date, phone and e-mail.
- ``QuestionnaireResponse``: every question and answer of ``payload["answers"]``,
  status ``completed``, about the Patient, ``authored`` = ``created_at``.
- ``ServiceRequest``: the proposed visit. Status ``active``, intent ``proposal``,
  priority from the urgency (routine→routine, urgent_24h→urgent,
  emergency_ed→asap, emergency_911→stat), ``performerType`` as a NUCC provider
  taxonomy code for the suggested specialist (none for staff review or an
  emergency), ``reasonCode`` as SNOMED CT where known (low back pain, sciatica,
  foot pain; other sites as text), ``supportingInfo`` pointing at the
  QuestionnaireResponse and the confirmed summary as a note.
- ``Task``: the front desk's work item. Status ``requested``, intent ``order``,
  code ``fulfill``, focus the ServiceRequest, for the Patient, a plain
  description of what to do, same priority.

The resources are built with ``fhir.resources`` (FHIR 4.0.1) models, so the
library checks types, cardinality and formats; the codes it does not check
(NUCC, SNOMED CT, priority, intent) are fixed tables here and checked by the
tests. Every ``urn:uuid`` is derived from the handoff id (uuid5), so the same
payload always gives the same bundle. ServiceRequest, Task and
QuestionnaireResponse carry the handoff id as identifier and a conditional
create (``ifNoneExist``), so a FHIR server that receives the same transaction
twice creates them once. The Patient is always a plain create: matching an
existing patient record is the appointment system's job.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List, Mapping, MutableMapping, Optional, Tuple

from fhir.resources.annotation import Annotation
from fhir.resources.bundle import Bundle, BundleEntry, BundleEntryRequest
from fhir.resources.codeableconcept import CodeableConcept
from fhir.resources.coding import Coding
from fhir.resources.contactpoint import ContactPoint
from fhir.resources.humanname import HumanName
from fhir.resources.identifier import Identifier
from fhir.resources.patient import Patient
from fhir.resources.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.reference import Reference
from fhir.resources.servicerequest import ServiceRequest
from fhir.resources.task import Task

from bot import codes

FHIR_VERSION = "4.0.1"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
SNOMED_SYSTEM = "http://snomed.info/sct"
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
UUID_IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"

# urgency (contract) -> FHIR request priority (routine | urgent | asap | stat)
PRIORITY_BY_URGENCY: Dict[str, str] = {
    "routine": "routine",
    "urgent_24h": "urgent",
    "emergency_ed": "asap",
    "emergency_911": "stat",
}

# specialist (contract) -> NUCC provider taxonomy (code, display); staff_review has none.
NUCC_BY_SPECIALIST: Dict[str, Tuple[str, str]] = {
    "podiatry": ("213E00000X", "Podiatrist"),
    "spine_surgery": ("207XS0117X", "Orthopaedic Surgery of the Spine"),
    "sports_medicine": ("207XX0005X", "Sports Medicine (Orthopaedic Surgery)"),
    "pain_management": ("208VP0014X", "Interventional Pain Medicine"),
}

SPECIALIST_LABELS: Dict[str, str] = {
    "spine_surgery": "spine surgeon",
    "pain_management": "interventional pain-management specialist",
    "podiatry": "podiatrist (DPM)",
    "sports_medicine": "orthopedic sports-medicine specialist",
    "staff_review": "staff review (no specialist suggested)",
}

# SNOMED CT findings used as reasons.
LOW_BACK_PAIN = ("279039007", "Low back pain")
SCIATICA = ("23056005", "Sciatica")
FOOT_PAIN = ("47933007", "Foot pain")

LOW_BACK_SITES = frozenset({"back", "lower_back"})
SPINE_ORIGIN_SITES = codes.BACK_REGIONS | {"buttock"}
# Regions that count as "into the leg" for radiation (the groin does not).
LEG_RADIATION_REGIONS = (
    (codes.LEG_ABOVE_KNEE - {"groin"}) | codes.LEG_BELOW_KNEE | codes.FOOT_REGIONS | {"leg", "knee"}
)

RESOURCE_ORDER = ("Patient", "QuestionnaireResponse", "ServiceRequest", "Task")


# -- small builders ------------------------------------------------------------------
def _nonempty(text: Any) -> Optional[str]:
    """FHIR strings cannot be empty: '' and None become None (the element is left out)."""
    if text is None:
        return None
    text = str(text)
    return text if text.strip() else None


def _concept(text: str, coding: Optional[Tuple[str, str, str]] = None) -> CodeableConcept:
    if coding is None:
        return CodeableConcept(text=text)
    system, code, display = coding
    return CodeableConcept(coding=[Coding(system=system, code=code, display=display)], text=text)


def _region_label(site: Mapping[str, Any]) -> str:
    label = str(site.get("region") or "other").replace("_", " ")
    side = site.get("side")
    return f"{label} ({side})" if side and side != "midline" else label


def _radiates_into_leg(complaint: Mapping[str, Any]) -> bool:
    radiation = complaint.get("radiation") or {}
    if radiation.get("present") is not True:
        return False
    if radiation.get("below_knee") is True:
        return True
    return any(region in LEG_RADIATION_REGIONS for region in radiation.get("to") or [])


def reason_codes(payload: Mapping[str, Any]) -> List[CodeableConcept]:
    """Why the visit is requested: SNOMED CT where known, the other pain sites as text.

    - low back pain (279039007): a pain site ``back`` or ``lower_back``;
    - sciatica (23056005): pain in the back or buttock that radiates into the leg
      (below the knee, or to a leg or foot region other than the groin);
    - foot pain (47933007): a pain site in the foot (any foot zone);
    - any other pain site (neck, knee, shoulder, ...): a text-only concept.
    """
    complaint = payload.get("complaint") or {}
    sites = [s for s in complaint.get("pain_sites") or [] if isinstance(s, Mapping)]
    regions = {s.get("region") for s in sites}
    reasons: List[CodeableConcept] = []
    if regions & LOW_BACK_SITES:
        reasons.append(_concept(LOW_BACK_PAIN[1], (SNOMED_SYSTEM, *LOW_BACK_PAIN)))
    if regions & SPINE_ORIGIN_SITES and _radiates_into_leg(complaint):
        reasons.append(_concept(SCIATICA[1], (SNOMED_SYSTEM, *SCIATICA)))
    foot_sites = [s for s in sites if s.get("region") in codes.FOOT_REGIONS]
    if foot_sites:
        where = ", ".join(_region_label(s) for s in foot_sites)
        reasons.append(_concept(f"{FOOT_PAIN[1]}: {where}", (SNOMED_SYSTEM, *FOOT_PAIN)))
    covered = LOW_BACK_SITES | codes.FOOT_REGIONS
    others = [s for s in sites if s.get("region") not in covered]
    if others:
        reasons.append(_concept("Pain: " + ", ".join(_region_label(s) for s in others)))
    return reasons


def performer_type(specialist: Optional[str]) -> Optional[CodeableConcept]:
    if specialist not in NUCC_BY_SPECIALIST:
        return None
    code, display = NUCC_BY_SPECIALIST[specialist]
    return _concept(SPECIALIST_LABELS[specialist], (NUCC_SYSTEM, code, display))


def task_description(payload: Mapping[str, Any]) -> str:
    """What the front desk should do, in one or two plain sentences (no patient data)."""
    triage = payload.get("triage") or {}
    urgency = triage.get("urgency")
    specialist = triage.get("specialist")
    if urgency == "emergency_911":
        return ("EMERGENCY: the patient was told to call 911 now. Call the patient to follow "
                "up; do not book a routine visit.")
    if urgency == "emergency_ed":
        return ("EMERGENCY: the patient was told to go to an emergency department today. Call "
                "the patient to follow up; do not book a routine visit.")
    when = "today, for a visit within 24 hours" if urgency == "urgent_24h" else "to book a visit"
    if specialist in (None, "staff_review"):
        text = (f"Review the intake and choose the right specialist, then call the patient {when}.")
        if urgency == "urgent_24h":
            text = "URGENT: " + text
        return text
    who = SPECIALIST_LABELS.get(specialist, str(specialist))
    provider = triage.get("provider") or {}
    if provider.get("name"):
        credentials = f", {provider['credentials']}" if provider.get("credentials") else ""
        who += f" ({provider['name']}{credentials})"
    visit = {"in_person": "in person", "telehealth_ok": "telehealth is fine"}.get(
        triage.get("visit") or "", None
    )
    text = f"Call the patient {when} with the {who}"
    text += f"; {visit}." if visit else "."
    preferred = (payload.get("patient") or {}).get("preferred_visit")
    if preferred in ("in_person", "telehealth"):
        text += f" The patient prefers {'telehealth' if preferred == 'telehealth' else 'an in-person visit'}."
    if urgency == "urgent_24h":
        text = "URGENT: " + text
    return text


def _identifier(handoff_id: str) -> Identifier:
    return Identifier(system=UUID_IDENTIFIER_SYSTEM, value=f"urn:uuid:{handoff_id}")


def _if_none_exist(handoff_id: str) -> str:
    return f"identifier={UUID_IDENTIFIER_SYSTEM}|urn:uuid:{handoff_id}"


# -- resources -----------------------------------------------------------------------
def _patient(patient: Mapping[str, Any]) -> Patient:
    fields: Dict[str, Any] = {}
    name = _nonempty(patient.get("name"))
    if name:
        fields["name"] = [HumanName(text=name)]
    if patient.get("date_of_birth"):
        fields["birthDate"] = patient["date_of_birth"]
    telecom = []
    if _nonempty(patient.get("phone")):
        telecom.append(ContactPoint(system="phone", value=patient["phone"]))
    if _nonempty(patient.get("email")):
        telecom.append(ContactPoint(system="email", value=patient["email"]))
    if telecom:
        fields["telecom"] = telecom
    return Patient(**fields)


def _questionnaire_response(
    payload: Mapping[str, Any], handoff_id: str, patient_ref: str
) -> QuestionnaireResponse:
    items = []
    for number, pair in enumerate(payload.get("answers") or [], start=1):
        item: Dict[str, Any] = {"linkId": f"q{number}"}
        question = _nonempty(pair.get("question"))
        if question:
            item["text"] = question
        answer = _nonempty(pair.get("answer"))
        if answer:
            item["answer"] = [QuestionnaireResponseItemAnswer(valueString=answer)]
        items.append(QuestionnaireResponseItem(**item))
    fields: Dict[str, Any] = {
        "identifier": _identifier(handoff_id),
        "status": "completed",
        "subject": Reference(reference=patient_ref, type="Patient"),
        "authored": payload["created_at"],
    }
    if items:
        fields["item"] = items
    return QuestionnaireResponse(**fields)


def _service_request(
    payload: Mapping[str, Any], handoff_id: str, patient_ref: str, qr_ref: str
) -> ServiceRequest:
    triage = payload.get("triage") or {}
    urgency = triage.get("urgency")
    specialist = triage.get("specialist")
    if urgency in codes.EMERGENCY_URGENCIES:
        code_text = "Staff follow-up after emergency advice"
    elif specialist in (None, "staff_review"):
        code_text = "Consultation; specialist to be chosen by staff"
    else:
        code_text = f"Consultation with a {SPECIALIST_LABELS.get(specialist, specialist)}"
    fields: Dict[str, Any] = {
        "identifier": [_identifier(handoff_id)],
        "status": "active",
        "intent": "proposal",
        "priority": PRIORITY_BY_URGENCY[urgency],
        "code": CodeableConcept(text=code_text),
        "subject": Reference(reference=patient_ref, type="Patient"),
        "authoredOn": payload["created_at"],
        "supportingInfo": [Reference(reference=qr_ref, type="QuestionnaireResponse")],
    }
    performer = performer_type(specialist)
    if performer is not None:
        fields["performerType"] = performer
    reasons = reason_codes(payload)
    if reasons:
        fields["reasonCode"] = reasons
    visit = {"in_person": "In-person visit", "telehealth_ok": "Telehealth visit is fine"}.get(
        triage.get("visit") or ""
    )
    if visit:
        fields["orderDetail"] = [CodeableConcept(text=visit)]
    summary = _nonempty(payload.get("summary_text"))
    if summary:
        fields["note"] = [Annotation(text=summary)]
    return ServiceRequest(**fields)


def _task(payload: Mapping[str, Any], handoff_id: str, patient_ref: str, sr_ref: str) -> Task:
    urgency = (payload.get("triage") or {}).get("urgency")
    return Task(
        identifier=[_identifier(handoff_id)],
        status="requested",
        intent="order",
        priority=PRIORITY_BY_URGENCY[urgency],
        code=_concept("Fulfill the service request",
                      (TASK_CODE_SYSTEM, "fulfill", "Fulfill the focal request")),
        description=task_description(payload),
        focus=Reference(reference=sr_ref, type="ServiceRequest"),
        for_fhir=Reference(reference=patient_ref, type="Patient"),
        authoredOn=payload["created_at"],
    )


def resource_ids(handoff_id: str) -> Dict[str, str]:
    """The deterministic ``urn:uuid:`` fullUrl of each resource of one handoff."""
    base = uuid.UUID(str(handoff_id))
    return {kind: f"urn:uuid:{uuid.uuid5(base, kind)}" for kind in RESOURCE_ORDER}


def build_bundle(payload: Mapping[str, Any]) -> Dict[str, Any]:
    """The FHIR R4 transaction Bundle for a contract body, as JSON-ready data.

    Raises ``KeyError``/``ValueError`` (pydantic's ``ValidationError`` is one)
    when the payload lacks what the bundle needs or a value is not valid FHIR.
    Timestamps keep the payload's exact ``created_at`` text.
    """
    handoff_id = str(uuid.UUID(str(payload["handoff_id"])))
    if (payload.get("triage") or {}).get("urgency") not in PRIORITY_BY_URGENCY:
        raise ValueError("payload.triage.urgency is missing or unknown")
    created_at = payload["created_at"]
    urls = resource_ids(handoff_id)
    resources = {
        "Patient": _patient(payload.get("patient") or {}),
        "QuestionnaireResponse": _questionnaire_response(payload, handoff_id, urls["Patient"]),
        "ServiceRequest": _service_request(
            payload, handoff_id, urls["Patient"], urls["QuestionnaireResponse"]
        ),
        "Task": _task(payload, handoff_id, urls["Patient"], urls["ServiceRequest"]),
    }
    entries = []
    for kind in RESOURCE_ORDER:
        request: Dict[str, Any] = {"method": "POST", "url": kind}
        if kind != "Patient":
            request["ifNoneExist"] = _if_none_exist(handoff_id)
        entries.append(
            BundleEntry(fullUrl=urls[kind], resource=resources[kind],
                        request=BundleEntryRequest(**request))
        )
    bundle = Bundle(type="transaction", identifier=_identifier(handoff_id), entry=entries)
    data: Dict[str, Any] = json.loads(bundle.json())
    _keep_created_at(data, created_at)
    Bundle.parse_obj(data)  # the final, JSON-ready form is what the library checks last
    return data


def _keep_created_at(bundle: MutableMapping[str, Any], created_at: str) -> None:
    """pydantic re-renders dateTimes (``...123000+00:00``); keep the payload's own text."""
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        for key in ("authored", "authoredOn"):
            if key in resource:
                resource[key] = created_at


def attach_fhir(payload: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Set ``payload["fhir"]`` to the payload's bundle (replacing any earlier one); returns
    the same payload. Call it before ``validate_payload`` and ``canonical_body``."""
    payload["fhir"] = build_bundle(payload)
    return payload
