"""Every person's full projection in one pass (``Store.statuses``, ``supervisor-tui status --json``).

``Store.status`` projects one person from ``Store.records_touching`` (their records, their
cohort's, the records referring to the pathways and restrictions among those, and the amendments
of all of them) and, when their cohort has a cohort pathway, from ``Store.member_records`` (each
member's own records and their amendments). Asked for everyone, that read and JSON-decoded a
record once for every person it touches (127,000 decodes and 1,000 queries for 100,000 records).

Here the same selections are made in Python over rows read once per call:

- the rows with a ``ref_id`` (pathways, restrictions) and the amendments, once for everyone (both
  are few, read through their partial indexes); a body is decoded when a person first needs it;
- each cohort's cohort-scoped rows (``cohort_id``), once per cohort;
- the members' rows (``staff_id``): in one query for a cohort whose pathway counts every member,
  kept until the cohort is done; otherwise one person at a time, dropped after that person.
  Memory holds at most one cohort's records, as ``Store.member_records`` did.

Each body is decoded at most once per call (the one exception: when ``_counts_members`` guesses
wrong, the rows of the members projected before are decoded again), through caches keyed by
record hash that live only inside ``statuses``. Records are shared between the people they
touch, which is safe because nothing in ``projections`` changes a record or a body:
``effective_records`` builds new ``Effective`` objects for each person, as before. The order
rows arrive in does not matter: ``effective_records`` and ``records_touching`` sort by
(created_at, device, seq), unique per record. ``tests/storage/test_statuses.py`` checks the
result equals ``Store.status`` per person.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from storage.rows import RECORD_COLUMNS, index_columns
from supervisor_tui.reports import projections

if TYPE_CHECKING:
    from storage.store import Store

_COLUMNS = ", ".join((*RECORD_COLUMNS, "staff_id", "cohort_id", "ref_id", "amends"))
_HASH = RECORD_COLUMNS.index("hash")
_STAFF, _COHORT, _REF, _AMENDS = range(len(RECORD_COLUMNS), len(RECORD_COLUMNS) + 4)
_NARROW = len(RECORD_COLUMNS)


def _loads(text: Any) -> Any:
    """``json.loads`` of a stored body, with ``orjson`` (about three times faster; the same value
    for every JSON text it accepts, ``tests/test_orjson_differential.py``); what it refuses (a
    lone surrogate, NaN, an integer beyond 64 bits) goes to ``json.loads``, answer or error."""
    try:
        return orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError):
        return json.loads(text)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the call builds its records (the records and the
    projections hold no reference cycles; collecting as the heap grows cost a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Decoded:
    """Records decoded in one ``statuses`` call, by hash: for the whole call those other people
    may reach through a reference or an amendment (rows with a ``ref_id`` or ``amends``), and a
    cohort's rows (its cohort-scoped rows, and its members' rows when a cohort pathway counts
    them) until ``next_cohort``. A person's other rows serve that person alone: not kept."""

    def __init__(self) -> None:
        self.shared: dict[str, dict[str, Any]] = {}
        self.cohort: dict[str, dict[str, Any]] = {}

    def next_cohort(self) -> None:
        self.cohort = {}

    def record(self, row: tuple, keep_for_cohort: bool = False) -> dict[str, Any]:
        key = row[_HASH]
        record = self.shared.get(key) or self.cohort.get(key)
        if record is None:
            record = dict(zip(RECORD_COLUMNS, row[:_NARROW], strict=True))
            record["body"] = _loads(record["body"])
        if row[_REF] is not None or row[_AMENDS] is not None:
            self.shared[key] = record
        elif keep_for_cohort:
            self.cohort[key] = record
        return record


def _counts_members(cohort_records: list[dict[str, Any]]) -> bool:
    """Whether a cohort pathway may count the cohort's members (a guess made before projecting:
    when it is wrong the members' rows are read when first needed, and the answer is the same)."""
    return any(r["kind"] in ("pathway_assigned", "amendment") for r in cohort_records)


def _rows_by(conn: sqlite3.Connection, column: int, where: str) -> dict[str, list[tuple]]:
    grouped: dict[str, list[tuple]] = {}
    for row in conn.execute(f"SELECT {_COLUMNS} FROM records WHERE {where}"):
        grouped.setdefault(row[column], []).append(row)
    return grouped


def statuses(store: Store, today: dt.date, cohort: str | None = None) -> list[dict[str, Any]]:
    """``[store.status(p["staff_id"], today) for p in store.roster(cohort)]``, reading and
    decoding each record once."""
    roster = store.roster(cohort)
    groups: dict[str, list[dict[str, str]]] = {}
    for person in roster:
        groups.setdefault(person["cohort"], []).append(person)
    done: dict[str, dict[str, Any]] = {}
    with _gc_paused():
        batch = _Batch(store.conn, today)
        for cohort_id, people in groups.items():
            done.update(batch.cohort_statuses(cohort_id, people))
    return [done[p["staff_id"]] for p in roster]


class _Batch:
    """What one ``statuses`` call shares between cohorts: the referring rows, the amendments, the
    decoded records and the cohort pathway views (``projections.staff_status``)."""

    def __init__(self, conn: sqlite3.Connection, today: dt.date):
        self.conn = conn
        self.today = today
        self.decoded = _Decoded()
        self.by_ref = _rows_by(conn, _REF, "ref_id IS NOT NULL")
        self.by_amends = _rows_by(conn, _AMENDS, "amends IS NOT NULL")
        self.views: dict[tuple, dict[str, Any]] = {}

    def cohort_statuses(self, cohort_id: str, people: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
        """The statuses of ``people``, all the roster's members of ``cohort_id`` (in roster order)."""
        self.decoded.next_cohort()
        cohort_records = [self.decoded.record(row, keep_for_cohort=True) for row in self.conn.execute(
            f"SELECT {_COLUMNS} FROM records WHERE cohort_id IS NOT NULL AND cohort_id = ?", (cohort_id,))]
        # Every member's rows, read once for the cohort when a cohort pathway will count them
        # (the cohort's rows hold a pathway, or an amendment that may make one); otherwise each
        # person's rows are read in turn, and dropped after.
        own = self.members_rows(cohort_id, people) if _counts_members(cohort_records) else None
        members: dict[str, list[projections.Effective]] | None = None
        result = {}
        for person in people:
            staff_id = person["staff_id"]
            mine = own[staff_id] if own is not None else [
                self.decoded.record(row) for row in self.conn.execute(
                    f"SELECT {_COLUMNS} FROM records WHERE staff_id = ?", (staff_id,))]
            effective = projections.effective_records(self.touching(mine, cohort_records))
            found: dict[str, list[projections.Effective]] = {}
            if any(e.kind == "pathway_assigned" and e.body.get("cohort_id") == cohort_id for e in effective):
                if members is None:
                    own = own if own is not None else self.members_rows(cohort_id, people)
                    members = self.member_records(people, own)
                found = members
            staff = {"staff_id": staff_id, "name": person["name"], "role": person["role"],
                     "cohort_id": cohort_id}
            result[staff_id] = projections.staff_status(staff, effective, found, self.today, self.views)
        return result

    def members_rows(self, cohort_id: str, people: list[dict[str, str]]) -> dict[str, list[dict[str, Any]]]:
        """Each member's rows (``staff_id``), in one query for the cohort; people who joined
        the cohort since the roster was read are left out, as they are from ``people``."""
        own: dict[str, list[dict[str, Any]]] = {p["staff_id"]: [] for p in people}
        for row in self.conn.execute(
                f"SELECT {_COLUMNS} FROM records WHERE staff_id IN"
                " (SELECT staff_id FROM staff WHERE cohort_id = ?)", (cohort_id,)):
            mine = own.get(row[_STAFF])
            if mine is not None:
                mine.append(self.decoded.record(row, keep_for_cohort=True))
        return own

    def touching(self, own: list[dict[str, Any]], cohort_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``Store.records_touching`` from the rows already read."""
        by_hash = {r["hash"]: r for r in own}
        for r in cohort_records:
            by_hash.setdefault(r["hash"], r)
        refs = {index_columns(r["kind"], r["body"])[2] for r in by_hash.values()} - {None}
        for ref in refs:
            for row in self.by_ref.get(ref, ()):
                if row[_HASH] not in by_hash:
                    by_hash[row[_HASH]] = self.decoded.record(row)
        for record_hash in list(by_hash):
            for row in self.by_amends.get(record_hash, ()):
                if row[_HASH] not in by_hash:
                    by_hash[row[_HASH]] = self.decoded.record(row)
        return sorted(by_hash.values(), key=lambda r: (r["created_at"], r["device"], r["seq"]))

    def member_records(self, people: list[dict[str, str]],
                       own: dict[str, list[dict[str, Any]]]) -> dict[str, list[projections.Effective]]:
        """``Store.member_records`` of the cohort (since ""): each member's rows and the
        amendments of those."""
        members = {}
        for person in people:
            rows = own[person["staff_id"]]
            rows = rows + [self.decoded.record(a) for r in rows for a in self.by_amends.get(r["hash"], ())]
            members[person["staff_id"]] = projections.effective_records(rows)
        return members
