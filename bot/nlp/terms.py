"""Term lists and patterns for the clinical pipeline, read from data/nlp/*.yml.

Everything a clinician or a translator might want to change (lay names,
misspellings, negation cues) is data; this module only turns that data into
spaCy EntityRuler patterns and medspaCy ConText rule specs, and checks it
against the contract's code lists so that a typo fails at build time, not in a
conversation.
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import yaml

from bot import codes

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "nlp"

# Entity labels (doc.ents[i].label_); Rasa sees them lower-cased.
REGION, SIDE, SYMPTOM, EXTENT = "REGION", "SIDE", "SYMPTOM", "EXTENT"
GAIT, GAIT_OK, FINDING = "GAIT", "GAIT_OK", "FINDING"
DURATION, SEVERITY, ONSET, CAUSE, CARE = "DURATION", "SEVERITY", "ONSET", "CAUSE", "CARE"
IGNORE = "IGNORE"  # look-alikes ("come back"): matched so they beat the short word, then dropped

# When one phrase is listed under two labels, the first label here keeps it, so
# the result never depends on pattern order. tests/unit/test_nlp_data.py lists
# such overlaps so that they stay deliberate.
LABEL_PRIORITY = (FINDING, GAIT_OK, GAIT, CARE, CAUSE, EXTENT, SYMPTOM, ONSET, REGION, SIDE, DURATION, IGNORE)

# ConText works on these; DURATION and SEVERITY are values, not assertions, and
# leaving them out keeps "5 years ago" usable both as a duration and as a cue.
CONTEXT_TARGET_LABELS = (REGION, SIDE, SYMPTOM, EXTENT, GAIT, GAIT_OK, FINDING, ONSET, CAUSE, CARE)

SYMPTOM_KINDS = ("pain", "numbness", "weakness", "radiation", "local", "no_radiation", "ok")


@lru_cache(maxsize=None)
def load(name: str) -> Dict[str, Any]:
    """One data file, e.g. load("regions") reads data/nlp/regions.yml."""
    with open(DATA_DIR / f"{name}.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


# -- phrases ---------------------------------------------------------------------
_MACRO = re.compile(r"\{(\w+)\}")


_CONTRACTION = re.compile(r" ('(?:s|ve|re|ll|d|m)\b)")


def expand(phrase: str, macros: Optional[Dict[str, List[str]]] = None, _depth: int = 0) -> List[str]:
    """All spellings of a phrase: "{cant} walk" -> ["can't walk", "cannot walk", ...].
    A macro's alternatives may use other macros ("{n} years ago"), two levels deep."""
    if not isinstance(phrase, str):
        raise ValueError(f"phrase must be text, got {phrase!r} (quote yes/no/on/off in YAML)")
    macros = load("macros") if macros is None else macros
    names = _MACRO.findall(phrase)
    for name in names:
        if name not in macros:
            raise ValueError(f"unknown macro {{{name}}} in {phrase!r}")
    pieces = _MACRO.split(phrase)  # text, name, text, name, ...
    choices = [[piece] if i % 2 == 0 else macros[piece] for i, piece in enumerate(pieces)]
    out = []
    for combo in itertools.product(*choices):
        text = re.sub(r"\s+", " ", "".join(combo)).strip().lower()
        # "{it} {has} stopped" -> "they've stopped": a contraction joins its word, as the
        # tokenizer splits it ("they 've" would be "they", "'", "ve")
        text = _CONTRACTION.sub(r"\1", text)
        if text and _MACRO.search(text) and _depth < 2:
            out.extend(expand(text, macros, _depth + 1))
        elif text:
            out.append(text)
    return out


def phrases(items: Iterable[str], macros: Optional[Dict[str, List[str]]] = None) -> List[str]:
    """Expanded, lower-cased, de-duplicated, in the order written."""
    seen: Dict[str, None] = {}
    for item in items:
        for text in expand(item, macros):
            seen.setdefault(text, None)
    return list(seen)


# -- the words of the term lists, for the spelling component ----------------------------
def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@lru_cache(maxsize=1)
def spelling_vocabulary() -> Tuple[str, ...]:
    """Every word written in data/nlp (phrases, macros, token-pattern words, cues):
    the words a misspelling may be read as, and the words never corrected."""
    words: Set[str] = set()
    for path in sorted(DATA_DIR.glob("*.yml")):
        for text in _strings(load(path.stem)):
            words.update(re.findall(r"[a-z]+", _MACRO.sub(" ", text.lower())))
    return tuple(sorted(words))


# -- word lists for token patterns ----------------------------------------------------
@lru_cache(maxsize=1)
def word_lists() -> Dict[str, List[str]]:
    """The lists "$name" refers to in token patterns: parse.yml tables (their keys)
    and course.yml "lists"."""
    lists: Dict[str, List[str]] = {}
    for name, value in load("parse").items():
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            lists[name] = [k.lower() for k in value]
        elif isinstance(value, list):
            lists[name] = [str(v).lower() for v in value]
    lists.update({name: [str(v).lower() for v in value] for name, value in load("course")["lists"].items()})
    return lists


def _resolve(pattern: Any) -> Any:
    """Replace "$name" in a token pattern by the word list it names."""
    if isinstance(pattern, dict):
        return {key: _resolve(value) for key, value in pattern.items()}
    if isinstance(pattern, list):
        return [_resolve(value) for value in pattern]
    if isinstance(pattern, str) and pattern.startswith("$"):
        if pattern[1:] not in word_lists():
            raise ValueError(f"unknown word list {pattern}")
        return word_lists()[pattern[1:]]
    return pattern


# -- entity ruler patterns ---------------------------------------------------------
def _labelled_phrases() -> List[Tuple[str, str, List[str]]]:
    """(label, id, phrases) for every phrase list in the data, unexpanded."""
    out: List[Tuple[str, str, List[str]]] = []
    out += [(REGION, code, items) for code, items in load("regions")["patterns"].items()]
    out += [(SIDE, side, items) for side, items in load("sides")["patterns"].items()]
    out += [(SYMPTOM, kind, items) for kind, items in load("symptoms")["patterns"].items()]
    out += [(EXTENT, kind, items) for kind, items in load("symptoms")["extent"].items()]
    out += [(GAIT, code, items) for code, items in load("gait")["patterns"].items()]
    out.append((GAIT_OK, "ok", load("gait")["ok"]))
    out += [(FINDING, key, spec["patterns"]) for key, spec in load("findings")["entities"].items()]
    out += [(CAUSE, code, items) for code, items in load("course")["cause"].items()]
    out += [(CARE, code, items) for code, items in load("course")["care"].items()]
    out += [(ONSET, onset, items) for onset, items in load("parse")["onset"].items()]
    out.append((DURATION, "duration", _relative_duration_phrases()))
    ignored = [item for group in load("ignore")["patterns"] for item in group]
    out.append((IGNORE, "ignore", ignored + load("parse")["side_ignore"]))
    return out


def _relative_duration_phrases() -> List[str]:
    """"since yesterday", "started this morning", and "yesterday" on its own.

    "today" alone mostly describes the present ("it hurts today"), so words that
    mean zero days count only after "since" or "started".
    """
    out = []
    for phrase, days in load("parse")["relative_days"].items():
        out += [f"since {phrase}", f"started {phrase}", f"began {phrase}", f"starting {phrase}"]
        if days >= 1:
            out.append(phrase)
    return out


def phrase_table() -> Dict[str, List[Tuple[str, str]]]:
    """Every expanded phrase with all the (label, id) pairs that list it."""
    table: Dict[str, List[Tuple[str, str]]] = {}
    for label, key, items in _labelled_phrases():
        for text in phrases(items):
            owners = table.setdefault(text, [])
            if (label, key) not in owners:
                owners.append((label, key))
    return table


def phrase_conflicts() -> Dict[str, List[Tuple[str, str]]]:
    """Phrases listed under more than one label or id (resolved by LABEL_PRIORITY)."""
    return {text: owners for text, owners in phrase_table().items() if len(owners) > 1}


def _winner(owners: List[Tuple[str, str]]) -> Tuple[str, str]:
    return min(owners, key=lambda owner: LABEL_PRIORITY.index(owner[0]))


def ruler_patterns() -> List[Dict[str, Any]]:
    """EntityRuler patterns: {"label", "pattern", "id"}; phrase patterns are lower-case."""
    patterns = [
        {"label": label, "pattern": text, "id": key}
        for text, owners in phrase_table().items()
        for label, key in [_winner(owners)]
    ]
    course = load("course")
    patterns += [{"label": DURATION, "pattern": _resolve(p), "id": "duration"} for p in course["duration"]]
    patterns += [{"label": SEVERITY, "pattern": _resolve(p), "id": "severity"} for p in course["severity"]]
    return patterns


# -- context rules -------------------------------------------------------------------
def context_rule_specs() -> List[Dict[str, Any]]:
    """Plain dicts for medspaCy ConTextRule (see bot.nlp.components), one per phrase
    or token pattern. A phrase in two groups keeps the first: medspaCy would keep
    only one of two identical matches anyway, and not predictably."""
    specs: List[Dict[str, Any]] = []
    seen: Set[str] = set()
    for group in load("context")["groups"]:
        if group["direction"] not in ("TERMINATE", "PSEUDO") and not group.get("max_scope"):
            # bot.nlp.components pairs cues and targets within max_scope only
            raise ValueError(f"context group {group['category']} {group['direction']} needs a max_scope")
        macros = {**load("macros"), **(group.get("macros") or {})}
        base = {
            "category": group["category"],
            "direction": group["direction"],
            "max_scope": group.get("max_scope"),
            "allowed_types": group.get("allowed_types"),
            "terminated_by": group.get("terminated_by"),
            # wider settings for the cue in a sentence with a question mark (components.question_rule)
            "in_question": group.get("in_question"),
            # a date looks back no further than a comma (components._date_looks_back_to_the_comma)
            "back_to_comma": bool(group.get("back_to_comma")),
            # a shorter reach forward than back (components._forward_scope)
            "forward_scope": group.get("forward_scope"),
            # said at the end of a story, it reaches back over "and i" / ", i" (components._limit_scope)
            "story_end": bool(group.get("story_end")),
            # opens a list ("no to all of: ..."): its scope runs over the list's commas and
            # its own denials to the end of the sentence, a "but" or a new clause (components._limit_scope)
            "list_intro": bool(group.get("list_intro")),
        }
        for text in phrases(group.get("phrases") or [], macros):
            if text not in seen:
                seen.add(text)
                specs.append({**base, "literal": text, "pattern": None})
        for index, pattern in enumerate(group.get("patterns") or []):
            literal = f"{group['category'].lower()}_pattern_{index}"
            specs.append({**base, "literal": literal, "pattern": _resolve(pattern)})
    return specs


def context_duplicates() -> List[str]:
    """Phrases listed in more than one ConText group (only the first counts)."""
    counts: Dict[str, int] = {}
    for group in load("context")["groups"]:
        macros = {**load("macros"), **(group.get("macros") or {})}
        for text in phrases(group.get("phrases") or [], macros):
            counts[text] = counts.get(text, 0) + 1
    return sorted(text for text, count in counts.items() if count > 1)


# -- finding, gait and side specs -----------------------------------------------------
@lru_cache(maxsize=1)
def finding_specs() -> Dict[str, Dict[str, Any]]:
    """FINDING ent id -> {"findings": [...], "needs_region": group | None, "implies": {...}}."""
    data = load("findings")
    specs = {}
    for key, spec in data["entities"].items():
        names = spec.get("findings") or [key]
        implies = spec.get("implies") or {}
        _check(names, codes.FINDINGS, f"finding in {key}")
        _check_implies(implies, key)
        group = spec.get("needs_region")
        if group is not None and group not in data["region_groups"]:
            raise ValueError(f"unknown region group {group!r} in {key}")
        denies = bool(spec.get("denies"))
        if denies and set(implies) - {"cause", "care"}:
            raise ValueError(f"{key}: a phrase that denies implies no more than a cause or a care")
        only_denied = bool(spec.get("only_denied"))
        if only_denied and (denies or implies):
            raise ValueError(f"{key}: only_denied goes with neither denies nor implies")
        with_region = spec.get("with_region") or {}
        for region_group, other in with_region.items():
            if region_group not in data["region_groups"]:
                raise ValueError(f"unknown region group {region_group!r} in {key}")
            _check(other, codes.FINDINGS, f"with_region finding in {key}")
        denied_also = spec.get("denied_also") or []
        _check(denied_also, codes.FINDINGS, f"denied_also in {key}")
        specs[key] = {"findings": list(names), "needs_region": group, "implies": implies, "denies": denies,
                      "only_denied": only_denied, "with_region": with_region, "lasting": bool(spec.get("lasting")),
                      "denied_also": list(denied_also)}
    return specs


@lru_cache(maxsize=1)
def body_words() -> Tuple[frozenset, frozenset]:
    """For findings.yml site_bound: the words of body parts outside the field (regions.yml
    elsewhere and the one-word phrases of the "other" region) and the words that put a
    phrase in the field (its other one-word region phrases, site_bound foot_words)."""
    data = load("regions")
    singles = {text: code for code, items in data["patterns"].items() for text in phrases(items) if " " not in text}
    outside = {str(w).lower() for w in data.get("elsewhere") or []} | {w for w, code in singles.items() if code == "other"}
    ours = {w for w, code in singles.items() if code != "other"}
    ours |= {str(w).lower() for w in (load("findings").get("site_bound") or {}).get("foot_words") or []}
    return frozenset(outside), frozenset(ours)


@lru_cache(maxsize=1)
def only_denied_entities() -> frozenset:
    """FINDING ent ids of bare topic words ("bladder", "weight"): see findings.yml only_denied."""
    return frozenset(key for key, spec in finding_specs().items() if spec["only_denied"])


@lru_cache(maxsize=1)
def finding_rules() -> Dict[str, Any]:
    """history_by_nature, keep_hypothetical, region_groups and derived findings."""
    data = load("findings")
    _check(data["history_by_nature"], codes.FINDINGS, "history_by_nature")
    _check(data["keep_hypothetical"], codes.FINDINGS, "keep_hypothetical")
    _check(data.get("owned_when_my") or [], codes.FINDINGS, "owned_when_my")
    _check(data.get("recent_when_dated") or [], codes.FINDINGS, "recent_when_dated")
    _check(data.get("recent_last_month") or [], codes.FINDINGS, "recent_last_month")
    _check(data.get("chronic_is_not_new") or [], codes.FINDINGS, "chronic_is_not_new")
    _check(data.get("several_kinds") or [], codes.FINDINGS, "several_kinds")
    _check(list(data.get("vetoed_in_sentence") or {}), codes.FINDINGS, "vetoed_in_sentence")
    for key in data.get("vetoed_by_entry") or {}:
        if key not in data["entities"]:
            raise ValueError(f"vetoed_by_entry: unknown entry {key!r}")
    for group, regions in data["region_groups"].items():
        _check(regions, codes.REGIONS, f"region group {group}")
    for rule in data["derived"]:
        _check([rule["finding"]], codes.FINDINGS, "derived finding")
        _check(rule["regions"], codes.REGIONS, "derived regions")
        _check(rule["symptoms"], SYMPTOM_KINDS + ("bare",), "derived symptoms")
        if rule.get("gait"):
            _check([rule["gait"]], codes.GAITS, "derived gait")
        if rule.get("cause"):
            _check([rule["cause"]], codes.CAUSES, "derived cause")
    _check((data.get("leak_of_wound") or {}).get("findings") or [], codes.FINDINGS, "leak_of_wound findings")
    site_bound = data.get("site_bound") or {}
    _check(site_bound.get("findings") or [], codes.FINDINGS, "site_bound findings")
    for rule in data.get("recent_care") or []:
        _check([rule["finding"]], codes.FINDINGS, "recent_care finding")
        _check(rule["care"], list(load("course")["care"]), "recent_care care")
        for key, care in (rule.get("dated_findings") or {}).items():
            if key not in data["entities"] or care not in rule["care"]:
                raise ValueError(f"recent_care dated_findings: {key} -> {care}")
    recent_care = data.get("recent_care") or []
    return {
        "recent_care": recent_care,
        # what the care rules make, and the words that make a care spinal, for every rule at once
        "recent_care_findings": frozenset(rule["finding"] for rule in recent_care),
        "spinal_words": frozenset(w for rule in recent_care for w in rule["spinal_words"]),
        "history_by_nature": frozenset(data["history_by_nature"]),
        "keep_hypothetical": frozenset(data["keep_hypothetical"]),
        "owned_when_my": frozenset(data.get("owned_when_my") or []),
        "recent_when_dated": frozenset(data.get("recent_when_dated") or []),
        "recent_last_month": frozenset(data.get("recent_last_month") or []),
        "chronic_is_not_new": frozenset(data.get("chronic_is_not_new") or []),
        "several_kinds": frozenset(data.get("several_kinds") or []),
        "region_groups": {name: frozenset(regions) for name, regions in data["region_groups"].items()},
        "derived": data["derived"],
        "vetoed_in_sentence": {name: tuple(words) for name, words in (data.get("vetoed_in_sentence") or {}).items()},
        "vetoed_by_entry": {key: tuple(words) for key, words in (data.get("vetoed_by_entry") or {}).items()},
        "vetoed_by_entry_unless": tuple(data.get("vetoed_by_entry_unless") or ()),
        "site_bound": frozenset(site_bound.get("findings") or []),
        "leak_of_wound": {key: frozenset(str(w).lower() for w in values)
                          for key, values in (data.get("leak_of_wound") or {}).items()},
    }


def cooccur_rules() -> List[Dict[str, Any]]:
    """findings.yml cooccur: {entity, window, words: [[...], [...]], unless: [...], ordered, span}, checked."""
    rules = load("findings").get("cooccur") or []
    specs = finding_specs()
    for rule in rules:
        if rule["entity"] not in specs:
            raise ValueError(f"cooccur: unknown finding entity {rule['entity']!r}")
        if len(rule["words"]) != 2 or not all(rule["words"]):
            raise ValueError(f"cooccur {rule['entity']}: two word lists needed")
        if rule.get("span", "both") not in ("first", "second", "both"):
            raise ValueError(f"cooccur {rule['entity']}: span must be first, second or both")
        if not 1 <= int(rule["window"]) <= 10:
            raise ValueError(f"cooccur {rule['entity']}: window must be 1..10")
    return [{"entity": r["entity"], "window": int(r["window"]),
             "words": [[str(w).lower() for w in ws] for ws in r["words"]],
             "unless": [str(w).lower() for w in r.get("unless") or []],
             "ordered": bool(r.get("ordered")), "span": r.get("span") or "both"} for r in rules]


@lru_cache(maxsize=1)
def cause_rules() -> Dict[str, Any]:
    """cause_priority and cause_findings from course.yml, checked."""
    data = load("course")
    priority = list(data["cause_priority"])
    _check(priority, codes.CAUSES, "cause_priority")
    _check(list(data["cause"]), priority, "cause missing from cause_priority")
    for rule in data["cause_findings"]:
        _check([rule["finding"]], codes.FINDINGS, "cause finding")
        _check(rule["causes"], codes.CAUSES, "cause finding causes")
        _check(rule.get("regions") or [], codes.REGIONS, "cause finding regions")
    return {"priority": priority, "findings": data["cause_findings"],
            "dated_words": frozenset(str(w).lower() for w in data.get("dated_words") or [])}


@lru_cache(maxsize=1)
def gait_implies() -> Dict[str, Dict[str, str]]:
    implies = load("gait").get("implies") or {}
    _check(list(load("gait")["patterns"]), codes.GAITS, "gait code")
    for code, spec in implies.items():
        _check_implies(spec, code)
    return implies


@lru_cache(maxsize=1)
def grammar() -> Dict[str, Any]:
    data = load("grammar")
    return {
        "max_walk": int(data["max_walk"]),
        "left_skip": frozenset(data["left_skip"]),
        "right_skip": frozenset(data["right_skip"]),
        "path_start": frozenset(data["path_start"]),
        "path_joiners": frozenset(data["path_joiners"]),
        "list_joiners": frozenset(data["list_joiners"]),
        "side_before": int(data["side_before"]),
        "side_after": int(data["side_after"]),
        "side_too": tuple(data["side_too"]),
        "side_joins": tuple(data["side_too"]) + tuple(data["side_joins"]),
        "side_only": tuple(data["side_only"]),
        "side_now": tuple(data["side_now"]),
        "side_left_from": tuple(data["side_left_from"]),
        "pronouns": frozenset(data["pronouns"]),
        "part_of": {whole: frozenset(parts) for whole, parts in data["part_of"].items()},
        "part_joiners": frozenset(data["part_joiners"]),
        "locator_words": frozenset(data["locator_words"]),
        "since_then": tuple(data["since_then"]),
    }


@lru_cache(maxsize=1)
def side_words() -> Dict[str, str]:
    """Single side words ("left", "bilateral", "l", "rt") -> left | right | both."""
    words = {}
    for side, items in load("sides")["patterns"].items():
        for text in phrases(items):
            if " " not in text and "-" not in text:
                words[text] = side
    words.update(load("sides")["side_letters"])
    return words


@lru_cache(maxsize=1)
def plural_means_both() -> frozenset:
    return frozenset(phrases(load("regions")["plural_means_both"]))


def check_codes() -> None:
    """Fail fast on data that names a code the contract does not have."""
    _check(list(load("regions")["patterns"]), codes.REGIONS, "region code")
    _check(list(load("sides")["patterns"]), codes.SIDES, "side")
    _check(list(load("symptoms")["patterns"]), SYMPTOM_KINDS, "symptom kind")
    _check(list(load("course")["cause"]), codes.CAUSES, "cause")
    finding_specs()
    finding_rules()
    gait_implies()
    cause_rules()


def _check(values: Iterable[str], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what}: {unknown}")


def _check_implies(implies: Dict[str, str], key: str) -> None:
    allowed = {
        "symptom": SYMPTOM_KINDS,
        "region": codes.REGIONS,
        "cause": codes.CAUSES,
        "gait": codes.GAITS,
        "care": None,  # prior care is free text in the contract
    }
    for what, value in implies.items():
        if what not in allowed:
            raise ValueError(f"unknown implication {what!r} in {key}")
        if allowed[what] is not None:
            _check([value], allowed[what], f"{what} implied by {key}")
