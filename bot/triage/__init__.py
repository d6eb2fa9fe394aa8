"""Clinical triage: red flags, urgency, specialist, visit type and nerve-root hint.

The rules live in data/triage/rules.yml (read once, on first use); the facts they test
are defined in bot.triage.facts. Everything here is a pure function of the intake
record and the date. Nothing here talks to the patient: the urgency and specialist are
for routing, the nerve-root hint is for clinicians only.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from bot.intake.record import IntakeRecord
from bot.triage import engine, facts
from bot.triage.conditions import RulesError
from bot.triage.result import TriageResult
from bot.triage.rules import RuleSet, default_rules, load_rules

__all__ = ["TriageResult", "RulesError", "RuleSet", "triage", "emergency_urgency",
           "nerve_root_hint", "load_rules"]


def triage(record: IntakeRecord, today: Optional[date] = None,
           rules: Optional[RuleSet] = None) -> TriageResult:
    """Urgency, specialist, visit type, red flags and nerve-root hint for one record."""
    return engine.decide(rules or default_rules(), record, today)


def emergency_urgency(record: IntakeRecord, today: Optional[date] = None,
                      rules: Optional[RuleSet] = None) -> Optional[str]:
    """Return "emergency_911" or "emergency_ed" if an emergency rule holds now, else None.

    Cheap enough to call on every message: it checks only the emergency rules.
    """
    rule = engine.emergency(rules or default_rules(), record, today)
    return rule.urgency if rule else None


def nerve_root_hint(record: IntakeRecord, rules: Optional[RuleSet] = None) -> Optional[str]:
    """Return "L4", "L5", "S1" or None: a hint for clinicians, never shown to patients."""
    ruleset = rules or default_rules()
    return engine.root_hint(ruleset.nerve_root_hint, facts.compute(record), record)
