"""Plain pieces shared by the store's modules: the record table's columns, time-ordered ids, the
lookup columns derived from a body, a row turned back into a record, and the verify report.

Kept apart from ``storage.store`` so the modules that read the store (statuses, overview,
verify, sync state) do not import the ``Store`` class that in turn delegates to them.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

RECORD_COLUMNS = ("id", "kind", "schema", "author", "device", "seq", "prev", "created_at", "body",
                  "hash", "sig")


@dataclass
class VerifyReport:
    count: int = 0
    problems: list[str] = field(default_factory=list)
    # pulled records kept out of the log because they fail the acceptance rules (not problems
    # of this store: they were never used here)
    set_aside: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_RANDOM = random.Random(os.urandom(32))


def uuid7(now: dt.datetime | None = None) -> str:
    """A time-ordered UUID (version 7, RFC 9562); uniqueness, not secrecy, is what matters."""
    ms = int((now.timestamp() if now else time.time()) * 1000)
    rand = _RANDOM.getrandbits(80)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & ((1 << 62) - 1)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def index_columns(kind: str, body: dict[str, Any]) -> tuple[Any, ...]:
    """Unsigned lookup columns derived from a body (re-derived and compared by ``verify``)."""
    amends = None
    if kind == "amendment":
        amends, body = body["amends"], body["body"]
    ref = body.get("pathway_id") if kind in ("pathway_assigned", "pathway_closed", "closure_decision") else None
    ref = ref or body.get("restriction_id")
    return body.get("staff_id"), body.get("cohort_id"), ref, amends


ACTIVITY_KINDS = frozenset(("scenario_check", "shadow_escalation", "note_assessment"))


def activity_row(rowid: int, record: dict[str, Any]) -> tuple[Any, ...]:
    """The ``record_activity`` lookup row of a check, shadow note or note assessment (filled in
    Python at insert time: a trigger parsing the JSON body cost more than the rest of a save)."""
    return activity_values(rowid, record["hash"], record["kind"], record["created_at"], record["device"],
                           record["seq"], record["body"])


def activity_values(rowid: int, record_hash: str, kind: str, created_at: str, device: str, seq: int,
                    body: dict[str, Any]) -> tuple[Any, ...]:
    """``activity_row`` from the record's fields (bulk appends build no record dicts)."""
    staff_id, *rest = activity_fields(body)
    return (rowid, record_hash, staff_id, kind, created_at, device, seq, *rest, None,
            activity_ord(created_at, device, seq))


def activity_fields(body: dict[str, Any]) -> tuple[Any, ...]:
    """The body's fields an activity row holds: staff_id, scenario_id, outcome, shift_date, shift,
    review, sequence (an amendment's row update: those of its corrected body)."""
    return (body.get("staff_id"), body.get("scenario_id"), body.get("outcome"), body.get("shift_date"),
            body.get("shift"), body.get("review"), body.get("sequence"))


def activity_ord(created_at: str, device: str, seq: int) -> str:
    """``record_activity.ord``: sorts as (created_at, device, seq) does (ids and times hold no
    character below the space; seq is zero-padded)."""
    return f"{created_at} {device} {seq:015d}"


# An amendment's corrected fields go into its target's activity row, unless a later amendment's
# already did (migration 9; it was the ``record_activity_amend`` trigger of migration 3).
AMEND_ACTIVITY = """
    UPDATE record_activity SET staff_id = ?, scenario_id = ?, outcome = ?, shift_date = ?, shift = ?,
        review = ?, sequence = ?, amended_at = ?
    WHERE rowid = (SELECT rowid FROM records WHERE hash = ?) AND (amended_at IS NULL OR amended_at <= ?)"""


def amend_activity_values(record_hash_amended: str, created_at: str, device: str, seq: int,
                          body: dict[str, Any]) -> tuple[Any, ...]:
    """``AMEND_ACTIVITY``'s parameters for an amendment (its ``body``) of ``record_hash_amended``."""
    inner = body.get("body")
    ord_ = activity_ord(created_at, device, seq)
    return (*activity_fields(inner if isinstance(inner, dict) else {}), ord_, record_hash_amended, ord_)


# For an activity record that arrives after amendments of it (pulled out of order): the latest
# one's fields, as ``AMEND_ACTIVITY`` would have written them.
AMENDED_ON_ARRIVAL = """
    UPDATE record_activity SET staff_id = json_extract(a.body, '$.body.staff_id'),
        scenario_id = json_extract(a.body, '$.body.scenario_id'), outcome = json_extract(a.body, '$.body.outcome'),
        shift_date = json_extract(a.body, '$.body.shift_date'), shift = json_extract(a.body, '$.body.shift'),
        review = json_extract(a.body, '$.body.review'), sequence = json_extract(a.body, '$.body.sequence'),
        amended_at = a.created_at || ' ' || a.device || ' ' || printf('%015d', a.seq)
    FROM (SELECT body, created_at, device, seq FROM records WHERE amends = ?
          ORDER BY created_at DESC, device DESC, seq DESC LIMIT 1) AS a
    WHERE record_activity.rowid = ?"""


def row_to_record(row: sqlite3.Row | tuple) -> dict[str, Any]:
    record = dict(zip(RECORD_COLUMNS, row, strict=False))
    record["body"] = json.loads(record["body"])
    return record


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (for code that builds many objects holding
    no reference cycles: records, rows, projections); the collector's state is always restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
