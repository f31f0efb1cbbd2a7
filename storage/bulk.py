"""Bulk signed appends (``Store.append_prepared``: ``demo --records`` and other bulk loads of
bodies ``rules.prepare_body`` already validated): one transaction, the same records, chain,
signatures and lookup rows as single saves, at close to the cost of signing and inserting.

Three things run at once: this thread composes each record's canonical bytes and hash in chain
order (each hash names the previous one, so this part is sequential) and builds its rows; a
thread signs the thousand composed before (libsodium runs without the GIL); and SQLite inserts
the thousand signed before that (``sqlite3`` releases the GIL while it steps). Rows are built as
lists straight away, with no record dicts in between; the signing thread fills in ``sig``.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from storage.rows import (
    ACTIVITY_KINDS,
    AMEND_ACTIVITY,
    activity_values,
    amend_activity_values,
    index_columns,
    uuid7,
)
from supervisor_tui.model.canonical import canonical_bytes, sha256_hex
from supervisor_tui.model.kinds import utc_now_iso

if TYPE_CHECKING:
    from storage.store import Store
    from supervisor_tui.model.signing import DeviceKey

CHUNK = 1000
_SIG = 11  # where ``sig`` sits in a records row below
_INSERT_RECORDS = (
    "INSERT INTO records (rowid, id, kind, schema, author, device, seq, prev, created_at, body, hash, sig,"
    " staff_id, cohort_id, ref_id, amends) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
_INSERT_ACTIVITY = "INSERT INTO record_activity VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"


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

    def insert(self, store: Store) -> int:
        """Wait for the signatures, then insert the records and their activity rows."""
        assert self.signing is not None
        self.signing.result()
        store.conn.executemany(_INSERT_RECORDS, self.rows)
        store.conn.executemany(_INSERT_ACTIVITY, self.activity)
        store.conn.executemany(AMEND_ACTIVITY, self.amending)
        return len(self.rows)


def append_prepared(store: Store, items: Iterable[tuple[str, dict[str, Any], dt.datetime]]) -> int:
    """Sign and append ``items`` (kind, validated body, time) to the active profile's chain."""
    from supervisor_tui.model.records import current_schema
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
        for kind, body, now in items:
            seq += 1
            rowid += 1
            record_id, created_at, schema = uuid7(now), utc_now_iso(now), current_schema(kind)
            body_json = canonical_bytes(body, trusted=True).decode()  # built by pydantic models
            fast = plain.get(kind)
            if fast is None:
                fast = plain[kind] = steady and is_plain(kind)
            if fast:
                data = compose_plain(author, body_json, created_at, device, record_id, kind, prev, schema, seq)
            else:
                data = compose_with_body_json({"id": record_id, "kind": kind, "schema": schema, "author": author,
                                               "device": device, "seq": seq, "prev": prev,
                                               "created_at": created_at, "body": body}, body_json)
            record_hash = sha256_hex(data)
            chunk.rows.append([rowid, record_id, kind, schema, author, device, seq, prev, created_at, body_json,
                               record_hash, None, *index_columns(kind, body)])
            chunk.data.append(data)
            if kind in ACTIVITY_KINDS:
                chunk.activity.append(activity_values(rowid, record_hash, kind, created_at, device, seq, body))
            elif kind == "amendment":
                chunk.amending.append(amend_activity_values(body["amends"], created_at, device, seq, body))
            prev = record_hash
            if len(chunk.rows) >= CHUNK:
                count += send(chunk)
                chunk = _Chunk()
        if chunk.rows:
            count += send(chunk)
        while inserting:
            count += inserting.popleft().result()
    return count
