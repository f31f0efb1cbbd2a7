"""Sync bookkeeping in the local store: what to push, receipts, pulled records, the outbox.

A record of this device is *synced* when ``sync_receipts`` holds a receipt for its hash (signed by
the central store). Records pulled from other devices are inserted only after the caller has
verified their signatures, together with their device's public key.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from storage.rows import RECORD_COLUMNS, row_to_record

if TYPE_CHECKING:
    from storage.store import Store

SETTING_SERVER = "server_url"
SETTING_SERVER_KEY = "server_key"
SETTING_LAST_SYNC = "last_sync"
SETTING_DEVICE_TOKEN = "device_token"
_COLUMNS = ", ".join(f"r.{c}" for c in RECORD_COLUMNS)


def unsynced_records(store: Store, device: str | None = None) -> list[dict[str, Any]]:
    """This device's records without a central receipt, in ``seq`` order."""
    device = device or store.require_profile().device
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM records r WHERE r.device = ? AND NOT EXISTS"
        " (SELECT 1 FROM sync_receipts s WHERE s.hash = r.hash) ORDER BY r.seq", (device,))
    return [row_to_record(r) for r in rows]


# the envelope by json_object (its strings escaped), the stored body (canonical JSON text)
# spliced in as it is: json(r.body) would parse every body again only to write it back
_WIRE = ("rtrim(json_object('id', r.id, 'kind', r.kind, 'schema', r.schema, 'author', r.author,"
         " 'device', r.device, 'seq', r.seq, 'prev', r.prev, 'created_at', r.created_at,"
         " 'hash', r.hash, 'sig', r.sig), '}')"  # only its own '}': the last value is a string
         " || ',\"body\":' || r.body || '}'")


_UNSENT = "AND NOT EXISTS (SELECT 1 FROM sync_receipts s WHERE s.hash = r.hash)"


def pending_wire(store: Store, from_seq: int | None = None, device: str | None = None,
                 after_seq: int = 0, limit: int = -1) -> list[dict[str, Any]]:
    """This device's records to push, as ``{"seq", "id", "kind", "hash", "json"}`` in seq order.

    ``json`` is the record's JSON text built by SQLite from the stored canonical body, so a push
    does not decode and re-encode every body. Without ``from_seq``: those without a receipt
    (after ``after_seq``, at most ``limit``: the first batches are sent while the rest are
    read); with it: every record from that seq on (to refill a gap the server reports).
    """
    device = device or store.require_profile().device
    if from_seq is None:
        where, params = f"{_UNSENT} AND r.seq > ?", (device, after_seq, limit)
    else:
        where, params = "AND r.seq >= ?", (device, from_seq, -1)
    rows = store.conn.execute(f"SELECT r.seq, r.id, r.kind, r.hash, {_WIRE} FROM records r"
                              f" WHERE r.device = ? {where} ORDER BY r.seq LIMIT ?", params)
    return [{"seq": s, "id": i, "kind": k, "hash": h, "json": j} for s, i, k, h, j in rows]


def pending_count(store: Store, device: str) -> int:
    """How many of this device's records have no receipt (what ``pending_wire`` lists)."""
    return store.conn.execute(f"SELECT COUNT(*) FROM records r WHERE r.device = ? {_UNSENT}", (device,)).fetchone()[0]


def own_records_from(store: Store, seq: int, device: str | None = None) -> list[dict[str, Any]]:
    """This device's records from ``seq`` on (receipts or not), in ``seq`` order."""
    device = device or store.require_profile().device
    rows = store.conn.execute(f"SELECT {_COLUMNS} FROM records r WHERE r.device = ? AND r.seq >= ?"
                              " ORDER BY r.seq", (device, seq))
    return [row_to_record(r) for r in rows]


def save_receipts(store: Store, hashes: list[str], server: str, receipt: dict[str, Any]) -> None:
    """Record that the central store at ``server`` holds ``hashes`` (one receipt covers them:
    stored once, in ``sync_receipt_texts``)."""
    text = json.dumps(receipt, sort_keys=True, separators=(",", ":"))
    with store.write() as conn:  # one statement for the batch (the hashes as one JSON array)
        (receipt_id,) = conn.execute(
            "INSERT INTO sync_receipt_texts (receipt) VALUES (?)"
            " ON CONFLICT(receipt) DO UPDATE SET receipt = excluded.receipt RETURNING id", (text,)).fetchone()
        conn.execute(
            "INSERT INTO sync_receipts (hash, accepted_at, server, receipt_id)"
            " SELECT value, ?, ?, ? FROM json_each(?) WHERE true"
            " ON CONFLICT(hash) DO UPDATE SET accepted_at=excluded.accepted_at, server=excluded.server,"
            " receipt_id=excluded.receipt_id",
            (receipt["accepted_at"], server, receipt_id, json.dumps(list(hashes))))


def synced_hashes(store: Store) -> set[str]:
    return {h for (h,) in store.conn.execute("SELECT hash FROM sync_receipts")}


def known_hashes(store: Store) -> set[str]:
    return {h for (h,) in store.conn.execute("SELECT hash FROM records")}


def device_key(store: Store, device: str) -> str | None:
    row = store.conn.execute("SELECT public_key FROM devices WHERE device = ?", (device,)).fetchone()
    return row[0] if row else None


def insert_pulled(store: Store, records: list[dict[str, Any]], devices: dict[str, tuple[str, str]]) -> int:
    """Insert verified records of other devices (``devices``: device -> (author, public key)).

    Records already held are skipped; returns how many were added. One transaction.
    """
    added = 0
    with store.write() as conn:
        for device, (author, key) in devices.items():
            conn.execute("INSERT INTO devices (device, author, public_key) VALUES (?, ?, ?)"
                         " ON CONFLICT(device) DO NOTHING", (device, author, key))
        for r in records:
            added += store.insert_signed(r, _body_json(r["body"]), skip_held=True)
    return added


def set_aside(store: Store, record: dict[str, Any], reason: str, now: str) -> bool:
    """Keep a pulled record that fails this laptop's acceptance rules out of the record log
    (append-only; listed by ``verify`` and the sync screen). False when already set aside."""
    with store.write() as conn:
        cur = conn.execute(
            "INSERT INTO set_aside (hash, id, kind, device, seq, record, reason, set_aside_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING",
            (str(record.get("hash")), str(record.get("id")), str(record.get("kind")),
             str(record.get("device")), _int(record.get("seq")),
             json.dumps(record, ensure_ascii=False, sort_keys=True), reason, now))
        return cur.rowcount == 1


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63 else -1


def set_aside_records(store: Store) -> list[dict[str, Any]]:
    """Pulled records kept aside, oldest first: ``{hash, id, kind, device, seq, reason, set_aside_at}``."""
    rows = store.conn.execute("SELECT hash, id, kind, device, seq, reason, set_aside_at FROM set_aside"
                              " ORDER BY set_aside_at, rowid").fetchall()
    keys = ("hash", "id", "kind", "device", "seq", "reason", "set_aside_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _body_json(body: dict[str, Any]) -> str:
    """The canonical JSON of an already-verified body (same bytes as ``canonical_bytes``)."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def enrolled(store: Store, device: str) -> str | None:
    """The server ``device`` enrolled with, or None."""
    row = store.conn.execute("SELECT server FROM enrolments WHERE device = ?", (device,)).fetchone()
    return row[0] if row else None


def profile_server(store: Store) -> str | None:
    """The server the active profile syncs with: its device's enrolment, or that of the device
    its key rotated out (the next sync enrols the new device on the strength of the rotation)."""
    profile = store.profile
    if profile is None:
        return None
    row = store.conn.execute(
        "SELECT server FROM enrolments WHERE device = ? UNION ALL SELECT e.server FROM own_devices d"
        " JOIN enrolments e ON e.device = d.device WHERE d.rotated_to = ? LIMIT 1",
        (profile.device, profile.device)).fetchone()
    return row[0] if row else None


def save_enrolment(store: Store, device: str, server: str, server_key: str, enrolled_at: str) -> None:
    with store.write() as conn:
        conn.execute("INSERT INTO enrolments VALUES (?, ?, ?) ON CONFLICT(device) DO UPDATE SET"
                     " server=excluded.server, enrolled_at=excluded.enrolled_at", (device, server, enrolled_at))
        for key, value in ((SETTING_SERVER, server), (SETTING_SERVER_KEY, server_key)):
            conn.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET"
                         " value=excluded.value", (key, value))


def last_sync_key(supervisor: str) -> str:
    return f"{SETTING_LAST_SYNC}:{supervisor}"


def outbox(store: Store) -> dict[str, Any]:
    """``{"unsynced": N, "last_sync": ISO time or None, "server": URL or None, "profiles":
    {"SUP01": {"name", "device", "unsynced", "last_sync", "enrolled"}}}``: the top-level counts
    are the active profile's (every profile's when none is chosen)."""
    from storage.overview import unsynced_count

    profiles = {}
    everyone = store.profiles()
    shared_last = store.get_setting(SETTING_LAST_SYNC) if len(everyone) == 1 else None
    for p in everyone:
        profiles[p.supervisor] = {
            "name": p.name, "device": p.device, "unsynced": store.unsynced_count(p.supervisor),
            "last_sync": store.get_setting(last_sync_key(p.supervisor)) or shared_last,
            "enrolled": enrolled(store, p.device) is not None}
    active = store.profile
    unsynced = unsynced_count(store) if active else sum(p["unsynced"] for p in profiles.values())
    last = profiles[active.supervisor]["last_sync"] if active else store.get_setting(SETTING_LAST_SYNC)
    return {"unsynced": unsynced, "last_sync": last, "server": store.get_setting(SETTING_SERVER),
            "profiles": profiles}
