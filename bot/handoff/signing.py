"""The handoff signature: ``X-Intake-Signature: sha256=<hex>``.

HMAC-SHA256 of the exact body bytes, keyed with ``APPOINTMENT_WEBHOOK_SECRET``
(handoff contract, "Delivery"). The same functions sign (the delivery worker),
check (the reference receiver, ``python -m bot.handoff verify``) and are the
example for the appointment system's own check.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Optional, Union

SIGNATURE_HEADER = "X-Intake-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SCHEME = "sha256="

Secret = Union[str, bytes]


def _key(secret: Secret) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not secret:
        raise ValueError("the webhook secret is empty")
    return secret


def signature_hex(body: bytes, secret: Secret) -> str:
    """The lowercase hex HMAC-SHA256 of ``body`` keyed with ``secret``."""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError("sign the exact body bytes, not a str or dict")
    return hmac.new(_key(secret), bytes(body), hashlib.sha256).hexdigest()


def sign(body: bytes, secret: Secret) -> str:
    """The ``X-Intake-Signature`` value for ``body``: ``sha256=<hex>``."""
    return SCHEME + signature_hex(body, secret)


def verify(body: bytes, secret: Secret, signature: Optional[str]) -> bool:
    """True when ``signature`` (the header value) is the signature of ``body``.

    Compares in constant time. A missing, malformed or differently-schemed value
    is simply invalid; so is an empty secret (nothing can be verified without one).
    """
    if not signature or not isinstance(signature, str):
        return False
    value = signature.strip()
    if value[: len(SCHEME)].lower() != SCHEME:
        return False
    given = value[len(SCHEME):].strip().lower()
    try:
        expected = signature_hex(body, secret)
    except ValueError:
        return False
    # compare_digest needs ASCII-only str (or bytes): encode to be safe with odd input.
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii"))
