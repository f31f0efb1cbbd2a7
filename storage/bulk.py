"""Bulk signed appends (``Store.append_prepared``: ``demo --records`` and other bulk loads of
bodies ``rules.prepare_body`` already validated): the same records, chain, signatures and lookup
rows as single saves, at close to the cost of signing and inserting.

A record is made in two steps. ``encode_prepared`` does everything that does not depend on the
record's place in the chain: its id, time, canonical body text, lookup columns and activity
fields (the demo's worker process does this beside the validation, so only short strings cross
to the signing process). ``append_encoded`` then gives each record its ``seq`` and ``prev``,
composes its canonical bytes and hash in chain order (each hash names the previous one, so this
part is sequential) and builds its rows; a thread signs the thousand composed before (libsodium
runs without the GIL); and SQLite inserts the thousand signed before that (``sqlite3`` releases
the GIL while it steps). The signing thread fills in ``sig``.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from storage.profile import StoreError
from storage.rows import (
    ACTIVITY_KINDS,
    AMEND_ACTIVITY,
    activity_fields,
    activity_ord,
    index_columns,
    uuid7,
)
from supervisor_tui.model.canonical import canonical_bytes, loads_json, sha256_hex
from supervisor_tui.model.kinds import utc_now_iso
from supervisor_tui.model.records import current_schema

if TYPE_CHECKING:
    from storage.store import Store
    from supervisor_tui.model.signing import DeviceKey

CHUNK = 1000
_SIG = 11  # where ``sig`` sits in a records row below
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


def _sign_rows(key: DeviceKey, rows: list[list[Any]], data: list[bytes]) -> None:
    """The signing thread: each row's ``sig`` over its record's canonical bytes."""
    for row, message in zip(rows, data, strict=True):
        row[_SIG] = key.sign(message)


class _Chunk:
    """A thousand composed records: their rows, the bytes to sign, their activity rows."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []
        self.data: list[bytes] = []
        self.activity: list[tuple[Any, ...]] = []
        self.amending: list[tuple[Any, ...]] = []  # corrections of records held before the batch
        self.signing: Future | None = None
        self.commit_after = False  # commit (and begin again) once this chunk is in

    def insert(self, store: Store) -> int:
        """Wait for the signatures, then insert the records and their activity rows."""
        assert self.signing is not None
        self.signing.result()
        store.conn.executemany(_INSERT_RECORDS, self.rows)
        store.conn.executemany(_INSERT_ACTIVITY, self.activity)
        store.conn.executemany(AMEND_ACTIVITY, self.amending)
        if self.commit_after:
            last = self.rows[-1]
            store.conn.execute("COMMIT")
            store.conn.execute("BEGIN IMMEDIATE")
            if store._head(last[5]) != (last[6], last[10]):
                raise ChainMoved(f"another save appended to device {last[5]}'s chain during the bulk load;"
                                 f" the {last[6]} records before it are kept")
        return len(self.rows)


def append_prepared(store: Store, items: Iterable[tuple[str, dict[str, Any], dt.datetime]]) -> int:
    """Sign and append ``items`` (kind, validated body, time) to the active profile's chain, in
    one transaction."""
    return append_encoded(store, (encode_prepared(kind, body, when) for kind, body, when in items))


def append_encoded(store: Store, items: Iterable[Encoded], commit_every: int | None = None) -> int:
    """Sign and append ``encode_prepared`` items to the active profile's chain: one transaction,
    or (``commit_every``, for long bulk loads) a commit after each chunk that brings the records
    since the last commit to that many. Returns how many were appended (and committed)."""
    from supervisor_tui.model.signing import compose_plain, compose_with_body_json, is_plain

    profile = store.require_profile()
    key = store.key_for(profile.device)
    author, device = profile.supervisor, profile.device
    inserting: deque[Future] = deque()
    count = 0

    def send(chunk: _Chunk) -> int:
        """Sign ``chunk`` on one thread and insert it on another (in order); returns how many
        the chunks sent before it added, once at most two are still on their way."""
        chunk.signing = signer.submit(_sign_rows, key, chunk.rows, chunk.data)
        inserting.append(writer.submit(chunk.insert, store))
        return sum(inserting.popleft().result() for _ in range(len(inserting) - 2))

    with (store.write(), ThreadPoolExecutor(1, thread_name_prefix="sign") as signer,
          ThreadPoolExecutor(1, thread_name_prefix="insert") as writer):
        seq, prev = store._head(device)
        rowid = store.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]
        # compose_plain needs every string plain: ids (uuid7), times (utc_now_iso) and hashes
        # are plain as made; author, device, the head's hash and each kind are checked once.
        steady = is_plain(author) and is_plain(device) and is_plain(prev)
        plain: dict[str, bool] = {}
        chunk = _Chunk()
        uncommitted = 0
        for kind, schema, record_id, created_at, body_json, staff_id, cohort_id, ref_id, amends, fields in items:
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
            chunk.rows.append([rowid, record_id, kind, schema, author, device, seq, prev, created_at, body_json,
                               record_hash, None, staff_id, cohort_id, ref_id, amends])
            chunk.data.append(data)
            if kind in ACTIVITY_KINDS:
                assert fields is not None
                order = activity_ord(created_at, device, seq)
                chunk.activity.append((rowid, record_hash, fields[0], kind, created_at, device, seq, *fields[1:],
                                       None, order))
            elif kind == "amendment":
                assert fields is not None
                order = activity_ord(created_at, device, seq)
                chunk.amending.append((*fields, order, amends, order))
            prev = record_hash
            if len(chunk.rows) >= CHUNK:
                uncommitted += len(chunk.rows)
                if commit_every and uncommitted >= commit_every:
                    chunk.commit_after, uncommitted = True, 0
                count += send(chunk)
                chunk = _Chunk()
        if chunk.rows:
            count += send(chunk)
        while inserting:
            count += inserting.popleft().result()
    return count
