"""The handoff page's content, modelled on clinical triage reports.

Built from the stored payload (the contract body, never changed) and, where the
payload cannot tell, from the intake record saved beside it (for example whether
walking was asked about at all: the payload sends "not asked" and "asked, none"
both as ``[]``). Nothing here talks to the database.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Mapping, Optional

from bot import codes
from bot.staff import labels
from bot.staff.body import Diagram, build_diagram

log = logging.getLogger(__name__)


# Findings that a red flag already shows (the red flag quotes the same words).
FINDING_FLAG = {
    "urinary_retention": "bladder_dysfunction", "urinary_incontinence": "bladder_dysfunction",
    "bowel_incontinence": "bowel_dysfunction", "weakness_worsening": "progressive_weakness",
    "weakness_both_legs": "progressive_weakness", "fainted": "collapse_or_faint",
    "shock_signs": "collapse_or_faint", "feeling_faint": "collapse_or_faint",
    "weight_loss": "unexplained_weight_loss", "pain_uncontrolled": "uncontrolled_pain",
    "fever": "fever_infection_risk", "foot_wound": "diabetic_foot_wound",
}


@dataclass
class Item:
    label: str
    detail: Optional[str] = None
    quoted: bool = True  # the patient's own words (False: a stock description)


def stock_red_flag_words() -> Dict[str, str]:
    """The words triage puts in a red flag when the patient gave none of their own."""
    try:
        from bot.triage.rules import default_rules

        return {code: words.default for code, words in default_rules().red_flag_words.items()}
    except Exception:
        return {}


def is_stock_words(code: Optional[str], words: Optional[str]) -> bool:
    stock = stock_red_flag_words().get(code or "")
    return bool(stock and words and words.strip().lower() == stock.strip().lower())


@dataclass
class Symptoms:
    present: List[Item] = field(default_factory=list)
    absent: List[Item] = field(default_factory=list)
    unsure: List[Item] = field(default_factory=list)


@dataclass
class Report:
    payload: Dict[str, Any]
    urgency: str
    level: str  # emergency | urgent | routine: the banner's look
    banner_title: str
    quotes: List[Item]
    advice: List[str]
    advice_source: str
    specialist: Optional[str]
    specialist_label: str
    provider: Optional[str]
    visit: Optional[str]
    also_consider: List[str]
    rule: Optional[str]
    rule_description: Optional[str]
    reasons: List[str]
    symptoms: Symptoms
    diagram: Diagram
    gait: List[str]
    gait_note: Optional[str]
    self_checks: List[Item]
    answers: List[Item]
    details: List[Item]
    nerve_root: Optional[str]
    nerve_root_where: Optional[str]
    nerve_root_walking: Optional[str]
    patient: Dict[str, Any]
    summary_text: str


def _age(born: Optional[str], today: Optional[date] = None) -> Optional[int]:
    if not born:
        return None
    try:
        birth = date.fromisoformat(born)
    except ValueError:
        return None
    today = today or date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _regions(values: Any) -> str:
    return ", ".join(labels.region(v) for v in values or [])


def rule_description(rule_id: Optional[str]) -> Optional[str]:
    """The rule's own description from data/triage/rules.yml, if it can be read."""
    if not rule_id:
        return None
    try:
        from bot.triage.rules import default_rules

        for rule in default_rules().all_rules:
            if rule.id == rule_id:
                return " ".join(str(rule.description).split())
    except Exception:  # the page must still show without the rules file
        log.warning("triage rules could not be read for the rule description")
    return None


def provider_words(provider: Optional[Mapping[str, Any]]) -> Optional[str]:
    if not provider or not provider.get("name"):
        return None
    credentials = provider.get("credentials")
    return f"{provider['name']}, {credentials}" if credentials else str(provider["name"])


def clinic_provider(specialist: Optional[str]) -> Optional[str]:
    try:
        from bot.clinic import load_clinic

        found = load_clinic().provider_for(specialist)
    except Exception:
        return None
    if not found:
        return None
    return f"{found['name']}, {found['credentials']} ({found['title']})"


def advice_given(triage: Mapping[str, Any]) -> List[str]:
    """What the patient was told at the end, in the clinic's current wording."""
    try:
        from bot.clinic import load_clinic
        from bot.intake.service import result_messages

        return [m["text"] for m in result_messages(dict(triage), load_clinic()) if m.get("text")]
    except Exception:
        log.warning("advice text could not be rebuilt")
    urgency = triage.get("urgency")
    if urgency == "emergency_911":
        return ["Call 911 now."]
    if urgency == "emergency_ed":
        return ["Go to the emergency department now."]
    return []


def symptoms(complaint: Mapping[str, Any], red_flags: List[Mapping[str, Any]],
             record: Mapping[str, Any]) -> Symptoms:
    """Present, absent and unsure (not asked or not known: ``null``)."""
    out = Symptoms()

    radiation = complaint.get("radiation") or {}
    present = radiation.get("present")
    if present:
        parts = []
        if radiation.get("to"):
            parts.append("to " + _regions(radiation.get("to")))
        if radiation.get("below_knee") is True:
            parts.append("below the knee")
        elif radiation.get("below_knee") is False:
            parts.append("not below the knee")
        out.present.append(Item("Pain travels (radiates)", "; ".join(parts) or None))
    elif present is False:
        out.absent.append(Item("Pain travels (radiates)"))
    else:
        out.unsure.append(Item("Pain travels (radiates)"))

    for key, name in (("numbness_tingling", "Numbness or tingling"), ("weakness", "Weakness")):
        block = complaint.get(key) or {}
        value = block.get("present")
        if value:
            detail = _regions(block.get("sites")) or None
            if key == "weakness" and record.get("weakness_new") is True:
                detail = ", ".join(filter(None, ["new", detail]))
            out.present.append(Item(name, detail))
        elif value is False:
            out.absent.append(Item(name))
        else:
            out.unsure.append(Item(name))

    gaits = complaint.get("gait_changes") or []
    for gait in gaits:
        out.present.append(Item("Walking: " + labels.label(labels.GAIT, gait).lower()))
    if not gaits:
        if record.get("gait_changes") == []:
            out.absent.append(Item("Walking changes"))
        else:
            out.unsure.append(Item("Walking changes", "not asked"))

    for name, value, text in (("heel", record.get("heel_walk_ok"), "Walk on heels"),
                              ("toe", record.get("toe_walk_ok"), "Walk on tiptoe")):
        if value is False and f"{name}_walk_difficulty" not in gaits:
            out.present.append(Item(f"Cannot {text.lower()}", "self-check"))

    flagged = set()
    for flag in red_flags:
        code = flag.get("code")
        flagged.add(code)
        words = flag.get("patient_words") or None
        out.present.append(Item("Red flag: " + labels.label(labels.RED_FLAG, code), words,
                                quoted=not is_stock_words(code, words)))

    findings = record.get("findings") or {}
    quoted = {" ".join(str(f.get("patient_words") or "").lower().split()) for f in red_flags}
    for name in sorted(findings, key=lambda n: codes.FINDINGS.index(n)
                       if n in codes.FINDINGS else len(codes.FINDINGS)):
        finding = findings[name] or {}
        words = finding.get("words") or None
        if finding.get("present"):
            same_words = words and " ".join(words.lower().split()) in quoted
            if name not in flagged and FINDING_FLAG.get(name) not in flagged and not same_words:
                out.present.append(Item(labels.finding(name), words))
        elif finding.get("present") is False:
            out.absent.append(Item(labels.finding(name), words))

    for question in record.get("unknown") or []:
        out.unsure.append(Item(labels.finding(str(question)), "patient did not know"))
    return out


def build_report(payload: Mapping[str, Any], record: Optional[Mapping[str, Any]] = None,
                 today: Optional[date] = None) -> Report:
    payload = dict(payload)
    record = dict(record or {})
    triage = payload.get("triage") or {}
    complaint = payload.get("complaint") or {}
    red_flags = [f for f in payload.get("red_flags") or [] if isinstance(f, Mapping)]
    patient = payload.get("patient") or {}
    urgency = triage.get("urgency") or "routine"

    if urgency in codes.EMERGENCY_URGENCIES:
        level = "emergency"
        title = ("EMERGENCY: the patient was told to call 911 now"
                 if urgency == "emergency_911"
                 else "EMERGENCY: the patient was told to go to the emergency department now")
    elif urgency == "urgent_24h":
        level, title = "urgent", "URGENT: to be seen within 24 hours, in person"
    else:
        level, title = "routine", "Routine"

    quotes = [Item("In their own words", complaint.get("patient_words") or None)]
    for flag in red_flags:
        words = flag.get("patient_words") or None
        quotes.append(Item(labels.label(labels.RED_FLAG, flag.get("code")), words,
                           quoted=not is_stock_words(flag.get("code"), words)))

    specialist = triage.get("specialist")
    if specialist is None and urgency in codes.EMERGENCY_URGENCIES:
        specialist_label = "No booking suggested (emergency)"
    else:
        specialist_label = labels.label(labels.SPECIALIST, specialist, "none")

    gaits = [labels.label(labels.GAIT, g) for g in complaint.get("gait_changes") or []]
    gait_note = None
    if not gaits:
        gait_note = ("The patient reported no walking changes."
                     if record.get("gait_changes") == [] else "Walking was not asked about.")

    def yes_no(value: Optional[bool], yes: str, no: str) -> str:
        return "not asked" if value is None else (yes if value else no)

    self_checks = [
        Item("Walk a few steps on heels", yes_no(record.get("heel_walk_ok"), "could", "could not")),
        Item("Walk on tiptoe / rise on toes", yes_no(record.get("toe_walk_ok"), "could", "could not")),
    ]

    answers = [Item(str(a.get("question") or ""), str(a.get("answer") or ""))
               for a in payload.get("answers") or [] if isinstance(a, Mapping)]

    severity = complaint.get("severity")
    try:
        from bot.intake.summary import duration_words

        duration = duration_words(complaint.get("duration_days"))
    except Exception:
        days = complaint.get("duration_days")
        duration = None if days is None else f"{days} days"
    details = [
        Item("Pain level", "not given" if severity is None else f"{severity} / 10"),
        Item("Started", labels.label(labels.ONSET, complaint.get("onset"))),
        Item("How long", duration or "not given"),
        Item("Cause", complaint.get("cause") or "not given"),
        Item("Tried so far", ", ".join(str(c) for c in complaint.get("prior_care") or [])
             or "nothing reported"),
    ]

    root = triage.get("nerve_root_pattern")
    where, walking = labels.NERVE_ROOT.get(root, (None, None)) if root else (None, None)

    born = patient.get("date_of_birth")
    return Report(
        payload=payload,
        urgency=urgency,
        level=level,
        banner_title=title,
        quotes=[q for q in quotes if q.detail],
        advice=advice_given(triage),
        advice_source=("the emergency instruction" if level == "emergency"
                       else "the suggestion shown at the end of the intake"),
        specialist=specialist,
        specialist_label=specialist_label,
        provider=provider_words(triage.get("provider")),
        visit=labels.VISIT.get(triage.get("visit")) if triage.get("visit") else None,
        also_consider=[labels.label(labels.SPECIALIST, s) for s in triage.get("also_consider") or []],
        rule=triage.get("rule"),
        rule_description=rule_description(triage.get("rule")),
        reasons=[str(r) for r in triage.get("reasons") or []],
        symptoms=symptoms(complaint, red_flags, record),
        diagram=build_diagram(complaint),
        gait=gaits,
        gait_note=gait_note,
        self_checks=self_checks,
        answers=answers,
        details=details,
        nerve_root=root,
        nerve_root_where=where,
        nerve_root_walking=walking,
        patient={
            "name": patient.get("name"),
            "date_of_birth": born,
            "age": _age(born, today),
            "phone": patient.get("phone"),
            "email": patient.get("email"),
            "preferred_visit": labels.label(labels.PREFERRED_VISIT, patient.get("preferred_visit")),
        },
        summary_text=str(payload.get("summary_text") or ""),
    )
