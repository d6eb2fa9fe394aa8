"""Plain-language labels for the contract's codes, as staff read them."""
from __future__ import annotations

from typing import Optional

from bot import codes

URGENCY = {
    "emergency_911": "Emergency: call 911",
    "emergency_ed": "Emergency: emergency department now",
    "urgent_24h": "Urgent: seen within 24 hours",
    "routine": "Routine",
}
URGENCY_SHORT = {
    "emergency_911": "EMERGENCY 911",
    "emergency_ed": "EMERGENCY ED",
    "urgent_24h": "URGENT 24 h",
    "routine": "Routine",
}
URGENCY_RANK = {"emergency_911": 0, "emergency_ed": 1, "urgent_24h": 2, "routine": 3}

SPECIALIST = {
    "spine_surgery": "Spine surgery",
    "pain_management": "Pain management",
    "podiatry": "Podiatry",
    "sports_medicine": "Sports medicine",
    "staff_review": "Staff review (no confident suggestion)",
}

CHANNEL = {"web": "Web chat", "sms": "SMS", "rest": "API"}

REVIEW_STATUS = {"new": "New", "reviewed": "Reviewed", "scheduled": "Scheduled", "closed": "Closed"}
DELIVERY_STATUS = {"pending": "Not yet delivered", "delivered": "Delivered", "failed": "Delivery failed"}
OUTBOX_STATUS = {
    "pending": "waiting for the next attempt", "in_flight": "being sent now",
    "delivered": "delivered", "failed": "stopped: needs a retry",
}

VISIT = {"in_person": "In person", "telehealth_ok": "Telehealth is fine"}
PREFERRED_VISIT = {
    "in_person": "In person", "telehealth": "Telehealth (video)", "no_preference": "No preference",
}
ONSET = {"sudden": "Sudden", "gradual": "Gradual"}
SIDE = {"left": "left", "right": "right", "both": "both sides", "midline": "middle"}

REGION = {
    "back": "back", "leg": "leg", "foot": "foot", "neck": "neck", "upper_back": "upper back",
    "lower_back": "lower back", "buttock": "buttock", "hip": "hip", "groin": "groin",
    "thigh": "thigh", "knee": "knee", "shin": "shin", "calf": "calf", "ankle": "ankle",
    "heel": "heel (hindfoot)", "arch": "arch (midfoot)", "top_of_foot": "top of foot (midfoot)",
    "ball_of_foot": "ball of foot (forefoot)", "toes": "toes (forefoot)",
    "big_toe": "big toe (forefoot)", "outer_foot": "outer foot", "inner_foot": "inner foot",
    "sole": "sole", "shoulder": "shoulder", "other": "other",
}

GAIT = {
    "limping": "Limping",
    "foot_drop": "Foot drop",
    "dragging_foot": "Dragging the foot",
    "tripping": "Tripping or catching the toes",
    "steppage_gait": "Steppage gait (lifts the knee high to clear the foot)",
    "foot_slap": "Foot slap",
    "heel_walk_difficulty": "Cannot walk on heels",
    "toe_walk_difficulty": "Cannot walk on tiptoe",
    "balance_problems": "Balance problems",
    "walking_distance_limited": "Walking distance limited",
    "cannot_bear_weight": "Cannot bear weight",
}

RED_FLAG = {
    "saddle_numbness": "Saddle numbness",
    "bladder_dysfunction": "Bladder problem",
    "bowel_dysfunction": "Bowel problem",
    "sexual_dysfunction": "Sexual function change",
    "bilateral_leg_symptoms": "Symptoms in both legs",
    "progressive_weakness": "Weakness getting worse",
    "fever_infection_risk": "Fever or infection risk",
    "cancer_history": "History of cancer",
    "unexplained_weight_loss": "Unexplained weight loss",
    "night_pain": "Night or rest pain",
    "major_trauma": "Major trauma",
    "fracture_risk": "Fracture risk",
    "new_foot_drop": "New foot drop",
    "collapse_or_faint": "Collapse or fainting",
    "stroke_signs": "Stroke signs",
    "cold_pale_foot": "Cold, pale foot",
    "diabetic_foot_wound": "Diabetic foot wound",
    "uncontrolled_pain": "Uncontrolled pain",
}

NERVE_ROOT = {
    "L4": ("front of knee and shin to the inner ankle", "heel walking may be weak"),
    "L5": ("outer shin, top of the foot, big toe, web between first and second toe",
           "cannot walk on heels, foot drop, steppage gait"),
    "S1": ("back of calf, outer foot, little toe, sole, heel", "cannot walk or rise on tiptoes"),
}

ACTION = {
    "queue.view": "Viewed the queue",
    "handoff.view": "Viewed a handoff",
    "handoff.export": "Exported a handoff",
    "handoff.export_unavailable": "Export not available",
    "handoff.review_status": "Changed review status",
    "handoff.note_added": "Added a note",
    "handoff.specialist_override": "Changed the suggested specialist",
    "outbox.requeue": "Retried delivery",
    "audit.view": "Viewed the audit log",
    "users.view": "Viewed staff accounts",
    "auth.login": "Signed in",
    "auth.login_failed": "Failed sign-in",
    "auth.locked": "Account locked",
    "auth.logout": "Signed out",
    "auth.session_expired": "Session expired",
    "staff.user_created": "Staff account created",
    "staff.password_set": "Password set",
}


def label(table: dict, code: Optional[str], empty: str = "not given") -> str:
    if code is None or code == "":
        return empty
    return table.get(code, str(code).replace("_", " "))


def finding(name: str) -> str:
    """A finding code (bot.codes.FINDINGS) as words: ``night_pain`` -> ``Night pain``."""
    special = {
        "iv_drug_use": "IV drug use", "weight_loss": "Weight loss",
        "leg_crossing_kneeling": "Leg crossing or kneeling",
        "heel_pain_first_steps": "Heel pain on first steps",
        "limp_from_foot_pain": "Limping because the foot hurts",
    }
    if name in special:
        return special[name]
    return name.replace("_", " ").capitalize()


def region(code: Optional[str], side: Optional[str] = None) -> str:
    text = label(REGION, code)
    if side and code in codes.SIDED_REGIONS | {"groin"} and side != "midline":
        return f"{text} ({SIDE.get(side, side)})"
    return text


def phone(number: Optional[str]) -> str:
    """E.164 as people read it: +12015550142 -> (201) 555-0142; other countries as given."""
    if not number:
        return ""
    digits = number[1:] if number.startswith("+") else number
    if number.startswith("+1") and len(digits) == 11 and digits.isdigit():
        return f"({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    return number


def audit_detail(detail, prefix: str = "") -> list:
    """An audit event's detail as short "key: value" pairs (empty values left out)."""
    pairs = []
    if not isinstance(detail, dict):
        return [("", str(detail))] if detail not in (None, "", [], {}) else []
    for key, value in detail.items():
        name = f"{prefix}{key}"
        if value is None or value is False or value in ("", [], {}):
            continue
        if isinstance(value, dict):
            pairs.extend(audit_detail(value, prefix=f"{name}."))
        elif isinstance(value, list):
            shown = ", ".join(str(v)[:8] for v in value[:3])
            more = f" +{len(value) - 3}" if len(value) > 3 else ""
            pairs.append((name, f"{len(value)}: {shown}{more}"))
        else:
            pairs.append((name, "yes" if value is True else str(value)))
    return pairs
