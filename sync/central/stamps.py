"""Verification stamps: the central store's keyed proof that it checked a record's signature.

When the central store accepts a record it has verified its hash and Ed25519 signature against
the device's enrolled key. It then stores a *stamp* with the record (``records.stamp``, written in
the same row as it is accepted): HMAC-SHA256, keyed with a secret derived from the server's
receipt key (a 0600 file outside the database), over the record's hash, signature and that public
key. Records stamped later (``governance-store verify``: a store made before stamps, bulk-loaded
records) get their stamp in ``record_stamps`` (``records`` is append-only); readers take
``STAMP_SQL``, the row's own stamp or else that table's. An export re-computes each record's hash from
the stored canonical bytes (SHA-256, cheap) and the stamp (microseconds) instead of re-running
the Ed25519 verification (about 100 µs each); a record whose stamp is missing or does not match
is fully verified as before. Someone who can write to the database but does not hold the key
file cannot forge a stamp, so a changed record, signature or device key falls back to the full
check and fails it. ``governance-store verify`` always checks everything, and fills in missing
stamps of records that pass (a store made before stamps, or records bulk-loaded).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

TABLE = """
CREATE TABLE IF NOT EXISTS record_stamps (
    hash TEXT PRIMARY KEY,
    stamp TEXT NOT NULL
);
"""
# The stamp of the records row ``r``: its own, or (only when it has none) the one added later.
STAMP_SQL = "COALESCE(r.stamp, (SELECT s.stamp FROM record_stamps s WHERE s.hash = r.hash))"
_CONTEXT = b"supervisor-tui/record-stamp/v1"
_PLAIN = re.compile(r"[A-Za-z0-9_.:\-]*")  # strings whose JSON form is just "…"


class Stamper:
    """Computes and checks stamps with one secret (never stored in the database)."""

    def __init__(self, secret: bytes, public_key: str | None = None):
        if len(secret) < 32:
            raise ValueError("stamp secret must be at least 32 bytes")
        self._secret = secret
        self.public_key = public_key  # of the receipt key the secret comes from (recorded, not secret)
        # HMAC-SHA256 (RFC 2104) from the two keyed SHA-256 states, copied per stamp: the same
        # digest as ``hmac.digest``, which hands the GIL back on every call (on a push the stamp
        # of each record then waited for the signature-checking threads: ~20 µs a record)
        block = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    @classmethod
    def from_server_key(cls, seed: bytes, public_key: str | None = None) -> Stamper:
        """The stamp secret derived from the server receipt key's 32-byte seed (keyed BLAKE2b
        with a fixed context), so no second secret file is needed."""
        return cls(hashlib.blake2b(_CONTEXT, key=seed, digest_size=32).digest(), public_key)

    def stamp(self, record_hash: str, sig: str, public_key: str) -> str:
        message = f"{record_hash}\n{sig}\n{public_key}".encode("ascii", "replace")
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def matches(self, stamp: str | None, record_hash: str, sig: str, public_key: str | None) -> bool:
        if not stamp or not public_key:
            return False
        return hmac.compare_digest(stamp, self.stamp(record_hash, sig, public_key))


def stamper_for_key(key: Any) -> Stamper:
    """The stamper of a ``supervisor_tui.model.signing.DeviceKey`` (the server's receipt key)."""
    return Stamper.from_server_key(key.signing_key.encode(), key.public_key_hex)


def note_stamp_key(central: Any, public_key: str | None) -> None:
    """Record (once) that stamps are made with this receipt key's secret (``meta``)."""
    if not public_key:
        return
    from supervisor_tui.model.records import utc_now_iso

    with central.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                   (f"stamp_key:{public_key}", utc_now_iso()))


def ensure_column(tx: Any) -> None:
    """Add ``records.stamp`` to a store made before it (nullable: its records keep their stamps
    in ``record_stamps``). Cheap when it is there: one catalogue lookup."""
    if tx.rewrite:
        if not tx.one("SELECT 1 FROM information_schema.columns WHERE table_name = 'records'"
                      " AND column_name = 'stamp' AND table_schema = current_schema()"):
            tx.execute("ALTER TABLE records ADD COLUMN IF NOT EXISTS stamp TEXT")
    elif "stamp" not in {row[1] for row in tx.all("PRAGMA table_info(records)")}:
        tx.execute("ALTER TABLE records ADD COLUMN stamp TEXT")


def stamp_keys(central: Any) -> list[str]:
    """The public keys of every receipt key whose secret has made stamps here (oldest first)."""
    with central.reading() as tx:
        rows = tx.all("SELECT key, value FROM meta WHERE substr(key, 1, 10) = 'stamp_key:' ORDER BY value")
    return [key.split(":", 1)[1] for key, _ in rows]


def canonical_from_stored(record: dict[str, Any], body_json: str) -> bytes | None:
    """The record's canonical signed bytes, spliced from the stored body text (the central
    store keeps the body as canonical JSON) without re-encoding; None when a string field would
    need escaping (the caller then encodes the parsed record in full)."""
    return canonical_from_row((record["id"], record["kind"], record["schema"], record["author"], record["device"],
                               record["seq"], record["prev"], record["created_at"], body_json))


def canonical_from_row(row: Any) -> bytes | None:
    """``canonical_from_stored`` of a row whose first nine columns are id, kind, schema, author,
    device, seq, prev, created_at and the stored body text (no record dict built)."""
    record_id, kind, schema, author, device, seq, prev, created_at, body_json = row[:9]
    strings = (author, created_at, device, record_id, kind, prev)
    if not all(type(s) is str for s in strings) or not _PLAIN.fullmatch("".join(strings)):
        return None
    if type(schema) is not int or type(seq) is not int:
        return None
    return (f'{{"author":"{author}","body":{body_json},"created_at":"{created_at}","device":"{device}",'
            f'"id":"{record_id}","kind":"{kind}","prev":"{prev}","schema":{schema},"seq":{seq}}}').encode()


def insert_stamps(tx: Any, rows: Iterable[tuple[str, str]]) -> None:
    """Add (hash, stamp) rows; a hash already stamped keeps its stamp."""
    tx.executemany("INSERT INTO record_stamps (hash, stamp) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
                   list(rows))
