"""The handoff to the appointment system: contract payload (``payload``), contract
checks and the exact body bytes (``schema``), the FHIR bundle (``fhir``), the
signature (``signing``), one delivery attempt (``delivery``), the outbox worker
(``worker``), operator commands (``cli``, ``python -m bot.handoff``) and a
reference receiver for development (``receiver``).

Only the light, pure parts are imported here; the worker, CLI and receiver are
imported from their modules (nothing here touches the network or a database).
"""
from bot.handoff.payload import build_payload
from bot.handoff.schema import PayloadValidationError, canonical_body, validate_payload
from bot.handoff.signing import sign, verify


def __getattr__(name: str):
    # The FHIR models take a while to import: load them on first use only.
    if name in ("build_bundle", "attach_fhir"):
        from bot.handoff import fhir

        return getattr(fhir, name)
    raise AttributeError(f"module 'bot.handoff' has no attribute {name!r}")


__all__ = [
    "build_payload", "validate_payload", "canonical_body", "PayloadValidationError",
    "build_bundle", "attach_fhir", "sign", "verify",
]
