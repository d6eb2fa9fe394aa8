"""Checking a handoff body against the contract, and the exact bytes we send.

The schema is ``docs/contract/handoff.schema.json``, a byte-for-byte copy of the
shared contract (a test keeps them equal). jsonschema 4.17 treats ``format`` as an
annotation unless given a format checker, and its stock checker has no
``date-time`` without the optional rfc3339-validator package, so this module
registers its own RFC 3339 check next to the stock ``uuid`` one.

Beyond the schema, ``validate_payload`` enforces what the contract text says and
JSON Schema cannot: ``created_at`` is in UTC, ``date_of_birth`` is a real date,
and ``triage.specialist`` is null only for the two emergency urgencies.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping

from jsonschema import Draft202012Validator, FormatChecker

from bot import codes

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = PROJECT_ROOT / "docs" / "contract" / "handoff.schema.json"


class PayloadValidationError(ValueError):
    """The payload does not follow the handoff contract; ``errors`` lists every problem."""

    def __init__(self, errors: List[str]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(
            f"handoff payload does not follow contract version {codes.CONTRACT_VERSION} "
            f"({len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}):\n{lines}"
        )


# -- formats --------------------------------------------------------------------
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"
)


def is_rfc3339(value: str) -> bool:
    """RFC 3339 ``date-time`` (section 5.6): full date, full time, mandatory offset."""
    match = _RFC3339.match(value)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    try:
        date(year, month, day)
    except ValueError:
        return False
    if hour > 23 or minute > 59 or second > 60:  # 60: leap second
        return False
    if match.group(9) is not None and (int(match.group(9)) > 23 or int(match.group(10)) > 59):
        return False
    return True


def is_utc(value: str) -> bool:
    """An RFC 3339 timestamp whose offset is UTC (``Z`` or ``+00:00``; ``-00:00`` means unknown)."""
    return is_rfc3339(value) and (value[-1] in "Zz" or value.endswith("+00:00"))


FORMAT_CHECKER = FormatChecker(formats=Draft202012Validator.FORMAT_CHECKER.checkers)


@FORMAT_CHECKER.checks("date-time")
def _check_date_time(instance: Any) -> bool:
    if not isinstance(instance, str):
        return True  # formats apply to strings only; "type" catches the rest
    return is_rfc3339(instance)


# -- schema -----------------------------------------------------------------------
@lru_cache(maxsize=None)
def load_schema() -> Dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        schema = json.load(handle)
    Draft202012Validator.check_schema(schema)
    return schema


@lru_cache(maxsize=None)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema(), format_checker=FORMAT_CHECKER)


def _where(path: Any) -> str:
    return path if path != "$" else "$ (the body)"


def contract_errors(payload: Any) -> List[str]:
    """Every way ``payload`` breaks the contract, as readable lines (empty: valid)."""
    errors = sorted(_validator().iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [f"{_where(error.json_path)}: {error.message}" for error in errors]
    if not isinstance(payload, Mapping):
        return problems

    created_at = payload.get("created_at")
    if isinstance(created_at, str) and is_rfc3339(created_at) and not is_utc(created_at):
        problems.append(f"$.created_at: {created_at!r} is not in UTC (use 'Z')")

    patient = payload.get("patient")
    if isinstance(patient, Mapping):
        born = patient.get("date_of_birth")
        if isinstance(born, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", born):
            try:
                date.fromisoformat(born)
            except ValueError:
                problems.append(f"$.patient.date_of_birth: {born!r} is not a real date")

    triage = payload.get("triage")
    if isinstance(triage, Mapping) and "specialist" in triage and triage.get("specialist") is None:
        urgency = triage.get("urgency")
        if urgency in codes.URGENCIES and urgency not in codes.EMERGENCY_URGENCIES:
            problems.append(
                f"$.triage.specialist: null is allowed only for emergency urgencies, not {urgency!r}"
            )
    return problems


def validate_payload(payload: Any) -> None:
    """Raise ``PayloadValidationError`` (a ValueError) unless ``payload`` follows the contract."""
    problems = contract_errors(payload)
    if problems:
        raise PayloadValidationError(problems)


def is_valid_payload(payload: Any) -> bool:
    return not contract_errors(payload)


def canonical_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes to POST, sign and store: UTF-8 JSON, compact, keys in payload order."""
    return json.dumps(
        payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False, allow_nan=False
    ).encode("utf-8")


def parse_created_at(value: str) -> datetime:
    """An RFC 3339 timestamp (a payload's ``created_at``) as an aware datetime."""
    match = _RFC3339.match(value)
    if not match:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    fraction = (match.group(7) or ".0")[1:7].ljust(6, "0")  # Python 3.10 wants 3 or 6 digits
    offset = "+00:00" if match.group(8) in ("Z", "z") else match.group(8)
    whole = value[: match.start(7)] if match.group(7) else value[: match.start(8)]
    return datetime.fromisoformat(f"{whole.replace('t', 'T')}.{fraction}{offset}")
