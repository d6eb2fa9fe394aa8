"""The rules file: the shipped one is valid, and a broken one fails loudly and clearly."""
from __future__ import annotations

import copy
import re
from typing import Any, Callable

import pytest
import yaml

from bot import codes
from bot.intake.record import IntakeRecord, PainSite
from bot.triage import RulesError, load_rules, triage
from bot.triage import facts as fact_mod
from bot.triage.rules import DEFAULT_PATH, default_rules, parse_rules, parse_rules_text

SHIPPED = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def broken(edit: Callable[[dict], Any]) -> dict:
    data = copy.deepcopy(SHIPPED)
    edit(data)
    return data


def rule(data: dict, section: str, rule_id: str) -> dict:
    rows = data["specialty_table"]["rows"] if section == "table" else data[section]
    return next(r for r in rows if r["id"] == rule_id)


def test_shipped_rules_load() -> None:
    rules = load_rules()
    assert [r.id for r in rules.table.rows] + [rules.table.fallback.id] == [
        f"R{n}" for n in range(1, 11)]
    assert all(r.id.startswith("E911-") for r in rules.emergency_911)
    assert all(r.id.startswith("ED-") for r in rules.emergency_ed)
    assert all(r.id.startswith("U24-") for r in rules.urgent_24h)
    assert default_rules() is default_rules()  # read once


def test_shipped_outputs_are_contract_codes() -> None:
    rules = default_rules()
    for r in rules.all_rules:
        assert r.urgency in codes.URGENCIES
        assert r.specialist in (None, "by_table") + codes.SPECIALISTS
        assert set(r.red_flags) <= set(codes.RED_FLAGS)
        assert {a.specialist for a in r.also_consider} <= set(codes.SPECIALISTS)
        assert r.reasons
    assert set(rules.red_flag_words) <= set(codes.RED_FLAGS)


def test_every_red_flag_code_can_be_raised() -> None:
    raised = {code for r in default_rules().tier_rules for code in r.red_flags}
    assert raised == set(codes.RED_FLAGS)


def test_rules_file_header_documents_every_computed_fact() -> None:
    header = DEFAULT_PATH.read_text(encoding="utf-8").split("\nversion:")[0]
    computed = [n for n in fact_mod.FACTS if n not in codes.FINDINGS
                or n in ("sports_injury", "acute_injury")]
    missing = [n for n in computed if not re.search(rf"#\s+{n} \((flag|number)\):", header)]
    assert missing == []


def test_every_fact_has_a_meaning_and_a_kind() -> None:
    for spec in fact_mod.FACTS.values():
        assert spec.meaning and spec.kind in (fact_mod.FLAG, fact_mod.NUMBER)
    assert set(codes.FINDINGS) <= set(fact_mod.FACTS)


def test_facts_for_an_empty_record_never_fire_findings() -> None:
    facts = fact_mod.compute(IntakeRecord())
    assert not any(facts[name] for name in codes.FINDINGS)
    assert facts["age"] is None and facts["duration_days"] is None


def test_radiation_below_knee_from_sites() -> None:
    for site in ("calf", "shin", "ankle", "big_toe", "heel"):
        assert fact_mod.compute(IntakeRecord(radiation_to=[site]))["radiates_below_knee"]
    for site in ("thigh", "knee", "buttock"):
        assert not fact_mod.compute(IntakeRecord(radiation_to=[site]))["radiates_below_knee"]


def test_foot_only_is_false_with_anything_above_the_ankle() -> None:
    def foot_only(**kw) -> bool:
        return fact_mod.compute(IntakeRecord(**kw))["foot_only"]
    assert foot_only(pain_sites=[PainSite("heel"), PainSite("ankle")])
    assert not foot_only(pain_sites=[PainSite("heel"), PainSite("calf")])
    assert not foot_only(pain_sites=[PainSite("heel")], numbness_sites=["shin"])
    assert not foot_only(pain_sites=[PainSite("heel"), PainSite("lower_back")])


@pytest.mark.parametrize("prior_care, expected", [
    (["physical therapy"], True), (["PT twice a week"], True), (["ibuprofen"], True),
    (["physical_therapy"], True), (["gabapentin"], True), ([], False), (["rest"], False),
    (None, False),
])
def test_tried_conservative_care(prior_care, expected) -> None:
    facts = fact_mod.compute(IntakeRecord(prior_care=prior_care))
    assert facts["tried_conservative_care"] is expected


# -- broken files ---------------------------------------------------------------------
BROKEN = [
    ("unknown-fact", lambda d: rule(d, "emergency_911", "E911-4").update(when="stroke_sign"),
     r"emergency_911\[E911-4\]\.when: unknown fact 'stroke_sign' \(did you mean stroke_signs"),
    ("unknown-fact-nested", lambda d: rule(d, "urgent_24h", "U24-3").update(
        when={"all": ["back_pain", {"not": {"fact": "fevr"}}]}),
     r"urgent_24h\[U24-3\]\.when\.all\[1\]\.not: unknown fact 'fevr'"),
    ("python-is-not-a-fact", lambda d: rule(d, "table", "R1").update(
        when="__import__('os').system('true')"), r"unknown fact"),
    ("number-fact-as-flag", lambda d: rule(d, "table", "R5").update(when="age"),
     r"'age' is a number fact"),
    ("comparison-on-flag", lambda d: rule(d, "table", "R5").update(
        when={"fact": "back_pain", "gt": 1}), r"'back_pain' is a yes/no fact"),
    ("comparison-needs-number", lambda d: rule(d, "table", "R5").update(
        when={"fact": "age", "gt": "sixty"}), r"gt needs a number"),
    ("unknown-comparison", lambda d: rule(d, "table", "R5").update(
        when={"fact": "age", "over": 60}), r"unknown key\(s\) \['over'\]"),
    ("two-logic-keys", lambda d: rule(d, "table", "R5").update(
        when={"all": ["back_pain"], "any": ["leg_pain"]}), r"expected exactly one of"),
    ("empty-any", lambda d: rule(d, "table", "R5").update(when={"any": []}),
     r"R5\]\.when\.any: needs a non-empty list"),
    ("condition-not-a-mapping", lambda d: rule(d, "table", "R5").update(when=42),
     r"a condition is a fact name or a mapping"),
    ("missing-when", lambda d: rule(d, "table", "R6").pop("when"), r"rows\[R6\]: missing when"),
    ("typo-in-rule-key", lambda d: rule(d, "table", "R6").update(reason=["x"]),
     r"R6\]: unknown key\(s\) reason"),
    ("wrong-urgency-for-section", lambda d: rule(d, "emergency_ed", "ED-1").update(
        urgency="urgent_24h"), r"ED-1\]\.urgency: must be 'emergency_ed'"),
    ("wrong-id-prefix", lambda d: rule(d, "urgent_24h", "U24-3").update(id="ED-99"),
     r"ids in this section start with 'U24-'"),
    ("specialist-not-in-contract",
     lambda d: rule(d, "table", "R6").update(specialist="orthopedics"),
     r"R6\]\.specialist: 'orthopedics' is not one of"),
    ("emergency-names-no-specialist", lambda d: rule(d, "emergency_911", "E911-1").update(
        specialist="spine_surgery"), r"E911-1\]\.specialist"),
    ("by-table-only-for-urgent", lambda d: rule(d, "table", "R6").update(specialist="by_table"),
     r"R6\]\.specialist: 'by_table'"),
    ("urgent-is-in-person", lambda d: rule(d, "urgent_24h", "U24-3").update(visit="telehealth_ok"),
     r"U24-3\]\.visit: 'telehealth_ok' is not one of: in_person"),
    ("red-flag-not-in-contract", lambda d: rule(d, "emergency_ed", "ED-1").update(
        red_flags=["saddle"]), r"ED-1\]\.red_flags\[0\]: 'saddle'"),
    ("also-consider-not-in-contract", lambda d: rule(d, "table", "R8").update(
        also_consider=["chiropractic"]), r"R8\]\.also_consider\[0\]"),
    ("duplicate-id", lambda d: rule(d, "table", "R7").update(id="R6"), r"'R6' is used twice"),
    ("red-flag-without-words", lambda d: d["red_flag_words"].pop("night_pain"),
     r"U24-6: red flag\(s\) \['night_pain'\] have no entry"),
    ("words-from-unknown-finding", lambda d: d["red_flag_words"]["night_pain"].update(
        findings=["night_sweats"]), r"red_flag_words\.night_pain\.findings\[0\]: 'night_sweats'"),
    ("definition-shadows-fact", lambda d: d["definitions"].update(
        fever={"description": "x", "when": "back_pain"}), r"'fever' is already a fact"),
    ("definition-used-before-defined", lambda d: d["definitions"].update(
        {"a_first": {"description": "x", "when": "z_later"},
         "z_later": {"description": "y", "when": "back_pain"}}),
     r"definitions\.a_first\.when: unknown fact 'z_later'"),
    ("unknown-top-key", lambda d: d.update(emergency_999=[]), r"top level: unknown key"),
    ("missing-section", lambda d: d.pop("urgent_24h"), r"top level: missing urgent_24h"),
    ("wrong-version", lambda d: d.update(version=2), r"version: this engine reads version 1"),
    ("section-not-a-list", lambda d: d.update(emergency_ed={"id": "ED-1"}),
     r"emergency_ed: expected a non-empty list"),
    ("nerve-root-unknown-region", lambda d: d["nerve_root_hint"]["roots"]["L5"].update(
        sites=["big toe"]), r"roots\.L5\.sites\[0\]: 'big toe'"),
    ("nerve-root-not-a-root", lambda d: d["nerve_root_hint"]["roots"].update(
        L3={"sites": ["thigh"], "walking": []}), r"roots\.L3: 'L3' is not one of"),
    ("visit-unknown-fact", lambda d: d["visit"].update(in_person_when="wound"),
     r"visit\.in_person_when: unknown fact 'wound'"),
]


@pytest.mark.parametrize("edit, message", [pytest.param(e, m, id=i) for i, e, m in BROKEN])
def test_broken_rules_raise_a_clear_error(edit, message) -> None:
    with pytest.raises(RulesError, match=message):
        parse_rules(broken(edit))


def test_rules_error_is_a_value_error() -> None:
    assert issubclass(RulesError, ValueError)


def test_invalid_yaml_names_the_file() -> None:
    with pytest.raises(RulesError, match=r"my\.yml: not valid YAML"):
        parse_rules_text("version: [1\n", source="my.yml")


def test_repeated_key_is_refused() -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "    when: stroke_signs\n", "    when: stroke_signs\n    when: cold_pale_foot\n", 1)
    with pytest.raises(RulesError, match=r"key 'when' appears twice"):
        parse_rules_text(text)


def test_not_a_mapping_at_top() -> None:
    with pytest.raises(RulesError, match=r"top level: expected a mapping"):
        parse_rules_text("- just a list\n")


def test_load_rules_from_another_file(tmp_path) -> None:
    # A clinician's edit takes effect without code: move R6 out, and foot-only heel pain
    # now falls through to staff review.
    data = broken(lambda d: d["specialty_table"]["rows"].remove(rule(d, "table", "R6")))
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    record = IntakeRecord(pain_sites=[PainSite("heel")], pain_sites_asked=True)
    record.set_finding("heel_pain_first_steps", True)
    assert triage(record).rule == "R6"
    assert triage(record, rules=load_rules(path)).rule == "R10"


def test_malformed_date_of_birth_means_unknown_age() -> None:
    record = IntakeRecord(pain_sites=[PainSite("lower_back")])
    record.patient.date_of_birth = "01/02/1950"
    record.set_finding("feeling_faint", True)
    assert fact_mod.compute(record)["age"] is None
    assert triage(record).urgency != "emergency_911"
