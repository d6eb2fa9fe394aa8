"""The handoff to the appointment system: contract payload (``payload``), contract
checks and the exact body bytes (``schema``); FHIR bundle, outbox and signed
delivery live in sibling modules."""
from bot.handoff.payload import build_payload
from bot.handoff.schema import PayloadValidationError, canonical_body, validate_payload

__all__ = ["build_payload", "validate_payload", "canonical_body", "PayloadValidationError"]
