"""Facts: the named values that the triage rules (data/triage/rules.yml) test.

A fact is computed from an IntakeRecord by one small function below; its docstring
is the plain-language meaning a clinician reads. Two kinds:

- ``flag`` facts are True or False. "Not asked" and "the patient said no" are both
  False, so a rule never fires on missing or denied information.
- ``number`` facts are a number or None (unknown). A rule compares them
  (``{fact: age, gt: 60}``); a comparison with an unknown value is False, so an
  age-dependent rule only fires when the age is known.

Every finding in ``codes.FINDINGS`` is also a flag fact of the same name: True only
when the patient said yes. ``sports_injury`` and ``acute_injury`` widen their finding
with the answer to "what started it?" (see their docstrings).

``glossary()`` gives the list as text; the header of rules.yml carries a copy (a test
keeps the two in step).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Dict, FrozenSet, Iterable, Optional, Union

from bot import codes
from bot.intake.record import IntakeRecord

Value = Union[bool, int, None]
FLAG = "flag"
NUMBER = "number"

# Region groups, built from the contract's region codes.
FOOT_AND_ANKLE = codes.FOOT_REGIONS | {"ankle"}
LEG_REGIONS = codes.LEG_ABOVE_KNEE | {"leg", "knee"} | codes.LEG_BELOW_KNEE
# "Leg pain" in the rules means the leg above the ankle; the ankle counts as foot.
LEG_ABOVE_ANKLE = LEG_REGIONS - {"ankle"}
BELOW_KNEE = codes.LEG_BELOW_KNEE | codes.FOOT_REGIONS
# Radiation that makes leg pain "radiating": the thigh, the knee or further down.
# Buttock, hip and groin referral is common in mechanical back pain, so it does not count.
RADIATING_LEG = {"leg", "thigh", "knee"} | BELOW_KNEE
# R1's root-pattern zones (clinical-triage.md): top of foot or big toe (L5), outer foot,
# sole or heel (S1), inner ankle (L4; the contract has only "ankle" and "inner_foot").
# "toes" is L5 or S1, still a root pattern. Plain "foot" is too vague to be a pattern.
ROOT_PATTERN_ZONES = frozenset({
    "top_of_foot", "big_toe", "toes", "outer_foot", "sole", "heel", "inner_foot", "ankle",
})
# Sites the sports-medicine row (R9) names: ankle, knee, hip, shoulder, or a tendon
# (calf and heel for the Achilles).
INJURY_SITES = frozenset({"ankle", "knee", "hip", "shoulder", "calf", "heel"})
# Sciatica "in both legs": leg sites proper; both knees or both buttocks are common
# without nerve involvement, so they do not count.
SCIATICA_LEG_SITES = frozenset({"leg", "thigh", "shin", "calf"})
FOOT_DROP_GAITS = frozenset({"foot_drop", "dragging_foot", "steppage_gait", "foot_slap"})
# Words in a prior-care answer that mean physical therapy or medication was tried.
CONSERVATIVE_CARE = re.compile(
    r"\b(therap\w*|pt|physio\w*|exercis\w*|stretch\w*|chiro\w*|massage|acupunct\w*|"
    r"medic\w*|meds?|pills?|tablets?|painkillers?|pain killers?|anti.?inflammator\w*|"
    r"nsaids?|ibuprofen|advil|motrin|naproxen|aleve|tylenol|acetaminophen|paracetamol|"
    r"muscle relaxants?|gabapentin|pregabalin|lyrica|steroids?|prednison\w*|"
    r"meloxicam|diclofenac|celebrex|orthotics?|insoles?)\b"
)


@dataclass(frozen=True)
class View:
    """The record plus the region sets most facts look at, computed once."""

    record: IntakeRecord
    today: date
    pain: FrozenSet[str]
    numb: FrozenSet[str]
    radiation: FrozenSet[str]
    weak: FrozenSet[str]
    gait: FrozenSet[str]

    @classmethod
    def of(cls, record: IntakeRecord, today: Optional[date] = None) -> "View":
        return cls(
            record=record,
            today=today or date.today(),
            pain=frozenset(record.regions),
            numb=frozenset(record.numbness_sites),
            radiation=frozenset(record.radiation_to),
            weak=frozenset(record.weakness_sites),
            gait=frozenset(record.gait_changes or ()),
        )


@dataclass(frozen=True)
class FactSpec:
    name: str
    kind: str  # FLAG or NUMBER
    meaning: str
    compute: Callable[[View], Value]


FACTS: Dict[str, FactSpec] = {}


def _register(kind: str) -> Callable:
    def register(fn: Callable[[View], Value]) -> Callable[[View], Value]:
        FACTS[fn.__name__] = FactSpec(fn.__name__, kind, inspect.getdoc(fn) or "", fn)
        return fn
    return register


flag = _register(FLAG)
number = _register(NUMBER)


# -- numbers --------------------------------------------------------------------------
@number
def age(v: View) -> Optional[int]:
    """Age in whole years on the triage date, from the date of birth; unknown if not given."""
    try:
        return v.record.age(v.today)
    except ValueError:  # a malformed date must not stop the emergency screen
        return None


@number
def duration_days(v: View) -> Optional[int]:
    """How long the problem has lasted, in days (6 weeks = 42, 12 weeks = 84)."""
    return v.record.duration_days


@number
def severity(v: View) -> Optional[int]:
    """Pain now on the 0 to 10 scale."""
    return v.record.severity


# -- where it hurts ----------------------------------------------------------------
@flag
def back_pain(v: View) -> bool:
    """Pain in the back or neck (back, neck, upper_back, lower_back)."""
    return bool(v.pain & codes.BACK_REGIONS)


@flag
def leg_pain(v: View) -> bool:
    """Pain at a leg site above the ankle (buttock, hip, groin, thigh, leg, knee, shin, calf)."""
    return bool(v.pain & LEG_ABOVE_ANKLE)


@flag
def foot_pain(v: View) -> bool:
    """Pain in the foot or ankle (any foot zone, or the ankle)."""
    return bool(v.pain & FOOT_AND_ANKLE)


@flag
def foot_only(v: View) -> bool:
    """No back pain, and every pain, numbness, weakness or radiation site is in the foot or
    ankle (nothing above the ankle). Also true when no site is recorded at all."""
    every_site = v.pain | v.numb | v.weak | v.radiation
    return not back_pain(v) and every_site <= FOOT_AND_ANKLE


@flag
def injury_site_pain(v: View) -> bool:
    """Pain at a site the sports-medicine row names: ankle, knee, hip, shoulder, calf or heel."""
    return bool(v.pain & INJURY_SITES)


@flag
def pain_sites_unknown(v: View) -> bool:
    """Where it hurts has not been asked or told yet (early in the conversation)."""
    return not v.pain and not v.record.pain_sites_asked


@flag
def leg_pain_both_sides(v: View) -> bool:
    """Pain in the leg proper (leg, thigh, shin or calf) on both sides: side "both", or
    left and right both named."""
    sides = {site.side for site in v.record.pain_sites if site.region in SCIATICA_LEG_SITES}
    return "both" in sides or {"left", "right"} <= sides


# -- radiation ------------------------------------------------------------------------
@flag
def radiates_below_knee(v: View) -> bool:
    """Pain spreads below the knee: the patient said so, or it spreads to the shin, calf,
    ankle or any part of the foot."""
    return v.record.radiation_below_knee is True or bool(v.radiation & BELOW_KNEE)


@flag
def radiating_leg_pain(v: View) -> bool:
    """Pain spreads into the leg: to the thigh, the knee or below (buttock, hip or groin
    alone do not count)."""
    return radiates_below_knee(v) or bool(v.radiation & RADIATING_LEG)


@flag
def below_knee_symptoms(v: View) -> bool:
    """Anything below the knee: radiation, or pain, numbness or weakness at the shin, calf,
    ankle or foot."""
    return radiates_below_knee(v) or bool((v.pain | v.numb | v.weak) & BELOW_KNEE)


# -- numbness -------------------------------------------------------------------------
@flag
def numbness(v: View) -> bool:
    """Numbness or tingling anywhere (said yes, or named a site)."""
    return v.record.numbness_present is True or bool(v.numb)


@flag
def leg_numbness(v: View) -> bool:
    """Numbness or tingling at a leg or foot site."""
    return bool(v.numb & (LEG_REGIONS | codes.FOOT_REGIONS))


@flag
def foot_numbness(v: View) -> bool:
    """Numbness, tingling or burning in the foot or ankle, or a stocking pattern."""
    return bool(v.numb & FOOT_AND_ANKLE) or v.record.has("stocking_numbness")


@flag
def root_pattern_numbness(v: View) -> bool:
    """Numbness or tingling in a nerve-root zone (R1): top of foot, big toe, toes, outer foot,
    sole, heel, inner foot or ankle; not when it is a stocking pattern in both feet."""
    return bool(v.numb & ROOT_PATTERN_ZONES) and not v.record.has("stocking_numbness")


# -- weakness and walking -------------------------------------------------------------
@flag
def foot_drop(v: View) -> bool:
    """A foot-drop gait: foot drop, dragging the foot, steppage gait or foot slap."""
    return bool(v.gait & FOOT_DROP_GAITS)


@flag
def heel_walk_weak(v: View) -> bool:
    """Could not walk on the heels (self-check), or reported difficulty doing so."""
    return v.record.heel_walk_ok is False or "heel_walk_difficulty" in v.gait


@flag
def toe_walk_weak(v: View) -> bool:
    """Could not walk or rise on tiptoes (self-check), or reported difficulty doing so."""
    return v.record.toe_walk_ok is False or "toe_walk_difficulty" in v.gait


@flag
def foot_weakness(v: View) -> bool:
    """Weakness named at the ankle or foot."""
    return bool(v.weak & FOOT_AND_ANKLE)


@flag
def weakness(v: View) -> bool:
    """Any weakness: said yes, named a weak site, a foot-drop gait, or weak heel or toe walking."""
    return (v.record.weakness_present is True or bool(v.weak)
            or foot_drop(v) or heel_walk_weak(v) or toe_walk_weak(v))


@flag
def weakness_new(v: View) -> bool:
    """The patient said the weakness is new (not long-standing)."""
    return v.record.weakness_new is True


@flag
def weakness_long_standing(v: View) -> bool:
    """The patient said the weakness is long-standing (not new). Unknown is not long-standing."""
    return v.record.weakness_new is False


@flag
def gait_change(v: View) -> bool:
    """Any change in walking (limping, foot drop, tripping, balance, distance, ...)."""
    return bool(v.gait)


@flag
def cannot_bear_weight(v: View) -> bool:
    """Cannot bear weight or walk four steps."""
    return "cannot_bear_weight" in v.gait


# -- cause, care, wishes -------------------------------------------------------------
@flag
def sports_injury(v: View) -> bool:
    """Hurt during sport or exercise: the finding, or "sport" as the cause (unless the
    patient denied a sports injury)."""
    return _finding_or_cause(v, "sports_injury", "sport")


@flag
def acute_injury(v: View) -> bool:
    """A recent injury (fall, twist, knock): the finding, or "injury" as the cause (unless
    the patient denied it)."""
    return _finding_or_cause(v, "acute_injury", "injury")


@flag
def tried_conservative_care(v: View) -> bool:
    """Physical therapy, exercises, medication (pain relievers, anti-inflammatories, nerve
    pain medicine, steroids) or similar non-surgical care was tried."""
    text = " ".join(v.record.prior_care or ()).lower().replace("_", " ")
    return bool(CONSERVATIVE_CARE.search(text))


@flag
def prefers_telehealth(v: View) -> bool:
    """The patient prefers a telehealth visit."""
    return v.record.patient.preferred_visit == "telehealth"


@flag
def answers_conflict(v: View) -> bool:
    """The answers contradict each other: said no radiation / numbness / weakness but named
    where it goes or where it is, or said it stays above the knee but named a site below."""
    r = v.record
    return any((
        r.radiation_present is False and (bool(v.radiation) or r.radiation_below_knee is True),
        r.radiation_below_knee is False and bool(v.radiation & BELOW_KNEE),
        r.numbness_present is False and bool(v.numb),
        r.weakness_present is False and bool(v.weak),
    ))


def _finding_or_cause(v: View, finding: str, cause: str) -> bool:
    return v.record.has(finding) or (v.record.cause == cause and not v.record.denied(finding))


def _finding_fact(name: str) -> FactSpec:
    def compute(v: View) -> bool:
        return v.record.has(name)
    meaning = f"Finding {name!r}: the patient said yes (no, or not asked, is False)."
    return FactSpec(name, FLAG, meaning, compute)


# Findings that no computed fact above widens are plain flags.
for _name in codes.FINDINGS:
    FACTS.setdefault(_name, _finding_fact(_name))


def fact_kinds() -> Dict[str, str]:
    return {name: spec.kind for name, spec in FACTS.items()}


def compute(record: IntakeRecord, today: Optional[date] = None) -> Dict[str, Value]:
    """Every fact for one record. Pure: the same record and date give the same facts."""
    view = View.of(record, today)
    return {name: spec.compute(view) for name, spec in FACTS.items()}


def glossary(names: Optional[Iterable[str]] = None) -> str:
    """The facts as a plain-text table, for clinicians editing rules.yml."""
    wanted = list(names) if names is not None else list(FACTS)
    lines = []
    for name in wanted:
        spec = FACTS[name]
        meaning = " ".join(spec.meaning.split())
        lines.append(f"{name} ({spec.kind}): {meaning}")
    return "\n".join(lines)

