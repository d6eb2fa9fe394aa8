"""Applying a RuleSet to one record, in the order clinical-triage.md sets.

1. emergency_911 rules, then emergency_ed rules: the first that holds decides, and the
   result names no specialist and no visit (the intake stops; staff follow up).
2. urgent_24h rules: the first that holds sets the urgency; it names a specialist or
   leaves it to the specialty table ("by_table").
3. The specialty table, top to bottom, first match wins; its fallback (R10) decides when
   the answers conflict or nothing matched.

Red flags are collected from every tier rule that holds, not only the deciding one, so
staff see all of them. Everything here is a pure function of the rules, record and date.
"""
from __future__ import annotations

from datetime import date
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from bot.intake.record import IntakeRecord
from bot.triage import facts as fact_mod
from bot.triage.conditions import Facts
from bot.triage.result import TriageResult
from bot.triage.rules import BY_TABLE, NerveRootHint, RedFlagWords, RootSigns, Rule, RuleSet


def first_match(rules: Iterable[Rule], facts: Facts) -> Optional[Rule]:
    return next((rule for rule in rules if rule.when.holds(facts)), None)


def emergency(rules: RuleSet, record: IntakeRecord,
              today: Optional[date] = None) -> Optional[Rule]:
    return first_match(rules.emergency_rules, fact_mod.compute(record, today))


def decide(rules: RuleSet, record: IntakeRecord, today: Optional[date] = None) -> TriageResult:
    facts = fact_mod.compute(record, today)
    red_flags = raised_red_flags(rules, facts, record)
    root = root_hint(rules.nerve_root_hint, facts, record)
    alarm = first_match(rules.emergency_rules, facts)
    if alarm:
        return TriageResult(urgency=alarm.urgency, specialist=None, also_consider=[],
                            visit=None, rule=alarm.id, reasons=list(alarm.reasons),
                            nerve_root_pattern=root, red_flags=red_flags)
    row = table_row(rules, facts)
    urgent = first_match(rules.urgent_24h, facts)
    deciding = urgent or row
    # An urgent rule without its own specialist borrows the table's choice.
    routing = row if deciding.specialist == BY_TABLE else deciding
    also, also_reasons = also_consider(routing, facts)
    visit, visit_reasons = choose_visit(rules, deciding.visit, facts)
    return TriageResult(
        urgency=deciding.urgency,
        specialist=routing.specialist,
        also_consider=also,
        visit=visit,
        rule=deciding.id,
        reasons=_unique(list(deciding.reasons) + _borrowed(deciding, routing)
                        + also_reasons + visit_reasons),
        nerve_root_pattern=root,
        red_flags=red_flags,
    )


def table_row(rules: RuleSet, facts: Facts) -> Rule:
    fallback = rules.table.fallback
    # Conflicting answers make every row unreliable: a person decides.
    if fallback.when.holds(facts):
        return fallback
    return first_match(rules.table.rows, facts) or fallback


def _borrowed(deciding: Rule, routing: Rule) -> List[str]:
    if routing is deciding:
        return []
    lead = f"Specialist by table rule {routing.id}: {routing.description}"
    return [lead] + list(routing.reasons)


def also_consider(rule: Rule, facts: Facts) -> Tuple[List[str], List[str]]:
    """Extra specialists the rule names (never the chosen one), with their reasons."""
    chosen, reasons = [], []
    for extra in rule.also_consider:
        if extra.specialist != rule.specialist and extra.when.holds(facts):
            chosen.append(extra.specialist)
            reasons += [extra.reason] if extra.reason else []
    return _unique(chosen), reasons


def choose_visit(rules: RuleSet, rule_visit: Optional[str], facts: Facts) -> Tuple[str, List[str]]:
    """In person when the rule or any in-person reason says so; otherwise telehealth when
    the rule allows it or the patient prefers it (clinical-triage.md, Visit type)."""
    if rule_visit == "in_person":
        return "in_person", []
    if rules.in_person_when.holds(facts):
        wanted_remote = rule_visit == "telehealth_ok" or facts["prefers_telehealth"]
        return "in_person", [rules.in_person_reason] if wanted_remote else []
    if rule_visit == "telehealth_ok" or facts["prefers_telehealth"]:
        return "telehealth_ok", []
    return "in_person", []


def raised_red_flags(rules: RuleSet, facts: Facts, record: IntakeRecord) -> List[Dict[str, str]]:
    raised = _unique(code for rule in rules.tier_rules if rule.when.holds(facts)
                     for code in rule.red_flags)
    return [{"code": code, "patient_words": patient_words(rules.red_flag_words[code], record)}
            for code in raised]


def patient_words(source: RedFlagWords, record: IntakeRecord) -> str:
    """The patient's own words behind a red flag, or a short plain description."""
    said = _unique(record.findings[name].words.strip() for name in source.findings
                   if record.has(name) and record.findings[name].words.strip())
    return "; ".join(said) or source.default


def root_hint(hint: NerveRootHint, facts: Facts, record: IntakeRecord) -> Optional[str]:
    """The likeliest nerve root by weighted votes; None on a tie or no evidence.

    Numbness sites, radiation sites and walking signs vote for the roots whose table row
    names them. Dermatomes overlap: this is a probability hint, never a diagnosis.
    """
    if hint.skip_when.holds(facts):
        return None
    votes = {root: _votes(signs, hint.weights, facts, record)
             for root, signs in hint.roots.items()}
    best = max(votes.values(), default=0)
    leaders = [root for root, score in votes.items() if score == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None


def _votes(signs: RootSigns, weights: Mapping[str, int], facts: Facts,
           record: IntakeRecord) -> int:
    numb = len(signs.sites & set(record.numbness_sites)) * weights["numbness"]
    spread = len(signs.sites & set(record.radiation_to)) * weights["radiation"]
    walking = sum(cond.holds(facts) for cond in signs.walking) * weights["walking"]
    return numb + spread + walking


def _unique(items: Iterable) -> List:
    return list(dict.fromkeys(items))


__all__ = ("decide", "emergency", "first_match", "table_row", "root_hint",
           "raised_red_flags", "choose_visit")
