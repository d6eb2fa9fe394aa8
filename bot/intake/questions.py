"""The intake questions: when each one applies and how its answer is read.

Each question is a slot of the Rasa form (its id is the slot name) and has a
response ``utter_ask_<id>`` in domain.yml with the words the patient sees. Here
lives what the form needs to decide: is the question relevant for what we know so
far, is it already answered, and which record fields an answer sets.

Checklist questions list their options; an option sets one or more findings to
True and "none" sets every finding of the question to False, so that "no" is
recorded as a no and not as "not asked".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from bot import codes
from bot.intake.record import IntakeRecord

Predicate = Callable[[IntakeRecord], bool]


# -- what we know so far ----------------------------------------------------------------
def _regions(r: IntakeRecord) -> set:
    return set(r.regions) | set(r.radiation_to) | set(r.numbness_sites)


def back_involved(r: IntakeRecord) -> bool:
    return bool(set(r.regions) & codes.BACK_REGIONS)


def foot_involved(r: IntakeRecord) -> bool:
    return bool(_regions(r) & (codes.FOOT_REGIONS | {"ankle"}))


def leg_involved(r: IntakeRecord) -> bool:
    legs = codes.LEG_ABOVE_KNEE | codes.LEG_BELOW_KNEE | {"leg", "knee"}
    return bool(_regions(r) & legs) or bool(r.radiation_present)


def lower_body(r: IntakeRecord) -> bool:
    """Back, leg or foot: the clinic's own territory, where nerve questions matter."""
    lower_back = bool(set(r.regions) & {"back", "lower_back"})
    return lower_back or leg_involved(r) or foot_involved(r)


def nerve_questions_apply(r: IntakeRecord) -> bool:
    """Weakness, gait and the walking self-checks: for leg and foot symptoms, or back
    pain that travels. Not for neck or shoulder pain alone."""
    return leg_involved(r) or foot_involved(r) or bool(r.radiation_present)


def has_sided_region_without_side(r: IntakeRecord) -> bool:
    return any(s.region in codes.SIDED_REGIONS and s.side is None for s in r.pain_sites)


def weak_or_gait(r: IntakeRecord) -> bool:
    return bool(r.weakness_present) or bool(r.gait_changes) or bool(r.radiation_below_knee)


def injury_cause(r: IntakeRecord) -> bool:
    return r.cause in ("injury", "sport") or r.has("minor_fall") or r.has("major_trauma")


def any_finding_known(*names: str) -> Predicate:
    return lambda r: any(r.known(n) for n in names)


@dataclass(frozen=True)
class Option:
    code: str  # payload code: a finding, a region, a gait, or a special word
    title: str  # button title, short


@dataclass(frozen=True)
class Question:
    id: str
    label: str  # short clinician-facing wording for the answers list / FHIR
    kind: str
    applies: Predicate
    answered: Predicate
    options: Tuple[Option, ...] = ()
    skippable: bool = True
    # findings a checklist question covers: "none" denies all of them
    covers: Tuple[str, ...] = field(default=())


def _opts(*pairs: Tuple[str, str]) -> Tuple[Option, ...]:
    return tuple(Option(code, title) for code, title in pairs)


def _always(_: IntakeRecord) -> bool:
    return True


RF_911 = ("fainted", "stroke_signs", "cold_pale_foot", "uncontrolled_bleeding")
RF_CAUDA = ("saddle_numbness", "urinary_retention", "urinary_incontinence",
            "bowel_incontinence", "sexual_dysfunction")
RF_NEURO = ("weakness_both_legs", "weakness_worsening", "bilateral_leg_symptoms")
RF_INFECTION_RISK = ("iv_drug_use", "immunosuppression", "recent_spinal_procedure",
                     "current_infection")
RF_SERIOUS = ("cancer_history", "weight_loss", "night_pain")
RF_BONE = ("osteoporosis", "long_term_steroids")
FOOT_SKIN = ("foot_wound", "spreading_redness", "foul_discharge", "red_hot_swollen_foot",
             "foot_color_change", "foot_swelling")
FOOT_FEATURES = ("heel_pain_first_steps", "ball_of_foot_pain", "burning_between_toes", "bunion",
                 "toenail_problem", "skin_problem", "flat_feet", "arch_pain", "inner_ankle_burning")
FOOT_MECHANICS = ("flat_feet", "overpronation", "leg_length_difference", "limp_from_foot_pain")
INJURY_DETAIL = ("pop_felt", "cannot_push_off", "sprain", "giving_way")
PERONEAL = ("leg_crossing_kneeling", "knee_injury")


def _checklist_answered(names: Sequence[str]) -> Predicate:
    return lambda r: any(r.known(n) for n in names)


QUESTIONS: Tuple[Question, ...] = (
    Question("q_complaint", "What brings you in? (patient's own words)", "complaint",
             _always, lambda r: bool(r.patient_words), skippable=False),
    Question("q_location", "Where is the pain?", "regions",
             _always, lambda r: bool(r.pain_sites),
             options=_opts(("lower_back", "Lower back"), ("upper_back", "Upper back"),
                           ("neck", "Neck"), ("buttock", "Buttock or hip"),
                           ("leg", "Leg"), ("heel", "Heel"), ("arch", "Arch or midfoot"),
                           ("ball_of_foot", "Ball of foot or toes"), ("ankle", "Ankle")),
             skippable=False),
    # -- early red-flag screen ---------------------------------------------------------
    Question("q_rf_911", "Fainting, stroke signs, a suddenly cold or blue foot, or heavy bleeding?",
             "checklist", _always, _checklist_answered(RF_911),
             options=_opts(("fainted", "I fainted or collapsed"),
                           ("stroke_signs", "Sudden face, arm or leg weakness, or trouble speaking"),
                           ("cold_pale_foot", "A foot suddenly cold, pale or blue"),
                           ("uncontrolled_bleeding", "Heavy bleeding or a bone through the skin"),
                           ("none", "None of these")),
             covers=RF_911),
    Question("q_rf_cauda", "New saddle numbness, bladder, bowel or sexual changes?",
             "checklist", lower_body, _checklist_answered(RF_CAUDA),
             options=_opts(("saddle_numbness", "Numb groin, genitals, inner thighs or buttocks"),
                           ("urinary_retention", "Trouble starting to pee or not feeling bladder fill"),
                           ("urinary_incontinence", "New leaking of urine"),
                           ("bowel_incontinence", "New loss of bowel control"),
                           ("sexual_dysfunction", "New problems with erections or ejaculation"),
                           ("none", "None of these")),
             covers=RF_CAUDA),
    Question("q_rf_neuro", "Weakness in both legs, weakness getting worse, or symptoms in both legs?",
             "checklist", lambda r: back_involved(r) or leg_involved(r),
             _checklist_answered(RF_NEURO),
             options=_opts(("weakness_both_legs", "Weakness in both legs"),
                           ("weakness_worsening", "Weakness getting worse over hours or days"),
                           ("bilateral_leg_symptoms", "Pain or numbness down both legs"),
                           ("none", "None of these")),
             covers=RF_NEURO),
    Question("q_rf_fever", "Fever or chills?", "yes_no_finding",
             lower_body, lambda r: r.known("fever"), covers=("fever",)),
    Question("q_rf_infection_risk", "Infection risks (IV drugs, weak immune system, recent spine procedure, infection)?",
             "checklist", lambda r: r.has("fever") and back_involved(r),
             _checklist_answered(RF_INFECTION_RISK),
             options=_opts(("iv_drug_use", "Injecting drugs"),
                           ("immunosuppression", "Weak immune system (steroids, chemo, transplant, HIV)"),
                           ("recent_spinal_procedure", "A spine procedure or injection recently"),
                           ("current_infection", "An infection right now"),
                           ("none", "None of these")),
             covers=RF_INFECTION_RISK),
    Question("q_rf_trauma", "Did it start after an accident or a fall?", "checklist",
             _always, _checklist_answered(("major_trauma", "minor_fall")),
             options=_opts(("major_trauma", "A serious accident (car crash, fall from a height)"),
                           ("minor_fall", "A minor fall or slip"),
                           ("none", "No accident or fall")),
             covers=("major_trauma", "minor_fall")),
    Question("q_rf_bone", "Osteoporosis or long-term steroids?", "checklist",
             lambda r: r.has("minor_fall") and back_involved(r), _checklist_answered(RF_BONE),
             options=_opts(("osteoporosis", "Osteoporosis (thin bones)"),
                           ("long_term_steroids", "Steroid tablets for months"),
                           ("none", "Neither")),
             covers=RF_BONE),
    Question("q_rf_serious", "Cancer history, unexplained weight loss, or night pain?", "checklist",
             back_involved, _checklist_answered(RF_SERIOUS),
             options=_opts(("cancer_history", "I have or had cancer"),
                           ("weight_loss", "Losing weight without trying"),
                           ("night_pain", "Pain at night or at rest that does not ease"),
                           ("none", "None of these")),
             covers=RF_SERIOUS),
    Question("q_diabetes", "Do you have diabetes?", "yes_no_finding",
             foot_involved, lambda r: r.known("diabetes"), covers=("diabetes",)),
    Question("q_foot_skin", "Wound, spreading redness, discharge, or a red, hot, swollen foot?",
             "checklist", foot_involved, _checklist_answered(FOOT_SKIN),
             options=_opts(("foot_wound", "An open sore, ulcer or wound"),
                           ("spreading_redness", "Redness that is spreading"),
                           ("foul_discharge", "Pus or bad-smelling discharge"),
                           ("red_hot_swollen_foot", "Red, hot and swollen"),
                           ("foot_color_change", "A change in skin color"),
                           ("foot_swelling", "Swelling"),
                           ("none", "None of these")),
             covers=FOOT_SKIN),
    Question("q_foot_fever", "Fever or chills?", "yes_no_finding",
             lambda r: foot_involved(r) and any(r.has(n) for n in FOOT_SKIN) and not r.known("fever"),
             lambda r: r.known("fever"), covers=("fever",)),
    # -- the complaint ------------------------------------------------------------------
    Question("q_side", "Which side?", "side",
             has_sided_region_without_side, lambda r: not has_sided_region_without_side(r),
             options=_opts(("left", "Left"), ("right", "Right"), ("both", "Both sides"))),
    Question("q_radiation", "Does the pain travel down the leg?", "radiation",
             lambda r: back_involved(r) or bool(set(r.regions) & {"buttock", "hip", "thigh", "leg"}),
             lambda r: r.radiation_present is not None),
    Question("q_radiation_to", "How far down does it travel?", "radiation_to",
             lambda r: bool(r.radiation_present),
             lambda r: bool(r.radiation_to) or r.radiation_below_knee is not None,
             options=_opts(("buttock", "Buttock"), ("thigh", "Thigh"), ("knee", "To the knee"),
                           ("calf", "Below the knee"), ("foot", "Into the foot"),
                           ("big_toe", "Top of foot or big toe"),
                           ("outer_foot", "Outer foot, sole or heel"))),
    Question("q_numbness", "Any numbness or tingling, and where?", "numbness",
             lambda r: lower_body(r), lambda r: r.numbness_present is not None),
    Question("q_numbness_sites", "Where is the numbness or tingling?", "numbness_sites",
             lambda r: bool(r.numbness_present), lambda r: bool(r.numbness_sites),
             options=_opts(("thigh", "Thigh"), ("shin", "Shin"), ("top_of_foot", "Top of foot"),
                           ("big_toe", "Big toe"), ("outer_foot", "Outer foot"),
                           ("sole", "Sole"), ("heel", "Heel"), ("toes", "Toes"),
                           ("inner_foot", "Inner ankle or foot"))),
    Question("q_weakness", "Any weakness in the leg or foot?", "weakness",
             nerve_questions_apply, lambda r: r.weakness_present is not None),
    Question("q_weakness_course", "Is the weakness new, and is it getting worse?", "weakness_course",
             lambda r: bool(r.weakness_present), lambda r: r.weakness_new is not None,
             options=_opts(("worsening", "Getting worse over hours or days"),
                           ("new_stable", "New, but not getting worse"),
                           ("long_standing", "I've had it a long time"))),
    Question("q_gait", "Has walking changed?", "gait", nerve_questions_apply,
             lambda r: r.gait_changes is not None,
             options=_opts(("limping", "Limping"), ("tripping", "Tripping"),
                           ("dragging_foot", "Dragging or catching my toes"),
                           ("steppage_gait", "Lifting my knee high to clear my foot"),
                           ("foot_slap", "My foot slaps down"),
                           ("balance_problems", "Unsteady, poor balance"),
                           ("walking_distance_limited", "Can only walk a short way"),
                           ("cannot_bear_weight", "Can't put weight on it"),
                           ("none", "Walking is normal"))),
    Question("q_heel_walk", "Self-check: can walk a few steps on heels?", "self_check",
             lambda r: nerve_questions_apply(r) and weak_or_gait(r),
             lambda r: r.heel_walk_ok is not None),
    Question("q_toe_walk", "Self-check: can walk on tiptoe or rise on toes on one leg?", "self_check",
             lambda r: nerve_questions_apply(r) and weak_or_gait(r),
             lambda r: r.toe_walk_ok is not None),
    Question("q_peroneal", "Leg crossing, kneeling or a recent knee injury?", "checklist",
             lambda r: not back_involved(r) and (bool(r.weakness_present) or bool(
                 set(r.numbness_sites) & {"top_of_foot", "shin", "outer_foot"}) or
                 bool(set(r.gait_changes or []) & {"foot_drop", "dragging_foot", "foot_slap"})),
             _checklist_answered(PERONEAL),
             options=_opts(("leg_crossing_kneeling", "I often cross my legs, kneel or squat"),
                           ("knee_injury", "I hurt my knee recently"),
                           ("none", "Neither")),
             covers=PERONEAL),
    Question("q_foot_features", "Which describes the foot problem?", "checklist",
             lambda r: foot_involved(r) and not bool(r.radiation_below_knee),
             _checklist_answered(FOOT_FEATURES),
             options=_opts(("heel_pain_first_steps", "Heel pain with first steps"),
                           ("ball_of_foot_pain", "Pain in the ball of the foot"),
                           ("burning_between_toes", "Burning between the toes"),
                           ("bunion", "Bunion"), ("toenail_problem", "Toenail problem"),
                           ("skin_problem", "Skin problem (corn, callus, wart)"),
                           ("flat_feet", "Flat feet or arch pain"),
                           ("inner_ankle_burning", "Burning at the inner ankle"),
                           ("none", "Something else")),
             covers=FOOT_FEATURES),
    Question("q_foot_mechanics", "Flat feet, leg-length difference, or limping from foot pain?",
             "checklist",
             lambda r: back_involved(r) and not foot_involved(r) and not r.radiation_present,
             _checklist_answered(FOOT_MECHANICS),
             options=_opts(("flat_feet", "Flat feet"), ("overpronation", "Feet roll inward"),
                           ("leg_length_difference", "One leg longer than the other"),
                           ("limp_from_foot_pain", "I limp because my foot hurts"),
                           ("none", "None of these")),
             covers=FOOT_MECHANICS),
    Question("q_severity", "Pain now, 0 to 10", "severity", _always,
             lambda r: r.severity is not None),
    Question("q_pain_control", "Is the pain controlled by usual measures?", "pain_control",
             lambda r: (r.severity or 0) >= 8, lambda r: r.known("pain_uncontrolled")),
    Question("q_onset", "Sudden or gradual onset?", "onset", _always,
             lambda r: r.onset is not None,
             options=_opts(("sudden", "Suddenly"), ("gradual", "Gradually"))),
    Question("q_duration", "How long has it been going on?", "duration", _always,
             lambda r: r.duration_days is not None),
    Question("q_cause", "What started it?", "cause", _always, lambda r: r.cause is not None,
             options=_opts(("injury", "An injury or fall"), ("sport", "Sport or exercise"),
                           ("lifting", "Lifting or bending"), ("footwear", "New shoes or footwear"),
                           ("none", "Nothing I know of"))),
    Question("q_injury_detail", "Pop felt, cannot push off, sprain, or giving way?", "checklist",
             lambda r: injury_cause(r) and (foot_involved(r) or leg_involved(r)),
             _checklist_answered(INJURY_DETAIL),
             options=_opts(("pop_felt", "I felt a pop or a kick at the back of the ankle"),
                           ("cannot_push_off", "I can't push off or stand on tiptoe"),
                           ("sprain", "I twisted or sprained it"),
                           ("giving_way", "It gives way"),
                           ("none", "None of these")),
             covers=INJURY_DETAIL),
    Question("q_prior_care", "What has been tried so far?", "prior_care", _always,
             lambda r: r.prior_care is not None),
    Question("q_spine_surgery", "Earlier spine surgery?", "yes_no_finding",
             lambda r: back_involved(r) or bool(r.radiation_present),
             lambda r: r.known("prior_spine_surgery"), covers=("prior_spine_surgery",)),
    # -- contact details ----------------------------------------------------------------
    Question("q_name", "Name", "name", _always, lambda r: bool(r.patient.name)),
    Question("q_dob", "Date of birth", "dob", _always, lambda r: bool(r.patient.date_of_birth)),
    Question("q_phone", "Phone", "phone", _always, lambda r: bool(r.patient.phone)),
    Question("q_email", "Email (optional)", "email", _always, lambda r: bool(r.patient.email)),
    Question("q_visit", "Preferred visit", "visit", _always,
             lambda r: r.patient.preferred_visit is not None,
             options=_opts(("in_person", "In person"), ("telehealth", "Telehealth (video)"),
                           ("no_preference", "No preference"))),
    Question("q_confirm", "Summary confirmed", "confirm", _always, lambda r: False,
             skippable=False),
)

BY_ID: Dict[str, Question] = {q.id: q for q in QUESTIONS}
SLOT_NAMES: List[str] = [q.id for q in QUESTIONS]
CONTACT_QUESTIONS = ("q_name", "q_dob", "q_phone", "q_email", "q_visit")


def pending(record: IntakeRecord, confirmed: bool = False) -> List[str]:
    """The questions still to ask, in order: relevant, unanswered, not skipped."""
    out = []
    for question in QUESTIONS:
        if question.id == "q_confirm":
            if not confirmed:
                out.append(question.id)
            continue
        if question.id in record.unknown or not question.applies(record):
            continue
        if not question.answered(record):
            out.append(question.id)
    return out


def option_by_number(question: Question, text: str) -> Optional[List[str]]:
    """'1', '1 and 3', '2,4' pick options by their number (SMS answers)."""
    import re

    stripped = text.strip()
    if not question.options or not re.fullmatch(r"[\d\s,&and]+", stripped):
        return None
    numbers = [int(n) for n in re.findall(r"\d+", stripped)]
    if not numbers or any(n < 1 or n > len(question.options) for n in numbers):
        return None
    return [question.options[n - 1].code for n in numbers]
