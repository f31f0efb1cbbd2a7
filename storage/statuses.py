"""Every person's full projection in one pass (``Store.statuses``, ``supervisor-tui status --json``).

``Store.status`` projects one person from ``Store.records_touching`` (their records, their
cohort's, the records referring to the pathways and restrictions among those, and the amendments
of all of them) and, when their cohort has a cohort pathway, from ``Store.member_records`` (each
member's own records and their amendments). Here the same selections are made in Python over
rows read once per call, and most activity records are never read at all:

**Which records cannot change the answer.** Of a person's scenario checks, shadow notes and note
assessments (nearly every record), the projections read only the latest per key: the latest
check of each scenario (its outcome, version, setting and date), whether some shadow note of a
(shift date, shift) was made since a pathway opened, the latest assessment of each note review
and sequence; and they count the person's records. "Since" cuts a suffix off the time-ordered
records, so the latest record of a key is in that suffix whenever any record of the key is. An
activity record is therefore left out (*pruned*) when it is (1) not the target of an amendment,
(2) without a cohort or reference column (so it touches nobody but its own person), and (3) not
the latest, by (created_at, device, seq), of the records meeting (1) and (2) with the same
person, kind and key fields. Its person's ``records`` count is then made up from the number of
rows held for that person. The choice is made in SQL from ``record_activity`` (migration 3: the
key fields of every activity record, written in the insert's transaction and checked against the
signed bodies by ``verify``), so a pruned record's body is never read or decoded; every value in
the answer still comes from signed bodies. The group key holds every key field of every kind, a
finer partition than any projection uses, which is safe (it only keeps more).

**The rest** (control records, amendments and their targets, cohort records, and the kept
activity records) is read once: the rows with a ``ref_id`` and the amendments for everyone, each
cohort's cohort-scoped rows once per cohort, and the staff's own rows in one query; each body is
decoded at most once per call. Records are shared between the people they touch, which is safe
because nothing in ``projections`` changes a record or a body: ``effective_records`` builds new
``Effective`` objects for each person. The order rows arrive in does not matter:
``effective_records`` and ``touching`` sort by (created_at, device, seq), unique per record.
``tests/storage/test_statuses.py`` checks the result equals ``Store.status`` per person.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING, Any

from storage.overview import CONTROL_WHERE
from storage.rows import RECORD_COLUMNS, gc_paused, index_columns
from supervisor_tui.model.canonical import loads_json as _loads
from supervisor_tui.reports import projections

if TYPE_CHECKING:
    from storage.store import Store

_COLUMNS = ", ".join((*RECORD_COLUMNS, "staff_id", "cohort_id", "ref_id", "amends"))
_HASH = RECORD_COLUMNS.index("hash")
_STAFF, _COHORT, _REF, _AMENDS = range(len(RECORD_COLUMNS), len(RECORD_COLUMNS) + 4)
_NARROW = len(RECORD_COLUMNS)

# Activity records that touch more than their own person, or whose body an amendment replaces:
# never pruned (conditions 1 and 2 above). Each part reads a partial or unique index.
_NOT_PRUNABLE = """
    SELECT rowid FROM records WHERE hash IN (SELECT amends FROM records WHERE amends IS NOT NULL)
    UNION ALL SELECT rowid FROM records WHERE ref_id IS NOT NULL
    UNION ALL SELECT rowid FROM records WHERE cohort_id IS NOT NULL"""
# The latest prunable activity record of each (person, kind, key fields). ``ord`` is
# "created_at device seq" with seq zero-padded: ids and timestamps hold no character below
# the space, so it sorts as the (created_at, device, seq) tuple does. A single max() makes
# SQLite take the other columns from the row holding it.
_LATEST = f"""
    SELECT rowid FROM (
        SELECT rowid, MAX(ord) FROM record_activity
        WHERE staff_id IS NOT NULL AND rowid NOT IN ({_NOT_PRUNABLE})
        GROUP BY staff_id, kind, scenario_id, shift_date, shift, review, sequence)"""
# Every row with a ``staff_id`` except the pruned ones, read through small indexes: the kept
# latest (first column 1), the control records and corrections (partial indexes of migrations 1
# and 10), and the activity records that may not be pruned. Any other row with a ``staff_id``
# (a kind none of those indexes hold, or an activity record without its ``record_activity``
# row) would be missed: ``held_rows`` counts and, if the counts do not add up, reads ``_HELD``.
_ACTIVITY_IN = "'scenario_check', 'shadow_escalation', 'note_assessment'"
_FAST = f"""
    SELECT 1, {_COLUMNS} FROM records WHERE rowid IN ({_LATEST}) AND staff_id IS NOT NULL
    UNION ALL SELECT 0, {_COLUMNS} FROM records WHERE ({CONTROL_WHERE}) AND staff_id IS NOT NULL
    UNION ALL SELECT 0, {_COLUMNS} FROM records WHERE amends IS NOT NULL AND staff_id IS NOT NULL
    UNION ALL SELECT 0, {_COLUMNS} FROM records
        WHERE rowid IN ({_NOT_PRUNABLE}) AND staff_id IS NOT NULL AND kind IN ({_ACTIVITY_IN})"""
# The prunable activity records per person (of which all but the latest per key are pruned).
_PRUNABLE_COUNTS = f"""
    SELECT staff_id, COUNT(*) FROM record_activity WHERE staff_id IS NOT NULL AND rowid NOT IN ({_NOT_PRUNABLE})
    GROUP BY staff_id"""
# The same rows found the slow, sure way: every row on the staff index but the pruned ones (what
# is not an activity record has no ``record_activity`` row).
_HELD = f"""
    SELECT {_COLUMNS} FROM records INDEXED BY records_staff
    WHERE staff_id IS NOT NULL AND (rowid NOT IN (SELECT rowid FROM record_activity)
        OR rowid IN ({_LATEST}) OR rowid IN ({_NOT_PRUNABLE}))"""


def statuses(store: Store, today: dt.date, cohort: str | None = None) -> list[dict[str, Any]]:
    """``[store.status(p["staff_id"], today) for p in store.roster(cohort)]``, reading and
    decoding each needed record once and leaving out the records that cannot change it."""
    roster = store.roster(cohort)
    groups: dict[str, list[dict[str, str]]] = {}
    for person in roster:
        groups.setdefault(person["cohort"], []).append(person)
    done: dict[str, dict[str, Any]] = {}
    # the records and the projections hold no reference cycles; collecting as the heap grows
    # cost a third of the time
    with gc_paused():
        batch = _Batch(store.conn, today)
        for cohort_id, people in groups.items():
            done.update(batch.cohort_statuses(cohort_id, people))
    return [done[p["staff_id"]] for p in roster]


def held_rows(conn: sqlite3.Connection, fast: bool = True) -> tuple[dict[str, list[tuple]], dict[str, int]]:
    """(staff id -> their rows that are not pruned, staff id -> how many rows they have in all).

    The rows come from ``_FAST`` when, for every person, their rows in all = the rows read + the
    prunable ones - the kept ones (so nothing else has their ``staff_id``); otherwise, or when
    ``fast`` is False, from ``_HELD``."""
    totals = dict(conn.execute("SELECT staff_id, COUNT(*) FROM records WHERE staff_id IS NOT NULL GROUP BY staff_id"))
    own: dict[str, list[tuple]] = {}
    if fast:
        kept: dict[str, int] = {}
        for latest, *row in conn.execute(_FAST):
            own.setdefault(row[_STAFF], []).append(tuple(row))
            kept[row[_STAFF]] = kept.get(row[_STAFF], 0) + latest
        prunable = dict(conn.execute(_PRUNABLE_COUNTS))
        if all(totals.get(staff, 0) == len(own.get(staff, ())) + prunable.get(staff, 0) - kept.get(staff, 0)
               for staff in {*totals, *own, *prunable}):
            return own, totals
        own = {}
    for row in conn.execute(_HELD):
        own.setdefault(row[_STAFF], []).append(row)
    return own, totals


class _Batch:
    """What one ``statuses`` call shares between cohorts: the referring rows, the amendments, the
    staff's held rows, the decoded records and the cohort pathway views (``projections.staff_status``)."""

    def __init__(self, conn: sqlite3.Connection, today: dt.date):
        self.conn = conn
        self.today = today
        self.decoded: dict[str, dict[str, Any]] = {}
        self.by_ref = _rows_by(conn, _REF, "ref_id IS NOT NULL")
        self.by_amends = _rows_by(conn, _AMENDS, "amends IS NOT NULL")
        self.own_rows, self.totals = held_rows(conn)
        self.views: dict[tuple, dict[str, Any]] = {}

    def record(self, row: tuple) -> dict[str, Any]:
        """The row as a record, its body decoded (once per call)."""
        key = row[_HASH]
        record = self.decoded.get(key)
        if record is None:
            record = dict(zip(RECORD_COLUMNS, row[:_NARROW], strict=True))
            record["body"] = _loads(record["body"])
            self.decoded[key] = record
        return record

    def own(self, staff_id: str) -> list[dict[str, Any]]:
        return [self.record(row) for row in self.own_rows.get(staff_id, ())]

    def cohort_statuses(self, cohort_id: str, people: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
        """The statuses of ``people``, all the roster's members of ``cohort_id`` (in roster order)."""
        cohort_records = [self.record(row) for row in self.conn.execute(
            f"SELECT {_COLUMNS} FROM records WHERE cohort_id IS NOT NULL AND cohort_id = ?", (cohort_id,))]
        members: dict[str, list[projections.Effective]] | None = None
        result = {}
        for person in people:
            staff_id = person["staff_id"]
            mine = self.own(staff_id)
            effective = projections.effective_records(self.touching(mine, cohort_records))
            found: dict[str, list[projections.Effective]] = {}
            if any(e.kind == "pathway_assigned" and e.body.get("cohort_id") == cohort_id for e in effective):
                if members is None:
                    members = self.member_records(people)
                found = members
            staff = {"staff_id": staff_id, "name": person["name"], "role": person["role"],
                     "cohort_id": cohort_id}
            status = projections.staff_status(staff, effective, found, self.today, self.views)
            # the pruned records: the person's own, unamended, so each counts as one of theirs
            status["records"] += self.totals.get(staff_id, 0) - len(self.own_rows.get(staff_id, ()))
            result[staff_id] = status
        return result

    def touching(self, own: list[dict[str, Any]], cohort_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``Store.records_touching`` from the rows already read."""
        by_hash = {r["hash"]: r for r in own}
        for r in cohort_records:
            by_hash.setdefault(r["hash"], r)
        refs = {index_columns(r["kind"], r["body"])[2] for r in by_hash.values()} - {None}
        for ref in refs:
            for row in self.by_ref.get(ref, ()):
                if row[_HASH] not in by_hash:
                    by_hash[row[_HASH]] = self.record(row)
        for record_hash in list(by_hash):
            for row in self.by_amends.get(record_hash, ()):
                if row[_HASH] not in by_hash:
                    by_hash[row[_HASH]] = self.record(row)
        return sorted(by_hash.values(), key=lambda r: (r["created_at"], r["device"], r["seq"]))

    def member_records(self, people: list[dict[str, str]]) -> dict[str, list[projections.Effective]]:
        """``Store.member_records`` of the cohort (since ""): each member's held rows and the
        amendments of those."""
        members = {}
        for person in people:
            rows = self.own(person["staff_id"])
            rows = rows + [self.record(a) for r in rows for a in self.by_amends.get(r["hash"], ())]
            members[person["staff_id"]] = projections.effective_records(rows)
        return members


def _rows_by(conn: sqlite3.Connection, column: int, where: str) -> dict[str, list[tuple]]:
    grouped: dict[str, list[tuple]] = {}
    for row in conn.execute(f"SELECT {_COLUMNS} FROM records WHERE {where}"):
        grouped.setdefault(row[column], []).append(row)
    return grouped
