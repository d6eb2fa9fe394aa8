"""The small condition language of rules.yml, compiled to plain objects (no eval).

Forms a condition may take:

- ``name``                        a flag fact (or a named definition) is true
- ``{fact: name}``                the same, written out
- ``{fact: age, gt: 60}``         compare a number fact: gt, gte, lt, lte, eq (several
                                  comparisons in one mapping must all hold); unknown is False
- ``{fact: severity, known: false}``  whether a number fact is known
- ``{all: [c1, c2, ...]}``        every part holds
- ``{any: [c1, c2, ...]}``        at least one part holds
- ``{not: c}``                    the part does not hold

Errors name the place in the file (``urgent_24h[U24-3].when.all[1]``) and the problem.
"""
from __future__ import annotations

import difflib
import operator
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Tuple

from bot.triage.facts import FLAG, NUMBER, Value

Facts = Mapping[str, Value]

COMPARISONS: Dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le,
    "eq": operator.eq,
}
LOGIC_KEYS = ("all", "any", "not")


class RulesError(ValueError):
    """rules.yml is not valid: the message says where and why."""


class Condition:
    def holds(self, facts: Facts) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class IsTrue(Condition):
    name: str

    def holds(self, facts: Facts) -> bool:
        return facts[self.name] is True


@dataclass(frozen=True)
class Compare(Condition):
    name: str
    tests: Tuple[Tuple[str, float], ...]

    def holds(self, facts: Facts) -> bool:
        value = facts[self.name]
        return value is not None and all(COMPARISONS[op](value, limit) for op, limit in self.tests)


@dataclass(frozen=True)
class Known(Condition):
    name: str
    expected: bool

    def holds(self, facts: Facts) -> bool:
        return (facts[self.name] is not None) == self.expected


@dataclass(frozen=True)
class AllOf(Condition):
    parts: Tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        return all(part.holds(facts) for part in self.parts)


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: Tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        return any(part.holds(facts) for part in self.parts)


@dataclass(frozen=True)
class Not(Condition):
    part: Condition

    def holds(self, facts: Facts) -> bool:
        return not self.part.holds(facts)


@dataclass(frozen=True)
class Definition(Condition):
    """A named condition from the ``definitions`` section, usable like a flag fact."""

    name: str
    body: Condition

    def holds(self, facts: Facts) -> bool:
        return self.body.holds(facts)


ALWAYS = AllOf(())


@dataclass(frozen=True)
class Compiler:
    """Turns the YAML form into Condition objects, checking every name against the facts."""

    kinds: Mapping[str, str]  # fact name -> FLAG | NUMBER
    definitions: Mapping[str, Definition]

    def compile(self, raw: Any, where: str) -> Condition:
        if isinstance(raw, str):
            return self._flag(raw, where)
        if not isinstance(raw, dict) or not raw:
            raise RulesError(f"{where}: a condition is a fact name or a mapping with one of "
                             f"'fact', 'all', 'any', 'not'; got {raw!r}")
        if "fact" in raw:
            return self._fact(raw, where)
        if len(raw) != 1 or next(iter(raw)) not in LOGIC_KEYS:
            raise RulesError(f"{where}: expected exactly one of 'fact', 'all', 'any', 'not'; "
                             f"got keys {sorted(raw)}")
        key, value = next(iter(raw.items()))
        if key == "not":
            return Not(self.compile(value, f"{where}.not"))
        if not isinstance(value, list) or not value:
            raise RulesError(f"{where}.{key}: needs a non-empty list of conditions")
        parts = tuple(self.compile(item, f"{where}.{key}[{i}]") for i, item in enumerate(value))
        return AllOf(parts) if key == "all" else AnyOf(parts)

    def _fact(self, raw: dict, where: str) -> Condition:
        name = raw["fact"]
        tests = {k: v for k, v in raw.items() if k != "fact"}
        unknown = set(tests) - set(COMPARISONS) - {"known"}
        if unknown:
            raise RulesError(f"{where}: unknown key(s) {sorted(unknown)} beside 'fact' "
                             f"(allowed: {', '.join(COMPARISONS)}, known)")
        if not tests:
            return self._flag(name, where)
        if name in self.definitions:
            raise RulesError(f"{where}: {name!r} is a definition (yes/no); it takes no comparison")
        kind = self._kind(name, where)
        if kind != NUMBER:
            raise RulesError(f"{where}: {name!r} is a yes/no fact; comparisons and 'known' "
                             f"are only for number facts")
        if "known" in tests:
            if len(tests) != 1 or not isinstance(tests["known"], bool):
                raise RulesError(f"{where}: 'known' stands alone and is true or false")
            return Known(name, tests["known"])
        for op, limit in tests.items():
            if isinstance(limit, bool) or not isinstance(limit, (int, float)):
                raise RulesError(f"{where}: {op} needs a number, got {limit!r}")
        return Compare(name, tuple(sorted(tests.items())))

    def _flag(self, name: Any, where: str) -> Condition:
        if name in self.definitions:
            return self.definitions[name]
        if self._kind(name, where) != FLAG:
            raise RulesError(f"{where}: {name!r} is a number fact; compare it, e.g. "
                             f"{{fact: {name}, gte: 1}}")
        return IsTrue(name)

    def _kind(self, name: Any, where: str) -> str:
        if not isinstance(name, str) or name not in self.kinds:
            known = list(self.kinds) + list(self.definitions)
            close = difflib.get_close_matches(str(name), known, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise RulesError(f"{where}: unknown fact {name!r}{hint}")
        return self.kinds[name]
