"""The clinic's own facts (data/clinic.yml): names, phone, offices, providers."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot import codes

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLINIC_FILE = PROJECT_ROOT / "data" / "clinic.yml"
_REQUIRED = ("name", "phone", "hours", "telehealth", "insurance", "offices", "providers",
             "emergency_911", "emergency_ed", "next_steps")


@dataclass(frozen=True)
class Clinic:
    data: Dict[str, Any]

    def __getattr__(self, key: str) -> Any:
        try:
            return self.data[key]
        except KeyError as exc:  # pragma: no cover - attribute typos are programming errors
            raise AttributeError(key) from exc

    def provider_for(self, specialist: Optional[str]) -> Optional[Dict[str, str]]:
        for provider in self.data["providers"]:
            if provider["specialist"] == specialist:
                return provider
        return None

    def provider_line(self, specialist: Optional[str]) -> Optional[str]:
        provider = self.provider_for(specialist)
        if not provider:
            return None
        return f"{provider['name']}, {provider['credentials']}, our {provider['title']}"

    def locations_text(self) -> str:
        offices: List[Dict[str, str]] = self.data["offices"]
        return "; ".join(f"{o['name']}: {o['address']}" for o in offices)


def validate_clinic(data: Dict[str, Any]) -> None:
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValueError(f"clinic file is missing: {', '.join(missing)}")
    for provider in data["providers"]:
        if provider.get("specialist") not in codes.SPECIALISTS:
            raise ValueError(f"unknown specialist in clinic file: {provider.get('specialist')!r}")
        for key in ("name", "credentials", "title"):
            if not provider.get(key):
                raise ValueError(f"provider {provider.get('specialist')} lacks {key}")


@functools.lru_cache(maxsize=4)
def load_clinic(path: Optional[str] = None) -> Clinic:
    path = path or os.environ.get("CLINIC_FILE") or str(DEFAULT_CLINIC_FILE)
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    validate_clinic(data)
    return Clinic(data)
