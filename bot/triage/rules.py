"""Loading and checking data/triage/rules.yml.

The file is read once, on first use, and checked completely: unknown keys, unknown fact
names, codes outside the contract, wrong identifiers or outputs that do not fit a tier
raise ``RulesError`` naming the place. See the comments at the top of rules.yml for the
layout a clinician edits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple

import yaml

from bot import codes
from bot.triage.conditions import ALWAYS, Compiler, Condition, Definition, RulesError
from bot.triage.facts import fact_kinds

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "triage" / "rules.yml"
FORMAT_VERSION = 1

BY_TABLE = "by_table"  # an urgent rule that leaves the specialist to the table
PATIENT_CHOICE = "patient_choice"  # in person unless the patient prefers telehealth
RULE_VISITS = ("in_person", "telehealth_ok", PATIENT_CHOICE)

RULE_KEYS = frozenset({"id", "description", "when", "urgency", "specialist",
                       "also_consider", "visit", "reasons", "red_flags"})
TOP_KEYS = frozenset({"version", "definitions", "emergency_911", "emergency_ed",
                      "urgent_24h", "specialty_table", "visit", "red_flag_words",
                      "nerve_root_hint"})


@dataclass(frozen=True)
class Tier:
    """What a rule in one section may say."""

    urgency: str
    id_prefix: str
    specialists: Tuple[Optional[str], ...]
    visits: Tuple[Optional[str], ...]


TIERS = {
    "emergency_911": Tier("emergency_911", "E911-", (None,), (None,)),
    "emergency_ed": Tier("emergency_ed", "ED-", (None,), (None,)),
    "urgent_24h": Tier("urgent_24h", "U24-", codes.SPECIALISTS + (BY_TABLE,), ("in_person",)),
    "specialty_table": Tier("routine", "R", codes.SPECIALISTS, RULE_VISITS),
}


@dataclass(frozen=True)
class AlsoConsider:
    specialist: str
    when: Condition = ALWAYS
    reason: Optional[str] = None


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    when: Condition
    urgency: str
    specialist: Optional[str]
    visit: Optional[str]
    reasons: Tuple[str, ...]
    red_flags: Tuple[str, ...] = ()
    also_consider: Tuple[AlsoConsider, ...] = ()


@dataclass(frozen=True)
class SpecialtyTable:
    rows: Tuple[Rule, ...]
    fallback: Rule  # decides when its own `when` holds (checked first) or no row matched


@dataclass(frozen=True)
class RedFlagWords:
    findings: Tuple[str, ...]  # whose patient words to quote
    default: str  # said when none of them carries words


@dataclass(frozen=True)
class RootSigns:
    sites: FrozenSet[str]
    walking: Tuple[Condition, ...]


@dataclass(frozen=True)
class NerveRootHint:
    roots: Mapping[str, RootSigns]
    weights: Mapping[str, int]  # numbness, radiation, walking
    skip_when: Condition


@dataclass(frozen=True)
class RuleSet:
    emergency_911: Tuple[Rule, ...]
    emergency_ed: Tuple[Rule, ...]
    urgent_24h: Tuple[Rule, ...]
    table: SpecialtyTable
    in_person_when: Condition
    in_person_reason: str
    red_flag_words: Mapping[str, RedFlagWords]
    nerve_root_hint: NerveRootHint
    definitions: Mapping[str, Definition] = field(default_factory=dict)

    @property
    def emergency_rules(self) -> Tuple[Rule, ...]:
        return self.emergency_911 + self.emergency_ed

    @property
    def tier_rules(self) -> Tuple[Rule, ...]:
        return self.emergency_911 + self.emergency_ed + self.urgent_24h

    @property
    def all_rules(self) -> Tuple[Rule, ...]:
        return self.tier_rules + self.table.rows + (self.table.fallback,)


# -- loading ----------------------------------------------------------------------------
class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses repeated keys (a silent overwrite hides an edit)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise RulesError(f"line {key_node.start_mark.line + 1}: key {key!r} appears twice")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def load_rules(path: Optional[Path] = None) -> RuleSet:
    path = Path(path or DEFAULT_PATH)
    text = path.read_text(encoding="utf-8")
    return parse_rules_text(text, source=str(path))


def parse_rules_text(text: str, source: str = "rules.yml") -> RuleSet:
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not valid YAML: {exc}") from exc
    except RulesError as exc:
        raise RulesError(f"{source}: {exc}") from exc
    try:
        return parse_rules(data)
    except RulesError as exc:
        raise RulesError(f"{source}: {exc}") from exc


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped rules, read and checked once per process."""
    return load_rules()


# -- checking -----------------------------------------------------------------------------
def parse_rules(data: Any) -> RuleSet:
    top = _mapping(data, "top level")
    _keys(top, "top level", required=TOP_KEYS - {"definitions"}, allowed=TOP_KEYS)
    if top["version"] != FORMAT_VERSION:
        raise RulesError(f"version: this engine reads version {FORMAT_VERSION}, "
                         f"got {top['version']!r}")
    compiler = Compiler(fact_kinds(), _definitions(top.get("definitions") or {}))
    tiers = {name: _section(top[name], name, compiler) for name in
             ("emergency_911", "emergency_ed", "urgent_24h")}
    table = _table(top["specialty_table"], compiler)
    visit = _mapping(top["visit"], "visit")
    _keys(visit, "visit", required={"in_person_when", "reason"})
    rules = RuleSet(
        emergency_911=tiers["emergency_911"], emergency_ed=tiers["emergency_ed"],
        urgent_24h=tiers["urgent_24h"], table=table,
        in_person_when=compiler.compile(visit["in_person_when"], "visit.in_person_when"),
        in_person_reason=_text(visit["reason"], "visit.reason"),
        red_flag_words=_red_flag_words(top["red_flag_words"]),
        nerve_root_hint=_nerve_root_hint(top["nerve_root_hint"], compiler),
        definitions=compiler.definitions,
    )
    _check_ids_unique(rules)
    _check_red_flag_words_cover(rules)
    return rules


def _definitions(raw: Any) -> Dict[str, Definition]:
    """Named conditions, each usable by the ones after it and by every rule."""
    kinds = fact_kinds()
    defined: Dict[str, Definition] = {}
    for name, body in _mapping(raw, "definitions").items():
        where = f"definitions.{name}"
        if name in kinds:
            raise RulesError(f"{where}: {name!r} is already a fact; pick another name")
        entry = _mapping(body, where)
        _keys(entry, where, required={"description", "when"})
        _text(entry["description"], f"{where}.description")
        condition = Compiler(kinds, dict(defined)).compile(entry["when"], f"{where}.when")
        defined[name] = Definition(name, condition)
    return defined


def _section(raw: Any, name: str, compiler: Compiler) -> Tuple[Rule, ...]:
    return _each(raw, name, lambda item, at: _rule(item, at, TIERS[name], compiler))


def _table(raw: Any, compiler: Compiler) -> SpecialtyTable:
    table = _mapping(raw, "specialty_table")
    _keys(table, "specialty_table", required={"rows", "fallback"})
    tier = TIERS["specialty_table"]
    rows = _each(table["rows"], "specialty_table.rows",
                 lambda item, at: _rule(item, at, tier, compiler))
    fallback = _rule(table["fallback"], "specialty_table.fallback", tier, compiler)
    return SpecialtyTable(rows, fallback)


def _rule(raw: Any, where: str, tier: Tier, compiler: Compiler) -> Rule:
    entry = _mapping(raw, where)
    where = _named(where, entry.get("id"))
    _keys(entry, where, required={"id", "description", "when", "urgency", "reasons"},
          allowed=RULE_KEYS)
    rule_id = _text(entry["id"], f"{where}.id")
    if not rule_id.startswith(tier.id_prefix):
        raise RulesError(f"{where}: ids in this section start with {tier.id_prefix!r}")
    if entry["urgency"] != tier.urgency:
        raise RulesError(f"{where}.urgency: must be {tier.urgency!r} in this section, "
                         f"got {entry['urgency']!r}")
    specialist = _choice(entry.get("specialist"), tier.specialists, f"{where}.specialist")
    visit = _choice(entry.get("visit"), tier.visits, f"{where}.visit")
    return Rule(
        id=rule_id,
        description=_text(entry["description"], f"{where}.description"),
        when=compiler.compile(entry["when"], f"{where}.when"),
        urgency=tier.urgency,
        specialist=specialist,
        visit=visit,
        reasons=_each(entry["reasons"], f"{where}.reasons", _text),
        red_flags=_each(entry.get("red_flags", []), f"{where}.red_flags",
                        lambda code, at: _choice(code, codes.RED_FLAGS, at), empty=True),
        also_consider=_each(entry.get("also_consider", []), f"{where}.also_consider",
                            lambda item, at: _also(item, at, compiler), empty=True),
    )


def _named(where: str, rule_id: Any) -> str:
    """'urgent_24h[3]' becomes 'urgent_24h[U24-4]' once the id is known: easier to find."""
    if "[" not in where or not isinstance(rule_id, str) or not rule_id.strip():
        return where
    return f"{where.split('[')[0]}[{rule_id.strip()}]"


def _also(raw: Any, where: str, compiler: Compiler) -> AlsoConsider:
    if isinstance(raw, str):
        return AlsoConsider(_choice(raw, codes.SPECIALISTS, where))
    entry = _mapping(raw, where)
    _keys(entry, where, required={"specialist"}, allowed={"specialist", "when", "reason"})
    return AlsoConsider(
        specialist=_choice(entry["specialist"], codes.SPECIALISTS, f"{where}.specialist"),
        when=compiler.compile(entry["when"], f"{where}.when") if "when" in entry else ALWAYS,
        reason=_text(entry["reason"], f"{where}.reason") if "reason" in entry else None,
    )


def _red_flag_words(raw: Any) -> Dict[str, RedFlagWords]:
    out = {}
    for code, body in _mapping(raw, "red_flag_words").items():
        where = f"red_flag_words.{code}"
        _choice(code, codes.RED_FLAGS, where)
        entry = _mapping(body, where)
        _keys(entry, where, required={"findings", "default"})
        findings = _each(entry["findings"], f"{where}.findings",
                         lambda name, at: _choice(name, codes.FINDINGS, at), empty=True)
        out[code] = RedFlagWords(findings, _text(entry["default"], f"{where}.default"))
    return out


def _nerve_root_hint(raw: Any, compiler: Compiler) -> NerveRootHint:
    where = "nerve_root_hint"
    entry = _mapping(raw, where)
    _keys(entry, where, required={"weights", "roots", "skip_when"})
    weights = _mapping(entry["weights"], f"{where}.weights")
    _keys(weights, f"{where}.weights", required={"numbness", "radiation", "walking"})
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RulesError(f"{where}.weights.{key}: a whole number 0 or more")
    roots = {}
    for root, body in _mapping(entry["roots"], f"{where}.roots").items():
        here = f"{where}.roots.{root}"
        _choice(root, codes.NERVE_ROOTS, here)
        signs = _mapping(body, here)
        _keys(signs, here, required={"sites", "walking"})
        sites = _each(signs["sites"], f"{here}.sites",
                      lambda site, at: _choice(site, codes.REGIONS, at), empty=True)
        walking = _each(signs["walking"], f"{here}.walking", compiler.compile, empty=True)
        roots[root] = RootSigns(frozenset(sites), walking)
    return NerveRootHint(roots, dict(weights),
                         compiler.compile(entry["skip_when"], f"{where}.skip_when"))


def _check_ids_unique(rules: RuleSet) -> None:
    seen = set()
    for rule in rules.all_rules:
        if rule.id in seen:
            raise RulesError(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)


def _check_red_flag_words_cover(rules: RuleSet) -> None:
    for rule in rules.tier_rules:
        missing = [c for c in rule.red_flags if c not in rules.red_flag_words]
        if missing:
            raise RulesError(f"{rule.id}: red flag(s) {missing} have no entry in red_flag_words")


# -- small checkers ------------------------------------------------------------------------
def _mapping(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: expected a mapping (key: value), got {type(raw).__name__}")
    return raw


def _list(raw: Any, where: str, empty: bool = False) -> List[Any]:
    if not isinstance(raw, list) or (not raw and not empty):
        raise RulesError(f"{where}: expected a {'' if empty else 'non-empty '}list")
    return raw


def _each(raw: Any, where: str, check: Callable[[Any, str], Any], empty: bool = False) -> tuple:
    """Check every item of a list, each error naming its place: where[i]."""
    return tuple(check(item, f"{where}[{i}]") for i, item in enumerate(_list(raw, where, empty)))


def _keys(entry: dict, where: str, required: set, allowed: Optional[set] = None) -> None:
    missing = set(required) - set(entry)
    extra = set(entry) - set(allowed if allowed is not None else required)
    if missing:
        raise RulesError(f"{where}: missing {', '.join(sorted(missing))}")
    if extra:
        raise RulesError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}")


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise RulesError(f"{where}: expected some text")
    return raw.strip()


def _choice(raw: Any, allowed: Tuple[Any, ...], where: str) -> Any:
    if raw not in allowed:
        shown = ", ".join("null" if a is None else str(a) for a in allowed)
        raise RulesError(f"{where}: {raw!r} is not one of: {shown}")
    return raw
