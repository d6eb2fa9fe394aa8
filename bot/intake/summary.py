"""The summary in plain words: what the patient confirms and what staff read.

It never names a diagnosis or a nerve root; it repeats what the patient said.
"""
from __future__ import annotations

from typing import List, Optional

from bot.intake.record import IntakeRecord, PainSite

_REGION_WORDS = {
    "back": "back", "leg": "leg", "foot": "foot", "neck": "neck", "upper_back": "upper back",
    "lower_back": "lower back", "buttock": "buttock", "hip": "hip", "groin": "groin",
    "thigh": "thigh", "knee": "knee", "shin": "shin", "calf": "calf", "ankle": "ankle",
    "heel": "heel", "arch": "arch", "top_of_foot": "top of the foot",
    "ball_of_foot": "ball of the foot", "toes": "toes", "big_toe": "big toe",
    "outer_foot": "outer foot", "inner_foot": "inner foot", "sole": "sole",
    "shoulder": "shoulder", "other": "other area",
}
_GAIT_WORDS = {
    "limping": "limping", "foot_drop": "foot drop", "dragging_foot": "dragging or catching the toes",
    "tripping": "tripping", "steppage_gait": "lifting the knee high to clear the foot",
    "foot_slap": "foot slapping down", "heel_walk_difficulty": "cannot walk on heels",
    "toe_walk_difficulty": "cannot walk on tiptoe", "balance_problems": "unsteady balance",
    "walking_distance_limited": "can only walk a short distance",
    "cannot_bear_weight": "cannot put weight on it",
}
# Prior care as bot.nlp codes it (data/nlp/course.yml), in the patient's words.
_CARE_WORDS = {
    "physical_therapy": "physical therapy", "chiropractor": "chiropractor",
    "nsaids": "anti-inflammatory medicine (like ibuprofen)", "acetaminophen": "acetaminophen (Tylenol)",
    "muscle_relaxants": "muscle relaxants", "opioids": "opioid pain medicine",
    "pain_medication": "pain medicine", "nerve_medication": "nerve pain medicine",
    "oral_steroids": "steroid tablets", "injections": "injections", "surgery": "surgery",
    "orthotics": "orthotics or inserts", "brace": "a brace", "ice_heat": "ice or heat", "rest": "rest",
    "stretching": "stretching", "massage": "massage", "acupuncture": "acupuncture", "tens": "a TENS unit",
    "topical": "creams or gels", "seen_doctor": "saw a doctor",
}
_VISIT_WORDS = {"in_person": "in person", "telehealth": "telehealth (video)",
                "no_preference": "no preference"}


def region_words(region: str) -> str:
    return _REGION_WORDS.get(region, region.replace("_", " "))


def care_words(code: str) -> str:
    return _CARE_WORDS.get(code, code.replace("_", " "))


def reach_words(regions: List[str]) -> str:
    """Where the pain travels, without a vague "leg" next to the places it names."""
    specific = [r for r in regions if r not in ("leg", "foot", "back")] or regions
    return ", ".join(region_words(r) for r in specific)


def describe_site(site: PainSite) -> str:
    words = region_words(site.region)
    if site.side in ("left", "right"):
        return f"{site.side} {words}"
    if site.side == "both":
        return f"{words} (both sides)"
    return words


def _yes_no_unknown(value: Optional[bool], yes: str, no: str) -> Optional[str]:
    if value is None:
        return None
    return yes if value else no


def duration_words(days: Optional[int]) -> Optional[str]:
    if days is None:
        return None
    if days == 0:
        return "since today"
    if days < 14:
        return f"about {days} day{'s' if days != 1 else ''}"
    if days < 60:
        return f"about {round(days / 7)} weeks"
    if days < 730:
        return f"about {round(days / 30)} months"
    return f"about {round(days / 365)} years"


def summary_lines(record: IntakeRecord) -> List[str]:
    lines: List[str] = []
    if record.pain_sites:
        lines.append("Pain: " + ", ".join(describe_site(s) for s in record.pain_sites))
    if record.radiation_present:
        where = reach_words(record.radiation_to)
        lines.append("Travels down the leg" + (f" to the {where}" if where else ""))
    elif record.radiation_present is False:
        lines.append("Does not travel down the leg")
    numb = _yes_no_unknown(record.numbness_present, "Numbness or tingling", "No numbness or tingling")
    if numb:
        if record.numbness_present and record.numbness_sites:
            numb += " in the " + ", ".join(region_words(r) for r in record.numbness_sites)
        lines.append(numb)
    weak = _yes_no_unknown(record.weakness_present, "Weakness", "No weakness")
    if weak:
        if record.weakness_present and record.has("weakness_worsening"):
            weak += ", getting worse"
        lines.append(weak)
    if record.gait_changes is not None:
        lines.append("Walking: " + (", ".join(_GAIT_WORDS.get(g, g) for g in record.gait_changes)
                                    if record.gait_changes else "no changes"))
    if record.severity is not None:
        lines.append(f"Pain level: {record.severity} out of 10")
    if record.onset:
        lines.append(f"Started {'suddenly' if record.onset == 'sudden' else 'gradually'}")
    if record.duration_days is not None:
        lines.append(f"How long: {duration_words(record.duration_days)}")
    if record.cause:
        cause = record.cause_words or {"none": "nothing in particular"}.get(record.cause, record.cause)
        lines.append(f"Cause: {cause}")
    if record.prior_care is not None:
        lines.append("Tried so far: " + (", ".join(care_words(c) for c in record.prior_care)
                                         if record.prior_care else "nothing yet"))
    flags = [name.replace("_", " ") for name, f in record.findings.items() if f.present]
    if flags:
        lines.append("Also: " + ", ".join(flags))
    patient = record.patient
    contact = [x for x in (patient.name, patient.date_of_birth and f"born {patient.date_of_birth}",
                           patient.phone, patient.email) if x]
    if contact:
        lines.append("Contact: " + ", ".join(contact))
    if patient.preferred_visit:
        lines.append(f"Visit: {_VISIT_WORDS[patient.preferred_visit]}")
    return lines


def summary_text(record: IntakeRecord) -> str:
    """The summary as one text, one fact per line."""
    return "\n".join(f"- {line}" for line in summary_lines(record))
