"""Bulk signed appends (``Store.append_prepared``: ``demo --records`` and other bulk loads of
bodies ``rules.prepare_body`` already validated): the same records, chain, signatures and lookup
rows as single saves, at close to the cost of signing and inserting.

A record is made in two steps. ``encode_prepared`` does everything that does not depend on the
record's place in the chain: its id, time, canonical body text, lookup columns and activity
fields (the demo's worker process does this beside the validation, so only short strings cross
to the signing process). ``append_encoded`` then gives each record its ``seq`` and ``prev``,
composes its canonical bytes and hash in chain order (each hash names the previous one), signs
them and inserts a thousand rows at a time, all on the calling thread with the cyclic garbage
collector paused (the rows hold no reference cycles). Signing and inserting on threads of their
own gained nothing on two shared cores and cost up to a fifth more CPU (handing chunks over,
waking threads): see docs/benchmarks.md, "Issue 16, the bulk pass".
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from storage.profile import StoreError
from storage.rows import (
    ACTIVITY_KINDS,
    AMEND_ACTIVITY,
    activity_fields,
    activity_ord,
    gc_paused,
    index_columns,
    uuid7,
)
from supervisor_tui.model.canonical import canonical_bytes, loads_json, sha256_hex
from supervisor_tui.model.kinds import utc_now_iso
from supervisor_tui.model.records import current_schema

if TYPE_CHECKING:
    from storage.store import Store

CHUNK = 1000
_INSERT_RECORDS = (
    "INSERT INTO records (rowid, id, kind, schema, author, device, seq, prev, created_at, body, hash, sig,"
    " staff_id, cohort_id, ref_id, amends) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
_INSERT_ACTIVITY = "INSERT INTO record_activity VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

# (kind, schema, id, created_at, canonical body text, staff_id, cohort_id, ref_id, amends,
#  activity fields: an activity record's own, an amendment's corrected body's, else None)
Encoded = tuple[str, int, str, str, str, Any, Any, Any, Any, "tuple[Any, ...] | None"]


class ChainMoved(StoreError):
    """Another writer appended to this device's chain between two of a bulk load's commits."""


def encode_prepared(kind: str, body: dict[str, Any], when: dt.datetime) -> Encoded:
    """The parts of a record that do not depend on its place in the chain (``body``: validated by
    ``rules.prepare_body``, so built by the pydantic models: encoded without the float walk)."""
    body_json = canonical_bytes(body, trusted=True).decode()
    staff_id, cohort_id, ref_id, amends = index_columns(kind, body)
    fields = None
    if kind in ACTIVITY_KINDS:
        fields = activity_fields(body)
    elif kind == "amendment":
        inner = body.get("body")
        fields = activity_fields(inner if isinstance(inner, dict) else {})
    return (kind, current_schema(kind), uuid7(when), utc_now_iso(when), body_json, staff_id, cohort_id, ref_id,
            amends, fields)


def append_prepared(store: Store, items: Iterable[tuple[str, dict[str, Any], dt.datetime]]) -> int:
    """Sign and append ``items`` (kind, validated body, time) to the active profile's chain, in
    one transaction."""
    return append_encoded(store, (encode_prepared(kind, body, when) for kind, body, when in items))


def append_encoded(store: Store, items: Iterable[Encoded], commit_every: int | None = None,
                   after: tuple[int, str] | None = None) -> int:
    """Sign and append ``encode_prepared`` items to the active profile's chain: one transaction,
    or (``commit_every``, for long bulk loads) a commit after each chunk that brings the records
    since the last commit to that many. Returns how many were appended (and committed).

    ``after``: the chain's head (seq, hash) when the items were made (the demo validates them
    against the store as it was then). The transaction begins once the first item is there (the
    demo's worker takes a moment to start), and if another writer has appended to the chain since
    ``after``, or between two commits, the load stops (``ChainMoved``): what was committed before
    is kept, whole; nothing of the rest is written."""
    from supervisor_tui.model.signing import compose_plain, compose_with_body_json, is_plain

    profile = store.require_profile()
    sign = store.key_for(profile.device).sign
    author, device = profile.supervisor, profile.device
    conn = store.conn
    count = uncommitted = 0
    iterator = iter(items)
    first = next(iterator, None)
    if first is None:
        return 0
    with gc_paused(), store.write():
        seq, prev = store._head(device)
        if after is not None and (seq, prev) != tuple(after):
            raise ChainMoved(f"another process appended to device {device}'s chain while the bulk load's"
                             " records were being made: stopped, nothing of this load was written")
        rowid = _last_rowid(conn)
        # compose_plain needs every string plain: ids (uuid7), times (utc_now_iso) and hashes
        # are plain as made; author, device, the head's hash and each kind are checked once.
        steady = is_plain(author) and is_plain(device) and is_plain(prev)
        plain: dict[str, bool] = {}
        rows: list[tuple[Any, ...]] = []
        activity: list[tuple[Any, ...]] = []
        amending: list[tuple[Any, ...]] = []  # corrections of records held before the chunk
        for kind, schema, record_id, created_at, body_json, staff_id, cohort_id, ref_id, amends, fields in (
                itertools.chain((first,), iterator)):
            seq += 1
            rowid += 1
            fast = plain.get(kind)
            if fast is None:
                fast = plain[kind] = steady and is_plain(kind)
            if fast:
                data = compose_plain(author, body_json, created_at, device, record_id, kind, prev, schema, seq)
            else:
                data = compose_with_body_json({"id": record_id, "kind": kind, "schema": schema, "author": author,
                                               "device": device, "seq": seq, "prev": prev,
                                               "created_at": created_at, "body": loads_json(body_json)}, body_json)
            record_hash = sha256_hex(data)
            rows.append((rowid, record_id, kind, schema, author, device, seq, prev, created_at, body_json,
                         record_hash, sign(data), staff_id, cohort_id, ref_id, amends))
            if kind in ACTIVITY_KINDS:
                assert fields is not None
                order = activity_ord(created_at, device, seq)
                activity.append((rowid, record_hash, fields[0], kind, created_at, device, seq, *fields[1:],
                                 None, order))
            elif kind == "amendment":
                assert fields is not None
                order = activity_ord(created_at, device, seq)
                amending.append((*fields, order, amends, order))
            prev = record_hash
            if len(rows) >= CHUNK:
                _insert(conn, rows, activity, amending)
                count += len(rows)
                uncommitted += len(rows)
                rows, activity, amending = [], [], []
                if commit_every and uncommitted >= commit_every:
                    uncommitted = 0
                    _commit_and_check(store, device, (seq, prev), count)
                    rowid = _last_rowid(conn)  # a sync may have added others' records meanwhile
        if rows:
            _insert(conn, rows, activity, amending)
            count += len(rows)
    return count


def _last_rowid(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]


def _insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], activity: list[tuple[Any, ...]],
            amending: list[tuple[Any, ...]]) -> None:
    """A chunk's records, their activity rows, then the corrections of their targets' rows."""
    conn.executemany(_INSERT_RECORDS, rows)
    conn.executemany(_INSERT_ACTIVITY, activity)
    conn.executemany(AMEND_ACTIVITY, amending)


def _commit_and_check(store: Store, device: str, head: tuple[int, str], committed: int) -> None:
    """Commit what is in, begin again, and stop (``ChainMoved``) if another writer appended to
    ``device``'s chain in between: its head must still be ``head``."""
    store.conn.execute("COMMIT")
    store.conn.execute("BEGIN IMMEDIATE")
    if store._head(device) != head:
        raise ChainMoved(f"another process appended to device {device}'s chain during the bulk load:"
                         f" stopped after {committed} records (committed whole); nothing of the rest was written")
