"""What the laptop and the central store agree on over HTTP: signed requests and receipts.

Signed request (every call after enrolment, and the enrolment call itself with the new key):

* headers ``X-Device`` (device id), ``X-Timestamp`` (Unix seconds, integer) and ``X-Signature``
  (hex Ed25519 signature by the device key);
* signed bytes = ``"sup-sync-v1\\n{METHOD}\\n{PATH?QUERY}\\n{device}\\n{timestamp}\\n{sha256hex(body)}"``
  (UTF-8);
* the server accepts a timestamp within ``REPLAY_WINDOW`` seconds of its own clock. Clients
  measure their offset from ``/v1/health`` first, so a laptop whose clock is days wrong still
  authenticates (its records keep their own ``created_at``).

Receipt (the server's signed acknowledgement of a device's chain head after a push):
``{"type": "receipt/v1", "device", "seq", "hash", "accepted_at", "server_key", "sig"}``; ``sig`` is
the server's Ed25519 signature of the canonical JSON of the other six fields. Because records are
hash-chained, a receipt for ``(seq, hash)`` covers every record of that device up to ``seq``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from supervisor_tui.model.canonical import canonical_bytes
from supervisor_tui.model.signing import DeviceKey, verify_signature

API_PREFIX = "/v1"
REPLAY_WINDOW = 300
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_BATCH = 1000
H_DEVICE, H_TIMESTAMP, H_SIGNATURE = "X-Device", "X-Timestamp", "X-Signature"


def request_message(method: str, path: str, device: str, timestamp: int, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"sup-sync-v1\n{method.upper()}\n{path}\n{device}\n{timestamp}\n{digest}".encode()


def sign_request(key: DeviceKey, device: str, method: str, path: str, body: bytes,
                 timestamp: int) -> dict[str, str]:
    """Headers that authenticate one request as ``device``."""
    sig = key.sign(request_message(method, path, device, timestamp, body))
    return {H_DEVICE: device, H_TIMESTAMP: str(timestamp), H_SIGNATURE: sig}


def check_request(public_key_hex: str, method: str, path: str, device: str, timestamp: int,
                  body: bytes, sig_hex: str) -> bool:
    return verify_signature(public_key_hex, request_message(method, path, device, timestamp, body), sig_hex)


RECEIPT_FIELDS = ("type", "device", "seq", "hash", "accepted_at", "server_key")


def make_receipt(key: DeviceKey, device: str, seq: int, head_hash: str, accepted_at: str) -> dict[str, Any]:
    unsigned = {"type": "receipt/v1", "device": device, "seq": seq, "hash": head_hash,
                "accepted_at": accepted_at, "server_key": key.public_key_hex}
    return {**unsigned, "sig": key.sign(canonical_bytes(unsigned))}


def receipt_valid(receipt: Any, server_key_hex: str | None = None) -> bool:
    """True when ``receipt`` is well formed and signed by ``server_key_hex`` (or its own key)."""
    if not isinstance(receipt, dict) or any(f not in receipt for f in (*RECEIPT_FIELDS, "sig")):
        return False
    key = server_key_hex or receipt["server_key"]
    if receipt["server_key"] != key or not isinstance(receipt["sig"], str):
        return False
    try:
        data = canonical_bytes({f: receipt[f] for f in RECEIPT_FIELDS})
    except ValueError:
        return False
    return verify_signature(key, data, receipt["sig"])
