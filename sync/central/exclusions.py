"""Records already held that today's acceptance rules refuse: found, and set aside by an admin.

A central store that ran an older version may hold records that a laptop would never have
signed (issue 11: a date as an integer, an amendment whose body does not fit its kind). They
cannot be deleted (``records`` is append-only and they are signed evidence of what a device
sent), so ``governance-store quarantine-invalid`` records a *decision* per record in the
append-only ``record_exclusions`` table and copies the record into ``quarantine`` for
governance review. From then on pulls, exports, the report and ``verify`` leave it out
(``LIVE`` is the SQL condition every reader adds); ``verify`` names held records that fail the
rules and are not yet excluded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from sync.central.sql import LIVE, LIVE_R  # noqa: F401 - every reader of records that serves evidence adds LIVE

TABLE = """
CREATE TABLE IF NOT EXISTS record_exclusions (
    hash TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    seq BIGINT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
"""
PAGE = 5000
_COLUMNS = "id, kind, schema, author, device, seq, prev, created_at, body, hash, sig"


def excluded(central: Any) -> dict[str, str]:
    """Hash -> reason of every excluded record."""
    with central.reading() as tx:
        return dict(tx.all("SELECT hash, reason FROM record_exclusions"))


def _held_lookup(central: Any) -> Callable[[str], dict[str, Any] | None]:
    def held(record_hash: str) -> dict[str, Any] | None:
        with central.reading() as tx:
            row = tx.one("SELECT kind, schema, body FROM records WHERE hash = ?", (record_hash,))
        return None if row is None else {"kind": row[0], "schema": row[1], "body": json.loads(row[2])}

    return held


def _pages(central: Any) -> Iterator[list[dict[str, Any]]]:
    from sync.central.rows import row_to_record

    after = 0
    while True:
        with central.reading() as tx:
            rows = tx.all(f"SELECT pos, {_COLUMNS} FROM records WHERE pos > ? ORDER BY pos LIMIT {PAGE}",
                          (after,))
        if not rows:
            return
        yield [row_to_record(row[1:]) for row in rows]
        after = rows[-1][0]


def invalid_records(central: Any, check: Callable | None = None) -> list[tuple[dict[str, Any], str]]:
    """Held records (not yet excluded) that the acceptance rules refuse, with the reason."""
    from supervisor_tui.model.checks import shipped_body_check

    check = check or central.body_check or shipped_body_check()
    held = _held_lookup(central)
    skip = excluded(central)
    found = []
    for page in _pages(central):
        for record in page:
            if record["hash"] in skip:
                continue
            try:
                problems = check(record, held)
            except (RecursionError, ValueError, TypeError) as exc:  # a reader must survive anything
                problems = [f"cannot be read: {type(exc).__name__}"]
            if problems:
                found.append((record, "; ".join(problems[:3])))
    return found


def describe(record: dict[str, Any], reason: str) -> str:
    return (f"record {record['id']} of device {record['device']} (seq {record['seq']}, {record['kind']})"
            f" does not fit its kind: {reason}")


def exclude(central: Any, items: list[tuple[dict[str, Any], str]], decided_by: str) -> int:
    """Record an exclusion decision for each record and copy it to quarantine; remove its row
    from the report's derived fact table (with the matching summary change). Returns how many
    were newly excluded. The queued facts are caught up first, and the decision holds the
    catch-up's lock (``sync.central.catchup``), so no derivation that began before it can put
    a row back after it; derivations after it leave set-aside records out."""
    from supervisor_tui.model.records import utc_now_iso
    from sync.central.catchup import catch_up, lock

    catch_up(central)
    now = utc_now_iso()
    added = 0
    with central.transaction() as tx:
        lock(tx)
        for record, reason in items:
            if tx.one("SELECT 1 FROM record_exclusions WHERE hash = ?", (record["hash"],)):
                continue
            tx.execute("INSERT INTO record_exclusions (hash, device, seq, reason, decided_by, decided_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (record["hash"], record["device"], record["seq"], reason, decided_by, now))
            central.insert_quarantine(tx, [(record["device"], record["seq"], record["hash"],
                                            f"set aside by {decided_by}: does not fit its kind: {reason}",
                                            json.dumps(record, ensure_ascii=False), now)])
            _drop_facts(tx, record["hash"])
            target = record["body"].get("amends") if isinstance(record.get("body"), dict) else None
            if record["kind"] == "amendment" and isinstance(target, str) and _has(tx, "record_facts"):
                from sync.central.facts import WORK_KINDS, refresh_one

                row = tx.one("SELECT kind FROM records WHERE hash = ?", (target,))
                if row and row[0] in WORK_KINDS:
                    refresh_one(tx, target)  # its facts again, without the set-aside amendment
            added += 1
    return added


def _has(tx: Any, table: str) -> bool:
    if tx.rewrite:
        return bool(tx.one("SELECT to_regclass(?) IS NOT NULL", (table,))[0])
    return tx.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) is not None


def _drop_facts(tx: Any, record_hash: str) -> None:
    """Take an excluded work record out of the report's fact table and its summaries."""
    from sync.central.summary import _FACT_COLS as FACT_COLS
    from sync.central.summary import _INTO as INTO

    if _has(tx, "record_facts"):
        if _has(tx, "fact_changes"):
            tx.execute(f"{INTO} SELECT -1, {', '.join(FACT_COLS)} FROM record_facts WHERE hash = ?",
                       (record_hash,))
        tx.execute("DELETE FROM record_facts WHERE hash = ?", (record_hash,))
