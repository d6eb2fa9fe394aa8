"""The intake record: everything the patient told us, in the contract's vocabulary.

One record per intake. It is plain data (dataclasses, JSON round-trip) so that the
triage rules, the summary, the handoff payload and the store all read the same
thing, and so that tests can build one without Rasa.

Conventions, as in the contract: ``None`` means "not asked or not known"; an empty
list means "asked, none".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional

from bot import codes


@dataclass
class PainSite:
    region: str
    side: Optional[str] = None  # left | right | both | midline | None

    def __post_init__(self) -> None:
        if self.region not in codes.REGIONS:
            raise ValueError(f"unknown region {self.region!r}")
        if self.side is not None and self.side not in codes.SIDES:
            raise ValueError(f"unknown side {self.side!r}")


@dataclass
class Finding:
    """A clinical fact with the patient's own words that raised it."""

    present: bool
    words: str = ""


@dataclass
class Patient:
    name: Optional[str] = None
    date_of_birth: Optional[str] = None  # YYYY-MM-DD
    phone: Optional[str] = None  # E.164
    email: Optional[str] = None
    preferred_visit: Optional[str] = None  # in_person | telehealth | no_preference


@dataclass
class IntakeRecord:
    patient_words: str = ""
    pain_sites: List[PainSite] = field(default_factory=list)
    pain_sites_asked: bool = False

    radiation_present: Optional[bool] = None
    radiation_to: List[str] = field(default_factory=list)
    radiation_below_knee: Optional[bool] = None

    numbness_present: Optional[bool] = None
    numbness_sites: List[str] = field(default_factory=list)

    weakness_present: Optional[bool] = None
    weakness_sites: List[str] = field(default_factory=list)
    weakness_new: Optional[bool] = None

    gait_changes: Optional[List[str]] = None  # None: not asked; []: asked, none
    heel_walk_ok: Optional[bool] = None  # safe self-check; False means could not
    toe_walk_ok: Optional[bool] = None

    severity: Optional[int] = None
    onset: Optional[str] = None
    duration_days: Optional[int] = None
    cause: Optional[str] = None  # one of codes.CAUSES, or None
    cause_words: Optional[str] = None
    prior_care: Optional[List[str]] = None

    findings: Dict[str, Finding] = field(default_factory=dict)
    patient: Patient = field(default_factory=Patient)
    # Question and answer pairs as the patient gave them, in order.
    answers: List[Dict[str, str]] = field(default_factory=list)
    # Question ids the patient answered with "I don't know" or skipped: asked, not known.
    unknown: List[str] = field(default_factory=list)

    # -- findings -----------------------------------------------------------------
    def set_finding(self, name: str, present: bool, words: str = "") -> None:
        if name not in codes.FINDINGS:
            raise ValueError(f"unknown finding {name!r}")
        self.findings[name] = Finding(present=present, words=words)

    def has(self, name: str) -> bool:
        """True only when the finding is known to be present."""
        found = self.findings.get(name)
        return bool(found and found.present)

    def denied(self, name: str) -> bool:
        found = self.findings.get(name)
        return bool(found and not found.present)

    def known(self, name: str) -> bool:
        return name in self.findings

    # -- derived ----------------------------------------------------------------
    @property
    def regions(self) -> List[str]:
        return [site.region for site in self.pain_sites]

    def age(self, today: Optional[date] = None) -> Optional[int]:
        if not self.patient.date_of_birth:
            return None
        born = date.fromisoformat(self.patient.date_of_birth)
        today = today or date.today()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    # -- serialisation ------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Optional[Dict[str, Any]]) -> "IntakeRecord":
        if not data:
            return cls()
        data = dict(data)
        data["pain_sites"] = [PainSite(**s) for s in data.get("pain_sites") or []]
        data["findings"] = {k: Finding(**v) for k, v in (data.get("findings") or {}).items()}
        data["patient"] = Patient(**(data.get("patient") or {}))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})
