"""One record as a supervisor or auditor looks at it: the record, what amends it (or what it
amends), whether its hash and signature check out here, and whether the central store has it.
No Textual: the record view screen and tests call ``record_view`` from a worker thread."""

from __future__ import annotations

import json
from typing import Any

from storage.store import RECORD_COLUMNS, Store, row_to_record


def record_view(store: Store, record_hash: str) -> dict[str, Any] | None:
    """Everything the record view shows, or None when no record has that hash.

    ``amendments``: records correcting this one, oldest first (the last one is in force);
    ``amends``: for an amendment, the record it corrects; ``problems``: hash, signature and
    device-key problems found now with the public keys held here (empty when sound);
    ``synced``: when and where the central store accepted it, or None; ``own``: signed on
    this laptop (False for another supervisor's record pulled from the central store);
    ``attempts``: for a note assessment, every attempt at the same note (its rework chain);
    ``proposal``: a ``pathway_closed`` that proposes closure to the pathway's owner.
    """
    from supervisor_tui.model.signing import check_record

    record = store.record_by_hash(record_hash)
    if record is None:
        return None
    amendments = [row_to_record(r) for r in store.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE amends = ?"
        " ORDER BY created_at, device, seq", (record_hash,))]
    amends = None
    if record["kind"] == "amendment":
        amends = store.record_by_hash(str(record["body"].get("amends", "")))
    problems = check_record(record, store.public_keys().get(record["device"]))
    row = store.conn.execute("SELECT accepted_at, server FROM sync_receipts WHERE hash = ?",
                             (record_hash,)).fetchone()
    synced = {"accepted_at": row[0], "server": row[1]} if row else None
    own = store.conn.execute("SELECT 1 FROM own_devices WHERE device = ?",
                             (record["device"],)).fetchone() is not None
    attempts: list[dict[str, Any]] = []
    if record["kind"] == "note_assessment":
        from storage.history import note_attempts

        body = amendments[-1]["body"]["body"] if amendments else record["body"]
        attempts = note_attempts(store, body["staff_id"]).get((body["review"], body["sequence"]), [])
    return {"record": record, "amendments": amendments, "amends": amends, "problems": problems,
            "synced": synced, "own": own, "attempts": attempts, "proposal": _proposes(store, record)}


def _proposes(store: Store, record: dict[str, Any]) -> bool:
    """Whether a ``pathway_closed`` only proposes closure: its pathway names a signing owner."""
    if record["kind"] != "pathway_closed":
        return False
    rows = store.conn.execute("SELECT body FROM records WHERE kind = 'pathway_assigned' AND ref_id = ?",
                              (str(record["body"].get("pathway_id")),))
    return any(isinstance(body := json.loads(text), dict) and body.get("owner_id") for (text,) in rows)
