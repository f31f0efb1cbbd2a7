"""Bulk-load already signed records straight into a central store's ``records`` table.

For benchmarks and tests only: the records are NOT re-checked (a real store accepts records
only through ``CentralStore.push``). Rows are written as ``push`` writes them (body as canonical
JSON, lookup columns from ``index_columns``) with ``executemany`` on SQLite and ``COPY`` on
PostgreSQL, so the database's own triggers (append-only) fire as on a push, and their report facts
are derived set-based in the same transaction as a push derives them; each batch is then folded into the report's summary tables, and, when the store has a stamper
(the bench's stand-in server key), stamped, as a push does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from storage.store import index_columns
from sync.central.facts import WORK_KINDS, derive
from sync.central.stamps import insert_stamps
from sync.central.summary import fold

COLUMNS = ("id", "kind", "schema", "author", "device", "seq", "prev", "created_at", "body", "hash", "sig",
           "staff_id", "cohort_id", "ref_id", "amends", "received_at")
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def record_row(record: dict[str, Any], received_at: str) -> tuple:
    body = record["body"]
    return (record["id"], record["kind"], record["schema"], record["author"], record["device"], record["seq"],
            record["prev"], record["created_at"], _ENCODE(body), record["hash"], record["sig"],
            *index_columns(record["kind"], body), received_at)


def bulk_insert(central: Any, records: Iterable[dict[str, Any]], received_at: str, batch: int = 50_000) -> int:
    """Insert ``records`` (full envelopes) in batches of ``batch``; returns how many."""
    count = 0
    rows: list[tuple] = []

    def flush() -> None:
        if not rows:
            return
        stamper = getattr(central, "stamper", None)
        with central.transaction() as tx:
            if stamper is not None:  # as push stamps (keys by device from the devices table)
                keys = dict(tx.all("SELECT device, public_key FROM devices"))
                insert_stamps(tx, [(row[9], stamper.stamp(row[9], row[10], keys[row[4]])) for row in rows])
            if tx.rewrite:
                with tx.conn.cursor() as cur, cur.copy(f"COPY records ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                tx.executemany(f"INSERT INTO records ({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})",
                               rows)
            if tx.one("SELECT 1 FROM meta WHERE key = 'facts_version'"):  # as push derives them
                derive(tx, [row[9] for row in rows if row[1] in WORK_KINDS],
                       [row[14] for row in rows if row[1] == "amendment" and row[14]])
        if getattr(central, "summary_ready", False):
            fold(central)  # as every push does
        rows.clear()

    for record in records:
        rows.append(record_row(record, received_at))
        count += 1
        if len(rows) >= batch:
            flush()
    flush()
    return count
