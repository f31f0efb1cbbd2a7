"""Device keys and the record signing rule (Ed25519 through PyNaCl / libsodium).

Signing rule (docs/records.md repeats it for auditors):

* ``unsigned`` = the envelope fields ``id, kind, schema, author, device, seq, prev, created_at,
  body`` as a JSON object;
* ``hash`` = lower-case hex SHA-256 of ``canonical_bytes(unsigned)``;
* ``sig`` = lower-case hex of the 64-byte Ed25519 signature of those same canonical bytes;
* public keys are the 32 raw bytes in lower-case hex.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import nacl.signing

from supervisor_tui.model.canonical import canonical_bytes, sha256_hex

SIGNED_FIELDS = ("id", "kind", "schema", "author", "device", "seq", "prev", "created_at", "body")
_SIGNED_SET = frozenset(SIGNED_FIELDS)
_PLAIN = re.compile(r"[A-Za-z0-9_.:\-]*")  # strings whose JSON form is just "…"
_crypto_sign = nacl.bindings.crypto_sign  # signed message = the 64-byte signature + the message


class KeyFileError(Exception):
    """The device key file is missing, unreadable or not a key."""


@dataclass(frozen=True)
class DeviceKey:
    """A device's Ed25519 key pair."""

    signing_key: nacl.signing.SigningKey
    # libsodium's 64-byte secret key (seed + public key), derived once: ``sign`` hands it to
    # ``crypto_sign`` itself rather than through ``SigningKey.sign``, whose SignedMessage object
    # per call cost about 5% of a signature (bulk loads sign 100,000 records)
    _secret: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_secret", nacl.bindings.crypto_sign_seed_keypair(self.signing_key.encode())[1])

    @classmethod
    def generate(cls) -> DeviceKey:
        return cls(nacl.signing.SigningKey.generate())

    @property
    def public_key_hex(self) -> str:
        return self.signing_key.verify_key.encode().hex()

    def sign(self, message: bytes) -> str:
        """Lower-case hex of the 64-byte Ed25519 signature of ``message`` (byte-equal to
        ``signing_key.sign(message).signature``: tests/test_identity_keys.py)."""
        return _crypto_sign(message, self._secret)[:64].hex()

    def save(self, path: Path) -> None:
        """Write the 32-byte seed as hex to a new file with mode 0600; never overwrite
        (``FileExistsError``). The file appears whole or not at all: written and synced under a
        temporary name, then hard-linked into place, so a second server instance starting at the
        same moment never reads a half-written key."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                os.write(fd, (self.signing_key.encode().hex() + "\n").encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(temp, 0o600)
            os.link(temp, path)  # atomic, and fails if the key already exists
        finally:
            temp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> DeviceKey:
        try:
            text = path.read_text("ascii").strip()
            return cls(nacl.signing.SigningKey(bytes.fromhex(text)))
        except FileNotFoundError as exc:
            raise KeyFileError(f"device key not found at {path}") from exc
        except (ValueError, UnicodeDecodeError, nacl.exceptions.CryptoError) as exc:
            raise KeyFileError(f"device key at {path} is not a valid key") from exc


def unsigned_part(record: dict[str, Any]) -> dict[str, Any]:
    """The fields covered by ``hash`` and ``sig``."""
    return {name: record[name] for name in SIGNED_FIELDS}


def seal(unsigned: dict[str, Any], key: DeviceKey) -> dict[str, Any]:
    """Return ``unsigned`` completed with its ``hash`` and ``sig``."""
    data = canonical_bytes(unsigned)
    return {**unsigned, "hash": sha256_hex(data), "sig": key.sign(data)}


def seal_with_body_json(unsigned: dict[str, Any], body_json: str, key: DeviceKey) -> dict[str, Any]:
    """``seal`` for a body already canonically encoded as ``body_json``.

    The envelope's canonical form is composed from the body's canonical text and the other
    fields, so the body is walked and encoded once (the hot path of every save).
    """
    data = compose_with_body_json(unsigned, body_json)
    return {**unsigned, "hash": sha256_hex(data), "sig": key.sign(data)}


def is_plain(value: Any) -> bool:
    """Whether ``value`` is a string whose JSON form is itself in quotes (no escaping)."""
    return type(value) is str and _PLAIN.fullmatch(value) is not None


def compose_plain(author: str, body_json: str, created_at: str, device: str, record_id: str, kind: str,
                  prev: str, schema: int, seq: int) -> bytes:
    """``compose_with_body_json`` for a caller that knows every string is plain (``is_plain``)
    and ``schema`` and ``seq`` are ints (bulk appends: checked once, or made plain)."""
    return (
        f'{{"author":"{author}","body":{body_json},"created_at":"{created_at}","device":"{device}",'
        f'"id":"{record_id}","kind":"{kind}","prev":"{prev}","schema":{schema},"seq":{seq}}}'
    ).encode()


def compose_with_body_json(unsigned: dict[str, Any], body_json: str) -> bytes:
    """The canonical bytes of ``unsigned`` (what is hashed and signed), composed around the
    body's canonical text ``body_json``; encoded in full when a field would need escaping."""
    if unsigned.keys() != _SIGNED_SET:
        raise ValueError("unsigned record must hold exactly the signed fields")
    strings = [unsigned[k] for k in ("author", "created_at", "device", "id", "kind", "prev")]
    if not all(type(v) is str and _PLAIN.fullmatch(v) for v in strings):
        return canonical_bytes(unsigned)
    author, created_at, device, record_id, kind, prev = strings
    schema, seq = unsigned["schema"], unsigned["seq"]
    if type(schema) is not int or type(seq) is not int:
        return canonical_bytes(unsigned)
    # Keys in sorted order; the plain strings need no escaping, so this is the canonical form.
    return compose_plain(author, body_json, created_at, device, record_id, kind, prev, schema, seq)


def verify_signature(public_key_hex: str, message: bytes, sig_hex: str) -> bool:
    """True when ``sig_hex`` is a valid Ed25519 signature of ``message``."""
    try:
        verify_key = nacl.signing.VerifyKey(bytes.fromhex(public_key_hex))
        verify_key.verify(message, bytes.fromhex(sig_hex))
        return True
    except (ValueError, TypeError, nacl.exceptions.CryptoError):
        return False


def check_record(record: dict[str, Any], public_key_hex: str | None) -> list[str]:
    """Problems with one record's hash and signature (empty list when it is sound)."""
    problems: list[str] = []
    missing = [f for f in (*SIGNED_FIELDS, "hash", "sig") if f not in record]
    if missing:
        return [f"missing field(s): {', '.join(missing)}"]
    try:
        data = canonical_bytes(unsigned_part(record))
    except (ValueError, TypeError) as exc:
        return [f"not canonically encodable: {exc}"]
    if sha256_hex(data) != record["hash"]:
        problems.append("hash mismatch")
    if public_key_hex is None:
        problems.append(f"unknown device key for device {record['device']}")
    elif not isinstance(record["sig"], str) or not verify_signature(
        public_key_hex, data, record["sig"]
    ):
        problems.append("bad signature")
    return problems
