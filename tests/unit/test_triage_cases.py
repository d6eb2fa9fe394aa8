"""Table-driven triage cases: one record per row, the expected decision beside it.

Each case: id, expected (urgency, specialist, rule, visit), the record in the terse form
`make_record` takes, and where it matters also_consider and the nerve-root hint.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional, Tuple

import pytest

from bot import codes
from bot.intake.record import Finding, IntakeRecord, PainSite, Patient
from bot.triage import TriageResult, emergency_urgency, nerve_root_hint, triage
from bot.triage.rules import default_rules

TODAY = date(2025, 6, 1)
ANY = object()  # "not checked" for also_consider / nerve root
BACK = ("lower_back", "midline")


def make_record(sites=(), radiation_to=(), radiation=None, below_knee=None,
                numbness_sites=(), numbness=None, weakness_sites=(), weakness=None,
                weakness_new=None, gait=None, heel_walk_ok=None, toe_walk_ok=None,
                severity=None, duration=None, cause=None, prior_care=None,
                findings=None, age=None, dob=None, prefers=None,
                sites_asked=True) -> IntakeRecord:
    """A record in a line. sites: "region" or ("region", "side"); findings: name -> bool,
    or name -> (bool, "patient words"); age: whole years on TODAY (or give dob)."""
    if age is not None:
        dob = f"{TODAY.year - age}-01-01"
    record = IntakeRecord(
        pain_sites=[PainSite(*((s,) if isinstance(s, str) else s)) for s in sites],
        pain_sites_asked=sites_asked or bool(sites),
        radiation_present=radiation if radiation is not None else (True if radiation_to else None),
        radiation_to=list(radiation_to), radiation_below_knee=below_knee,
        numbness_present=numbness if numbness is not None else (True if numbness_sites else None),
        numbness_sites=list(numbness_sites),
        weakness_present=weakness if weakness is not None else (True if weakness_sites else None),
        weakness_sites=list(weakness_sites), weakness_new=weakness_new,
        gait_changes=gait, heel_walk_ok=heel_walk_ok, toe_walk_ok=toe_walk_ok,
        severity=severity, duration_days=duration, cause=cause, prior_care=prior_care,
        patient=Patient(date_of_birth=dob, preferred_visit=prefers),
    )
    for name, value in (findings or {}).items():
        present, words = value if isinstance(value, tuple) else (value, "")
        record.set_finding(name, present, words)
    return record


@dataclass
class Case:
    id: str
    expect: Tuple[str, Optional[str], str, Optional[str]]  # urgency, specialist, rule, visit
    record: Dict[str, Any]
    also: Any = ANY
    root: Any = ANY
    flags: Any = ANY  # red-flag codes, in order


def C(id, expect, also=ANY, root=ANY, flags=ANY, **record) -> Case:
    return Case(id, tuple(expect.split()) if isinstance(expect, str) else expect,
                record, also, root, flags)


E911, ED, U24, ROUTINE = "emergency_911", "emergency_ed", "urgent_24h", "routine"


def emergency(urgency: str, rule: str) -> Tuple[str, None, str, None]:
    return (urgency, None, rule, None)


# A plain, recent, mechanical back pain in a 40-year-old matches no row (R10): the
# baseline many cases add one thing to.
PLAIN_BACK = dict(sites=[BACK], duration=20, age=40)


def plain_back(**extra) -> Dict[str, Any]:
    return {**PLAIN_BACK, **extra}


CASES: List[Case] = [
    # -- emergency_911 ----------------------------------------------------------------
    C("911-fainted", emergency(E911, "E911-1"), flags=["collapse_or_faint"],
      **plain_back(findings={"fainted": (True, "I passed out in the kitchen")})),
    C("911-shock-signs", emergency(E911, "E911-1"), findings={"shock_signs": True}),
    C("911-faint-back-age-61", emergency(E911, "E911-2"), flags=["collapse_or_faint"],
      **plain_back(age=61, findings={"feeling_faint": True})),
    C("faint-back-age-60-not-911", f"{U24} spine_surgery U24-5 in_person", flags=[],
      **plain_back(age=60, findings={"feeling_faint": True})),
    C("faint-back-age-unknown-not-911", f"{ROUTINE} staff_review R10 in_person",
      sites=[BACK], duration=20, findings={"feeling_faint": True}),
    C("faint-no-back-pain-not-911", f"{ROUTINE} podiatry R6 in_person",
      sites=["heel"], age=75, findings={"feeling_faint": True, "heel_pain_first_steps": True}),
    C("911-trauma-new-weakness", emergency(E911, "E911-3"), flags=["major_trauma"],
      **plain_back(weakness=True, findings={"major_trauma": (True, "car crash")})),
    C("911-trauma-numb-thigh", emergency(E911, "E911-3"),
      **plain_back(numbness_sites=["thigh"], findings={"major_trauma": True})),
    C("911-stroke-signs", emergency(E911, "E911-4"), flags=["stroke_signs"],
      findings={"stroke_signs": True}),
    C("911-cold-pale-foot", emergency(E911, "E911-5"), flags=["cold_pale_foot"],
      sites=["toes"], findings={"cold_pale_foot": True}),
    C("911-open-fracture", emergency(E911, "E911-6"), sites=["ankle"],
      findings={"open_fracture": True}),
    C("911-dislocation", emergency(E911, "E911-6"), sites=["shoulder"],
      findings={"dislocation": True}),
    C("911-chest-pain-breathless", emergency(E911, "E911-7"), flags=[], sites=["lower_back"],
      findings={"chest_pain": True, "shortness_of_breath": True}),
    C("chest-pain-alone-is-not-911", f"{ROUTINE} staff_review R10 in_person", flags=[],
      **plain_back(age=40, duration=20, findings={"chest_pain": True, "shortness_of_breath": False})),
    C("911-findings-denied-do-not-fire", f"{ROUTINE} staff_review R10 in_person", flags=[],
      **plain_back(age=70, duration=60, findings={
          "fainted": False, "shock_signs": False, "stroke_signs": False,
          "feeling_faint": False, "cold_pale_foot": False})),

    # -- emergency_ed: cauda equina --------------------------------------------------
    C("ed-saddle-numbness", emergency(ED, "ED-1"), flags=["saddle_numbness"],
      **plain_back(findings={"saddle_numbness": (True, "numb down there")})),
    C("ed-saddle-denied-does-not-fire", f"{ROUTINE} staff_review R10 in_person", flags=[],
      **plain_back(findings={"saddle_numbness": (False, "no numbness down there")})),
    C("ed-saddle-before-sites-asked", emergency(ED, "ED-1"), sites_asked=False,
      findings={"saddle_numbness": True}),
    C("saddle-with-foot-pain-only-not-ed", f"{ROUTINE} podiatry R6 in_person",
      sites=["heel"], findings={"saddle_numbness": True, "heel_pain_first_steps": True}),
    C("ed-urinary-retention", emergency(ED, "ED-2"), flags=["bladder_dysfunction"],
      **plain_back(findings={"urinary_retention": True})),
    C("ed-urinary-incontinence-leg-pain", emergency(ED, "ED-2"),
      sites=[("thigh", "left")], findings={"urinary_incontinence": True}),
    C("bladder-denied-does-not-fire", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(findings={"urinary_retention": False, "urinary_incontinence": False})),
    C("ed-bowel-incontinence", emergency(ED, "ED-3"), flags=["bowel_dysfunction"],
      **plain_back(findings={"bowel_incontinence": True})),
    C("ed-sexual-dysfunction", emergency(ED, "ED-4"), flags=["sexual_dysfunction"],
      **plain_back(findings={"sexual_dysfunction": True})),
    C("ed-bilateral-sciatica-said", emergency(ED, "ED-5"), flags=["bilateral_leg_symptoms"],
      **plain_back(findings={"bilateral_leg_symptoms": True})),
    C("ed-bilateral-sciatica-from-sites", emergency(ED, "ED-5"),
      **plain_back(sites=[BACK, ("calf", "left"), ("calf", "right")], radiation_to=["calf"])),
    C("both-knees-hurt-is-not-bilateral-sciatica", f"{ROUTINE} spine_surgery R3 telehealth_ok",
      **plain_back(sites=[BACK, ("knee", "both")], radiation_to=["thigh"])),

    # -- emergency_ed: weakness, infection, trauma, foot ----------------------------------
    C("ed-weakness-worsening", emergency(ED, "ED-6"),
      flags=["progressive_weakness", "new_foot_drop"],
      **plain_back(gait=["foot_drop"], weakness_new=True,
                   findings={"weakness_worsening": (True, "my foot is getting weaker")})),
    C("ed-weakness-both-legs", emergency(ED, "ED-7"),
      **plain_back(findings={"weakness_both_legs": True})),
    C("ed-spinal-infection-risk", emergency(ED, "ED-8"), flags=["fever_infection_risk"],
      **plain_back(findings={"fever": True, "iv_drug_use": True})),
    C("ed-fever-after-spinal-injection", emergency(ED, "ED-8"),
      **plain_back(findings={"fever": True, "recent_spinal_procedure": True})),
    C("fever-without-risk-factor-not-ed", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(findings={"fever": True, "immunosuppression": False})),
    C("ed-trauma-severe-back-pain", emergency(ED, "ED-9"), flags=["major_trauma"],
      **plain_back(severity=8, findings={"major_trauma": True})),
    C("ed-trauma-back-severity-unknown", emergency(ED, "ED-9"),
      **plain_back(findings={"major_trauma": True})),
    C("trauma-mild-back-pain-not-ed", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(severity=3, findings={"major_trauma": True})),
    C("ed-diabetic-foot-wound-with-fever", emergency(ED, "ED-10"), flags=["diabetic_foot_wound"],
      sites=["sole"], findings={"diabetes": True, "foot_wound": True, "fever": True}),
    C("ed-numb-foot-wound-foul-discharge", emergency(ED, "ED-11"), flags=["fever_infection_risk"],
      sites=["sole"], numbness_sites=["sole"],
      findings={"foot_wound": True, "foul_discharge": True}),
    C("ed-red-hot-swollen-foot-fever", emergency(ED, "ED-12"),
      sites=["top_of_foot"], findings={"red_hot_swollen_foot": True, "fever": True}),

    # -- urgent_24h -----------------------------------------------------------------
    C("u24-diabetic-wound-without-fever", f"{U24} podiatry U24-8 in_person",
      flags=["diabetic_foot_wound"],
      sites=["ball_of_foot"], prefers="telehealth",
      findings={"diabetes": True, "foot_wound": (True, "a sore under my foot"), "fever": False}),
    C("u24-diabetic-new-ulcer", f"{U24} podiatry U24-8 in_person",
      sites=["toes"], findings={"diabetes": True, "new_foot_ulcer": True}),
    C("u24-diabetic-swelling", f"{U24} podiatry U24-9 in_person",
      sites=["arch"], findings={"diabetes": True, "foot_swelling": True}),
    C("u24-peroneal-palsy", f"{U24} spine_surgery U24-1 in_person", root="L5",
      flags=["new_foot_drop"], sites=[], numbness_sites=["shin", "top_of_foot"],
      gait=["foot_drop"], weakness_new=True, findings={"leg_crossing_kneeling": True}),
    C("u24-new-foot-drop-with-sciatica", f"{U24} spine_surgery U24-2 in_person", root="L5",
      **plain_back(radiation_to=["calf", "top_of_foot"], gait=["foot_drop"], weakness_new=True,
                   findings={"weakness_worsening": False})),
    C("u24-heel-walk-newness-unknown", f"{U24} spine_surgery U24-2 in_person", root="L5",
      **plain_back(radiation_to=["shin"], heel_walk_ok=False)),
    C("foot-drop-with-back-pain-is-not-peroneal", f"{U24} spine_surgery U24-2 in_person",
      **plain_back(gait=["steppage_gait"], weakness_new=True,
                   findings={"leg_crossing_kneeling": True})),
    C("u24-cancer-history", f"{U24} spine_surgery U24-3 in_person", flags=["cancer_history"],
      **plain_back(duration=60, findings={"cancer_history": (True, "I had breast cancer")})),
    C("family-cancer-is-no-cancer-history", f"{ROUTINE} staff_review R10 in_person", flags=[],
      **plain_back(duration=60, findings={"cancer_history": (False, "my dad had cancer")})),
    C("u24-weight-loss", f"{U24} spine_surgery U24-4 in_person", flags=["unexplained_weight_loss"],
      **plain_back(duration=60, findings={"weight_loss": True})),
    C("u24-age-51-new-pain", f"{U24} spine_surgery U24-5 in_person", **plain_back(age=51)),
    C("age-50-new-pain-not-urgent", f"{ROUTINE} staff_review R10 in_person", **plain_back(age=50)),
    C("age-51-pain-42-days-not-new", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(age=51, duration=42)),
    C("u24-night-pain", f"{U24} spine_surgery U24-6 in_person", flags=["night_pain"],
      **plain_back(findings={"night_pain": True})),
    C("u24-minor-fall-age-71", f"{U24} spine_surgery U24-7 in_person", flags=["fracture_risk"],
      **plain_back(age=71, duration=60, findings={"minor_fall": True})),
    C("minor-fall-age-70-not-urgent", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(age=70, duration=60, findings={"minor_fall": True})),
    C("u24-minor-fall-osteoporosis", f"{U24} spine_surgery U24-7 in_person",
      **plain_back(age=45, findings={"minor_fall": True, "osteoporosis": True})),
    C("u24-minor-fall-steroids", f"{U24} spine_surgery U24-7 in_person",
      **plain_back(findings={"minor_fall": True, "long_term_steroids": True})),
    C("u24-achilles-rupture", f"{U24} sports_medicine U24-10 in_person",
      sites=["calf", "heel"], cause="sport", duration=1, gait=["cannot_bear_weight"],
      findings={"pop_felt": (True, "felt a kick at the back of my ankle"),
                "cannot_push_off": True}),
    C("pop-but-can-push-off-is-r9", f"{ROUTINE} sports_medicine R9 in_person",
      sites=["calf"], duration=2, findings={"pop_felt": True, "cannot_push_off": False}),
    C("u24-uncontrolled-pain-table-picks-r1", f"{U24} spine_surgery U24-11 in_person",
      also=["podiatry"], root="L5", flags=["uncontrolled_pain"],
      **plain_back(sites=[BACK, "big_toe"], radiation_to=["calf", "big_toe"],
                   numbness_sites=["big_toe"], severity=9, prefers="telehealth",
                   findings={"pain_uncontrolled": (True, "nothing touches it")})),
    C("severity-7-uncontrolled-not-urgent", f"{ROUTINE} spine_surgery R3 telehealth_ok",
      **plain_back(radiation_to=["calf"], severity=7, findings={"pain_uncontrolled": True})),
    C("severity-9-controlled-not-urgent", f"{ROUTINE} spine_surgery R3 telehealth_ok",
      **plain_back(radiation_to=["calf"], severity=9, findings={"pain_uncontrolled": False})),
    C("u24-cannot-bear-weight-ankle-sprain", f"{U24} sports_medicine U24-12 in_person",
      sites=[("ankle", "right")], duration=1, gait=["cannot_bear_weight"],
      findings={"sprain": True}),
    C("u24-cannot-bear-weight-midfoot-table-r10", f"{U24} staff_review U24-12 in_person",
      sites=["top_of_foot"], cause="injury", duration=1, gait=["cannot_bear_weight"]),

    # -- specialty table: spine -------------------------------------------------------
    C("r1-back-and-big-toe-numbness-l5", f"{ROUTINE} spine_surgery R1 in_person",
      also=["podiatry"], root="L5",
      **plain_back(sites=[BACK, ("big_toe", "left")], radiation_to=["calf", "big_toe"],
                   numbness_sites=["big_toe"])),
    C("r1-s1-pattern-telehealth", f"{ROUTINE} spine_surgery R1 telehealth_ok",
      also=["podiatry"], root="S1",
      **plain_back(radiation_to=["thigh", "calf"], numbness_sites=["outer_foot", "sole"],
                   prefers="telehealth")),
    C("r1-l4-inner-ankle", f"{ROUTINE} spine_surgery R1 in_person", root="L4",
      **plain_back(radiation_to=["knee", "shin"], numbness_sites=["ankle"])),
    C("r1-below-knee-said-no-site", f"{ROUTINE} spine_surgery R1 in_person",
      **plain_back(radiation=True, below_knee=True, numbness_sites=["heel"])),
    C("r1-stable-heel-walk-weakness", f"{ROUTINE} spine_surgery R1 in_person", root="L5",
      **plain_back(radiation_to=["shin"], heel_walk_ok=False, weakness_new=False)),
    C("r1-stable-toe-walk-weakness", f"{ROUTINE} spine_surgery R1 in_person", root="S1",
      **plain_back(radiation_to=["calf"], toe_walk_ok=False, weakness_new=False,
                   prefers="telehealth")),
    C("root-pattern-beats-local-heel-pain", f"{ROUTINE} spine_surgery R1 in_person",
      also=["podiatry"], root="S1",
      **plain_back(sites=[BACK, "heel"], radiation_to=["calf", "sole"], numbness_sites=["sole"],
                   findings={"heel_pain_first_steps": True})),
    C("r2-42-days-after-physical-therapy", f"{ROUTINE} pain_management R2 in_person",
      also=[], **plain_back(radiation_to=["calf"], duration=42,
                            prior_care=["physical therapy", "ibuprofen"])),
    C("r3-41-days", f"{ROUTINE} spine_surgery R3 telehealth_ok", also=[],
      **plain_back(radiation_to=["calf"], duration=41, prior_care=["physical therapy"])),
    C("r3-with-foot-pain-adds-podiatry", f"{ROUTINE} spine_surgery R3 telehealth_ok",
      also=["podiatry"], **plain_back(sites=[BACK, "top_of_foot"], radiation_to=["top_of_foot"])),
    C("radiating-42-days-nothing-tried-r10", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(radiation_to=["calf"], duration=42, prior_care=[])),
    C("r2-asks-about-injections", f"{ROUTINE} pain_management R2 telehealth_ok",
      **plain_back(radiation_to=["thigh"], duration=10, prefers="telehealth",
                   findings={"wants_injections": True})),
    C("radiating-with-leg-weakness-r10", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(radiation_to=["thigh"], weakness_sites=["thigh"], weakness_new=False)),
    C("r4-earlier-spine-surgery", f"{ROUTINE} spine_surgery R4 in_person",
      **plain_back(duration=60, findings={"prior_spine_surgery": True})),
    C("r5-back-pain-85-days", f"{ROUTINE} pain_management R5 telehealth_ok",
      **plain_back(duration=85)),
    C("back-pain-84-days-not-r5", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(duration=84)),
    C("r5-with-limp-in-person", f"{ROUTINE} pain_management R5 in_person",
      **plain_back(duration=200, gait=["limping"])),
    C("r5-thigh-radiation-is-not-below-knee", f"{ROUTINE} pain_management R5 telehealth_ok",
      **plain_back(duration=100, radiation_to=["buttock"])),

    # -- specialty table: feet, sports, staff review ------------------------------------
    C("r6-heel-pain-first-steps", f"{ROUTINE} podiatry R6 in_person", also=[], root=None,
      sites=[("heel", "left")], duration=90, age=45, findings={"heel_pain_first_steps": True}),
    C("r6-bunion-prefers-telehealth", f"{ROUTINE} podiatry R6 telehealth_ok",
      sites=["big_toe"], prefers="telehealth", findings={"bunion": True}),
    C("r6-toenail-always-in-person", f"{ROUTINE} podiatry R6 in_person",
      sites=["toes"], prefers="telehealth", findings={"toenail_problem": True}),
    C("r6-diabetic-foot-check-no-sites", f"{ROUTINE} podiatry R6 in_person",
      sites_asked=False, findings={"diabetes": True, "diabetic_foot_check": True}),
    C("r6-tarsal-tunnel-burning", f"{ROUTINE} podiatry R6 in_person",
      sites=["ankle", "sole"], findings={"inner_ankle_burning": True}),
    C("r7-stocking-numbness", f"{ROUTINE} podiatry R7 in_person", root=None,
      numbness_sites=["sole", "toes"], findings={"stocking_numbness": True, "diabetes": True}),
    C("r7-peroneal-stable-numbness-only", f"{ROUTINE} podiatry R7 in_person", root="L5",
      numbness_sites=["shin", "top_of_foot"], findings={"leg_crossing_kneeling": True}),
    C("r8-heel-pain-and-mechanical-back-pain", f"{ROUTINE} podiatry R8 in_person",
      also=["spine_surgery", "pain_management"],
      **plain_back(sites=[BACK, "heel"], findings={"heel_pain_first_steps": True})),
    C("r8-flat-feet-and-back-pain", f"{ROUTINE} podiatry R8 in_person",
      also=["spine_surgery", "pain_management"],
      **plain_back(findings={"flat_feet": True})),
    C("r8-beats-r5-when-foot-hurts", f"{ROUTINE} podiatry R8 in_person",
      **plain_back(sites=[BACK, "arch"], duration=120, findings={"overpronation": True})),
    C("r9-sports-knee", f"{ROUTINE} sports_medicine R9 in_person",
      sites=["knee"], cause="sport", duration=3, prefers="telehealth"),
    C("r9-old-sprain-telehealth", f"{ROUTINE} sports_medicine R9 telehealth_ok",
      sites=["ankle"], duration=60, prefers="telehealth", findings={"sprain": True}),
    C("r9-acute-shoulder-injury", f"{ROUTINE} sports_medicine R9 in_person",
      sites=["shoulder"], duration=5, findings={"acute_injury": True}),
    C("sport-cause-but-sports-injury-denied", f"{ROUTINE} staff_review R10 in_person",
      sites=["shoulder"], cause="sport", duration=100, findings={"sports_injury": False}),
    C("r10-nothing-matches", f"{ROUTINE} staff_review R10 telehealth_ok", also=[], root=None,
      sites=["shoulder"], duration=100, prefers="telehealth"),
    C("r10-answers-conflict-beats-r1", f"{ROUTINE} staff_review R10 in_person",
      **plain_back(radiation=False, radiation_to=["calf", "big_toe"], numbness_sites=["big_toe"])),
    C("r10-numbness-denied-but-sites-named", f"{ROUTINE} staff_review R10 in_person",
      sites=["heel"], numbness=False, numbness_sites=["sole"],
      findings={"heel_pain_first_steps": True}),
    C("r10-empty-record", f"{ROUTINE} staff_review R10 in_person", also=[], root=None, flags=[]),
]


def _run(case: Case) -> TriageResult:
    return triage(make_record(**case.record), today=TODAY)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_triage_case(case: Case) -> None:
    result = _run(case)
    got = (result.urgency, result.specialist, result.rule, result.visit)
    assert got == case.expect, result.reasons
    if case.also is not ANY:
        assert result.also_consider == case.also
    if case.root is not ANY:
        assert result.nerve_root_pattern == case.root
    if case.flags is not ANY:
        assert [flag["code"] for flag in result.red_flags] == case.flags


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_emitted_codes_are_in_the_contract(case: Case) -> None:
    result = _run(case)
    assert result.urgency in codes.URGENCIES
    assert (result.specialist is None) == result.is_emergency
    assert result.specialist is None or result.specialist in codes.SPECIALISTS
    assert set(result.also_consider) <= set(codes.SPECIALISTS)
    assert result.specialist not in result.also_consider
    assert (result.visit is None) == result.is_emergency
    assert result.visit is None or result.visit in codes.VISITS
    assert result.nerve_root_pattern in (None,) + codes.NERVE_ROOTS
    assert all(flag["code"] in codes.RED_FLAGS and flag["patient_words"]
               for flag in result.red_flags)
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)


def test_there_are_enough_cases_and_ids_are_unique() -> None:
    assert len(CASES) >= 70
    assert len({c.id for c in CASES}) == len(CASES)


def test_every_rule_decides_at_least_one_case() -> None:
    decided = {_run(c).rule for c in CASES}
    every = {rule.id for rule in default_rules().all_rules}
    assert every - decided == set()


def test_every_tier_is_covered() -> None:
    assert {_run(c).urgency for c in CASES} == set(codes.URGENCIES)


# -- red flags ------------------------------------------------------------------------
def test_red_flags_gather_from_every_rule_that_holds_with_patient_words() -> None:
    record = make_record(**plain_back(findings={
        "saddle_numbness": (True, "numb when I sit on the toilet"),
        "cancer_history": (True, "prostate cancer in 2019"),
        "urinary_retention": (True, "can't start peeing"),
        "urinary_incontinence": (True, "leaking"),
    }))
    result = triage(record, today=TODAY)
    assert result.rule == "ED-1"
    assert result.red_flags == [
        {"code": "saddle_numbness", "patient_words": "numb when I sit on the toilet"},
        {"code": "bladder_dysfunction", "patient_words": "can't start peeing; leaking"},
        {"code": "cancer_history", "patient_words": "prostate cancer in 2019"},
    ]


def test_red_flag_words_fall_back_to_a_plain_description() -> None:
    record = make_record(**plain_back(gait=["foot_drop"], weakness_new=True,
                                      findings={"night_pain": True}))
    flags = {f["code"]: f["patient_words"] for f in triage(record, today=TODAY).red_flags}
    assert flags == {"new_foot_drop": "new foot drop or trouble walking on heels or toes",
                     "night_pain": "pain at night or at rest that does not ease"}


def test_uncontrolled_pain_flag_needs_severity_8() -> None:
    base = dict(sites=[BACK], findings={"pain_uncontrolled": True})
    assert [f["code"] for f in triage(make_record(severity=8, **base), TODAY).red_flags] == [
        "uncontrolled_pain"]
    assert triage(make_record(severity=7, **base), TODAY).red_flags == []


# -- emergency_urgency, nerve_root_hint, result object ---------------------------------
@pytest.mark.parametrize("findings, expected", [
    ({"fainted": True}, "emergency_911"),
    ({"saddle_numbness": True}, "emergency_ed"),
    ({"saddle_numbness": False}, None),
    ({"cancer_history": True}, None),  # urgent, not an emergency
    ({}, None),
])
def test_emergency_urgency(findings, expected) -> None:
    record = make_record(sites=[BACK], findings=findings)
    assert emergency_urgency(record, today=TODAY) == expected


def test_emergency_urgency_uses_today_for_age() -> None:
    record = make_record(sites=[BACK], dob="1964-06-02", findings={"feeling_faint": True})
    assert emergency_urgency(record, today=date(2025, 6, 1)) is None  # 60, birthday tomorrow
    assert emergency_urgency(record, today=date(2025, 6, 2)) == "emergency_911"  # 61


@pytest.mark.parametrize("record, expected", [
    (dict(numbness_sites=["big_toe"]), "L5"),
    (dict(numbness_sites=["top_of_foot"], radiation_to=["calf"]), "L5"),
    (dict(numbness_sites=["sole"], radiation_to=["calf"]), "S1"),
    (dict(radiation_to=["knee", "shin"], numbness_sites=["inner_foot"]), "L4"),
    (dict(toe_walk_ok=False), "S1"),
    (dict(gait=["foot_drop"]), "L5"),
    (dict(numbness_sites=["big_toe", "outer_foot"]), None),  # L5 and S1 tie: unclear
    (dict(radiation_to=["shin"]), None),  # L4 or L5: unclear
    (dict(numbness_sites=["sole"], findings={"stocking_numbness": True}), None),
    (dict(sites=[BACK], radiation_to=["buttock"]), None),  # no leg or foot findings
    (dict(), None),
])
def test_nerve_root_hint(record, expected) -> None:
    assert nerve_root_hint(make_record(**record)) == expected


def test_result_to_dict_and_is_emergency() -> None:
    result = triage(make_record(**plain_back(findings={"saddle_numbness": True})), today=TODAY)
    data = result.to_dict()
    assert result.is_emergency
    assert set(data) == {"urgency", "specialist", "also_consider", "visit", "rule", "reasons",
                         "nerve_root_pattern", "red_flags"}
    assert data["specialist"] is None and data["visit"] is None
    assert not triage(make_record(**plain_back()), today=TODAY).is_emergency


def test_triage_is_pure_and_round_trips_the_record() -> None:
    record = make_record(**plain_back(radiation_to=["calf"], numbness_sites=["big_toe"]))
    before = record.to_dict()
    first = triage(record, today=TODAY)
    again = triage(IntakeRecord.from_dict(record.to_dict()), today=TODAY)
    assert record.to_dict() == before
    assert first == again


def test_peroneal_reason_is_given() -> None:
    case = next(c for c in CASES if c.id == "u24-peroneal-palsy")
    assert "possible peroneal nerve palsy versus L5" in _run(case).reasons


def test_r3_says_conservative_care_first() -> None:
    case = next(c for c in CASES if c.id == "r3-41-days")
    assert "conservative care first" in _run(case).reasons


def test_r7_asks_for_a_neuro_screen() -> None:
    case = next(c for c in CASES if c.id == "r7-stocking-numbness")
    assert any("neuro screen" in r for r in _run(case).reasons)


def test_urgent_by_table_names_the_table_rule_in_reasons() -> None:
    case = next(c for c in CASES if c.id == "u24-uncontrolled-pain-table-picks-r1")
    assert any(r.startswith("Specialist by table rule R1") for r in _run(case).reasons)


def test_in_person_reason_given_when_telehealth_was_wanted() -> None:
    case = next(c for c in CASES if c.id == "r6-toenail-always-in-person")
    assert any(r.startswith("In person") for r in _run(case).reasons)


def test_denied_finding_with_words_is_not_a_red_flag() -> None:
    record = make_record(**plain_back())
    record.findings["saddle_numbness"] = Finding(False, "no numbness in the saddle area")
    assert triage(record, today=TODAY).red_flags == []
