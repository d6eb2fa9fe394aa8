"""What triage decides, in the handoff contract's vocabulary."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from bot import codes


@dataclass
class TriageResult:
    urgency: str  # codes.URGENCIES
    specialist: Optional[str]  # None only for emergency_911 / emergency_ed
    also_consider: List[str] = field(default_factory=list)
    visit: Optional[str] = None  # "in_person" | "telehealth_ok" | None (emergencies)
    rule: str = ""  # id of the rule that decided, e.g. "R1" or "ED-1"
    reasons: List[str] = field(default_factory=list)  # plain language, for staff
    nerve_root_pattern: Optional[str] = None  # "L4" | "L5" | "S1" | None; clinicians only
    red_flags: List[Dict[str, str]] = field(default_factory=list)  # [{"code", "patient_words"}]

    @property
    def is_emergency(self) -> bool:
        return self.urgency in codes.EMERGENCY_URGENCIES

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)
