"""Code lists from the handoff contract (shared/handoff-contract.md, version 1).

These are the only values the payload may carry; everything else in the project
refers to these names instead of repeating string literals.
"""
from __future__ import annotations

CONTRACT_VERSION = "1"

REGIONS = (
    "back", "leg", "foot",
    "neck", "upper_back", "lower_back", "buttock", "hip", "groin", "thigh", "knee",
    "shin", "calf", "ankle", "heel", "arch", "top_of_foot", "ball_of_foot", "toes",
    "big_toe", "outer_foot", "inner_foot", "sole", "shoulder", "other",
)

BACK_REGIONS = frozenset({"back", "neck", "upper_back", "lower_back"})
# Leg regions above the knee, the knee, and below it; foot zones as the contract groups them.
LEG_ABOVE_KNEE = frozenset({"buttock", "hip", "groin", "thigh"})
LEG_BELOW_KNEE = frozenset({"shin", "calf", "ankle"})
FOOT_REGIONS = frozenset({
    "foot", "heel", "arch", "top_of_foot", "ball_of_foot", "toes", "big_toe",
    "outer_foot", "inner_foot", "sole",
})
FOOT_ZONES = {
    "hindfoot": ("heel",),
    "midfoot": ("arch", "top_of_foot"),
    "forefoot": ("ball_of_foot", "toes", "big_toe"),
}
# Regions that have a left and a right; spine regions are midline.
SIDED_REGIONS = frozenset(
    LEG_ABOVE_KNEE | LEG_BELOW_KNEE | FOOT_REGIONS | {"leg", "knee", "shoulder"}
)

SIDES = ("left", "right", "both", "midline")

GAITS = (
    "limping", "foot_drop", "dragging_foot", "tripping", "steppage_gait", "foot_slap",
    "heel_walk_difficulty", "toe_walk_difficulty", "balance_problems",
    "walking_distance_limited", "cannot_bear_weight",
)

RED_FLAGS = (
    "saddle_numbness", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction",
    "bilateral_leg_symptoms", "progressive_weakness", "fever_infection_risk",
    "cancer_history", "unexplained_weight_loss", "night_pain", "major_trauma",
    "fracture_risk", "new_foot_drop", "collapse_or_faint", "stroke_signs",
    "cold_pale_foot", "diabetic_foot_wound", "uncontrolled_pain",
)

URGENCIES = ("emergency_911", "emergency_ed", "urgent_24h", "routine")
EMERGENCY_URGENCIES = frozenset({"emergency_911", "emergency_ed"})

SPECIALISTS = ("spine_surgery", "pain_management", "podiatry", "sports_medicine", "staff_review")

VISITS = ("in_person", "telehealth_ok")
PREFERRED_VISITS = ("in_person", "telehealth", "no_preference")
ONSETS = ("sudden", "gradual")
CHANNELS = ("web", "sms", "rest")
NERVE_ROOTS = ("L4", "L5", "S1")

# Findings: the clinical facts that are not a contract field of their own but that
# the triage rules read. The language layer (bot.nlp) and the red-flag screen
# questions set them; bot.triage reads them. A finding is True (present), False
# (the patient said no) or missing (not asked / unknown).
FINDINGS = (
    # cauda equina
    "saddle_numbness", "urinary_retention", "urinary_incontinence", "bowel_incontinence",
    "sexual_dysfunction", "bilateral_leg_symptoms",
    # neurological course
    "weakness_worsening", "weakness_both_legs",
    # infection
    "fever", "iv_drug_use", "immunosuppression", "recent_spinal_procedure", "current_infection",
    # trauma and fracture risk
    "major_trauma", "minor_fall", "osteoporosis", "long_term_steroids",
    # serious pathology
    "cancer_history", "weight_loss", "night_pain",
    # 911 tier
    "fainted", "shock_signs", "feeling_faint", "stroke_signs", "cold_pale_foot",
    "uncontrolled_bleeding", "open_fracture", "dislocation",
    # not the clinic's field, but an emergency whoever hears it: chest pain with breathlessness
    "chest_pain", "shortness_of_breath",
    # foot and diabetes
    "diabetes", "foot_wound", "spreading_redness", "foul_discharge", "red_hot_swollen_foot",
    "foot_swelling", "foot_color_change", "new_foot_ulcer",
    # pain control, injury details
    "pain_uncontrolled", "pop_felt", "cannot_push_off", "sprain", "giving_way",
    "sports_injury", "acute_injury", "leg_crossing_kneeling", "knee_injury",
    # foot features (podiatry rules)
    "heel_pain_first_steps", "ball_of_foot_pain", "burning_between_toes", "bunion",
    "toenail_problem", "skin_problem", "flat_feet", "arch_pain", "inner_ankle_burning",
    "overpronation", "leg_length_difference", "limp_from_foot_pain", "stocking_numbness",
    "diabetic_foot_check",
    # history and wishes
    "prior_spine_surgery", "wants_injections",
)

CAUSES = ("injury", "sport", "lifting", "footwear", "none", "other")
