"""One message, many answers: openings with three or more facts fill their slots in the
running assistant, and the questions they answered are never asked."""
from __future__ import annotations

import pytest

from bot.handoff.schema import validate_payload
from bot.intake.record import IntakeRecord

pytestmark = pytest.mark.conversation

# (opening message, facts it must fill in the intake record, questions it makes unnecessary)
OPENINGS = [
    ("my lower back hurts and it shoots down my left leg to the big toe, I keep tripping",
     {"sites": {("lower_back", "midline")}, "radiation_to": {"big_toe"}, "gait": {"tripping"}},
     ["q_location", "q_radiation", "q_radiation_to"]),
    ("lower back's been killing me for 3 wks, shoots down my left leg to the big toe and my foot "
     "keeps catching on the stairs",
     {"sites": {("lower_back", "midline")}, "duration": 21, "radiation_to": {"big_toe"},
      "gait": {"dragging_foot"}},
     ["q_location", "q_radiation", "q_radiation_to", "q_duration"]),
    ("heel hurts bad first thing in the morning, left foot, about 2 months, pain 6/10",
     {"regions": {"heel"}, "duration": 60, "severity": 6, "findings": {"heel_pain_first_steps"}},
     ["q_location", "q_duration", "q_severity", "q_foot_features"]),
    ("top of my right foot and big toe are numb, no back pain, started 2 weeks ago",
     {"numbness_sites": {"top_of_foot", "big_toe"}, "duration": 14, "numbness": True},
     ["q_numbness", "q_numbness_sites", "q_duration"]),
    ("sciatica down my right leg to the calf for 3 months, tried physical therapy, 7/10",
     {"radiation_to": {"calf"}, "duration": 90, "severity": 7, "prior_care": {"physical_therapy"}},
     ["q_radiation", "q_radiation_to", "q_duration", "q_severity", "q_prior_care"]),
    ("i sprained my left ankle playing soccer yesterday and i cant put weight on it",
     {"sites": {("ankle", "left")}, "duration": 1, "cause": "sport", "gait": {"cannot_bear_weight"}},
     ["q_location", "q_side", "q_duration", "q_cause"]),
    ("low back pain 5 out of 10 for 4 months, doesnt go down my legs, no numbness",
     {"sites": {("lower_back", "midline")}, "severity": 5, "duration": 120, "radiation": False,
      "numbness": False},
     ["q_location", "q_severity", "q_duration", "q_radiation", "q_numbness"]),
    ("pain in my bum going down the back of my left thigh to my heel since last tuesday, it came on suddenly",
     {"regions": {"buttock"}, "radiation_to": {"thigh", "heel"}, "onset": "sudden"},
     ["q_location", "q_radiation", "q_radiation_to", "q_onset", "q_duration"]),
    ("pain on top of my right foot for 3 weeks, came on gradually, no injury",
     {"sites": {("top_of_foot", "right")}, "duration": 21, "onset": "gradual", "cause": "none"},
     ["q_location", "q_side", "q_duration", "q_onset", "q_cause"]),
    ("both my heels hurt when i get up in the morning, flat feet, 3/10",
     {"sites": {("heel", "both")}, "severity": 3, "findings": {"heel_pain_first_steps", "flat_feet"}},
     ["q_location", "q_side", "q_severity", "q_foot_features"]),
    ("my left foot slaps the ground when i walk and my lower back hurts, started a month ago",
     {"regions": {"lower_back"}, "gait": {"foot_slap"}, "duration": 30},
     ["q_location", "q_duration"]),
    ("i had a lumbar fusion 2 yrs ago and now the pain is back in my lower back, no numbness, 6/10",
     {"regions": {"lower_back"}, "findings": {"prior_spine_surgery"}, "numbness": False, "severity": 6},
     ["q_location", "q_spine_surgery", "q_numbness", "q_severity"]),
    ("my right big toe has a bunion thats killing me, 7/10, for about a year",
     {"sites": {("big_toe", "right")}, "severity": 7, "duration": 365, "findings": {"bunion"}},
     ["q_location", "q_side", "q_severity", "q_duration", "q_foot_features"]),
    ("lower back pain, no numbness, no weakness, walking is fine",
     {"regions": {"lower_back"}, "numbness": False, "weakness": False, "gait": set()},
     ["q_location", "q_numbness", "q_weakness", "q_gait"]),
    ("outside of my right foot is tingling and my lower back aches, about 10 days",
     {"regions": {"lower_back"}, "numbness_sites": {"outer_foot"}, "duration": 10},
     ["q_location", "q_numbness", "q_numbness_sites", "q_duration"]),
    ("my lower back hurts after lifting boxes at work 3 days ago, 6/10, it doesnt go down my leg",
     {"regions": {"lower_back"}, "cause": "lifting", "duration": 3, "severity": 6, "radiation": False},
     ["q_location", "q_cause", "q_duration", "q_severity", "q_radiation"]),
    ("ball of my left foot burns when i walk, gradual, about 3 months",
     {"numbness_sites": {"ball_of_foot"}, "onset": "gradual", "duration": 90,
      "findings": {"ball_of_foot_pain"}},
     ["q_onset", "q_duration", "q_foot_features"]),
    ("my arches hurt on both feet when i walk a lot, 4/10, flat feet, for months",
     {"sites": {("arch", "both")}, "severity": 4, "findings": {"flat_feet", "arch_pain"}},
     ["q_location", "q_side", "q_severity", "q_foot_features"]),
    ("right hip pain going down my thigh to the knee for 5 weeks, ibuprofen helps a bit",
     {"sites": {("hip", "right")}, "radiation_to": {"thigh", "knee"}, "duration": 35,
      "prior_care": {"nsaids"}},
     ["q_location", "q_radiation", "q_duration", "q_prior_care"]),
    ("I'm diabetic and there's a sore on my right foot that won't heal, no fever, 4/10",
     {"sites": {("foot", "right")}, "severity": 4, "findings": {"diabetes", "foot_wound"}},
     ["q_location", "q_side", "q_diabetes", "q_foot_fever", "q_rf_fever", "q_severity"]),
]


def check(record: IntakeRecord, facts: dict) -> None:
    checks = {
        "sites": lambda v: v <= {(s.region, s.side) for s in record.pain_sites},
        "regions": lambda v: v <= set(record.regions),
        "radiation_to": lambda v: v <= set(record.radiation_to),
        "numbness_sites": lambda v: v <= set(record.numbness_sites),
        "gait": lambda v: v <= set(record.gait_changes or []) if v else record.gait_changes == [],
        "duration": lambda v: record.duration_days == v,
        "severity": lambda v: record.severity == v,
        "onset": lambda v: record.onset == v,
        "cause": lambda v: record.cause == v,
        "radiation": lambda v: record.radiation_present is v,
        "numbness": lambda v: record.numbness_present is v,
        "weakness": lambda v: record.weakness_present is v,
        "prior_care": lambda v: v <= set(record.prior_care or []),
        "findings": lambda v: all(record.has(name) for name in v),
    }
    for key, expected in facts.items():
        assert checks[key](expected), f"{key}: expected {expected}, record has {record.to_dict()}"


def test_there_are_twenty_openings_with_three_facts_or_more():
    assert len(OPENINGS) >= 20
    assert all(len(facts) >= 3 for _, facts, _ in OPENINGS)


@pytest.mark.parametrize("opening,facts,not_asked", OPENINGS, ids=[f"opening{i}" for i in range(len(OPENINGS))])
def test_one_message_fills_its_slots_and_saves_questions(stack, patient, opening, facts, not_asked):
    patient.say("hi")
    patient.say(opening)
    record = IntakeRecord.from_dict(stack.slots(patient.sender)["intake_record"])
    check(record, facts)
    patient.answer_all({})
    for question in not_asked:
        assert question not in patient.asked, f"{question} was asked although the opening answered it"
    validate_payload(patient.handoff())
