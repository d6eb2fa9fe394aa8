"""The chat page's HTML, rendered from data/clinic.yml (another clinic edits only that file)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.clinic import Clinic, load_clinic

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)

STATE_NAMES = {"NJ": "New Jersey", "NY": "New York"}


def tel(phone: str) -> str:
    digits = re.sub(r"[^\d+]", "", phone or "")
    return digits if digits.startswith("+") else f"+1{digits}" if len(digits) == 10 else digits


def context(clinic: Clinic) -> Dict[str, Any]:
    data = clinic.data
    offices = [dict(o, state_name=STATE_NAMES.get(o.get("state"), o.get("state")))
               for o in data["offices"]]
    return {
        "name": data["name"],
        "short_name": data.get("short_name") or data["name"],
        "phone": data["phone"],
        "phone_tel": data.get("phone_e164") or tel(data["phone"]),
        "website": data.get("website"),
        "states": data.get("states") or [],
        "hours": data["hours"],
        "telehealth": data["telehealth"],
        "offices": offices,
        "providers": data["providers"],
    }


def render_page(clinic: Optional[Clinic] = None) -> str:
    return _env.get_template("index.html").render(**context(clinic or load_clinic()))
