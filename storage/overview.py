"""Fast roster overview and staff detail queries (no Textual).

``Store.statuses()`` builds each person's full projection from every record touching them, which
is too slow for a roster of hundreds of staff with 100,000 records. This module computes the same
answers (state, open pathways with progress, active restrictions, next due date, overdue) with a
few indexed queries:

* the *control* records (pathways, closures, restrictions and their amendments) are few, so they
  are read whole and projected with ``supervisor_tui.reports.projections``;
* for pathway progress only light columns of the members' activity records (scenario checks,
  shadow notes, note assessments made since the pathway opened) are read, with the fields the
  requirement rules need are read from ``record_activity``, a lookup table kept by triggers
  (migration 3) with amendments applied, and aggregated per person in SQL.

``tests/storage/test_overview.py`` checks the answers against ``projections.staff_status``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storage.rows import RECORD_COLUMNS, row_to_record
from supervisor_tui.reports import projections
from supervisor_tui.reports.projections import Effective

if TYPE_CHECKING:
    from storage.store import Store

CONTROL_KINDS = ("pathway_assigned", "pathway_closed", "closure_decision", "restriction_started",
                 "restriction_reviewed", "restriction_lifted")  # = migration 10's partial index


def _json_rows(store: Store, sql: str, params: tuple | list = (), columns: str = "") -> list[list[Any]]:
    """The rows of ``sql`` (whose result columns are named ``columns``), fetched as one JSON
    array in a single SQLite step. Python's sqlite3 releases the GIL around every row step, so a
    worker reading a thousand rows while the UI thread is busy waits for the GIL a thousand times
    (up to 5 ms each); one step per query keeps the start-up read from stalling. Row order is
    not guaranteed: callers sort."""
    outer = f"SELECT json_group_array(json_array({columns})) FROM ({sql})"
    return json.loads(store.conn.execute(outer, params).fetchone()[0])


def _roster(store: Store) -> list[dict[str, str]]:
    """As ``Store.roster()`` (ordered by name, then id), in one SQLite step."""
    rows = _json_rows(store, "SELECT staff_id, name, role, cohort_id FROM staff",
                      columns="staff_id, name, role, cohort_id")
    rows.sort(key=lambda r: (r[1], r[0]))
    return [{"staff_id": s, "name": n, "role": r, "cohort": c} for s, n, r, c in rows]


@dataclass
class StaffOverview:
    """One roster row."""

    staff_id: str
    name: str
    role: str
    cohort: str
    state: str = "none"
    open_pathways: list[dict[str, Any]] = field(default_factory=list)
    restrictions: list[dict[str, Any]] = field(default_factory=list)
    next_due: str | None = None
    overdue: bool = False

    @property
    def progress(self) -> tuple[int, int]:
        """(requirements met, requirements) over the person's own part of open pathways."""
        done = sum(p["own_met"] for p in self.open_pathways)
        total = sum(p["own_total"] for p in self.open_pathways)
        return done, total

    @property
    def codes(self) -> list[str]:
        return sorted({c for r in self.restrictions for c in r["codes"]})


@dataclass
class _Control:
    effective: list[Effective]
    restrictions: dict[str, projections.RestrictionState]
    assigned: list[Effective]
    closures: dict[str, projections.Closure]


# Written out (not bound), as ORs exactly as in the partial index ``records_control``'s WHERE
# (migration 10), so SQLite uses that index (it does for the same expression; with an IN list,
# as the index was before, every insert into ``records`` built the list into a temporary table).
# ``tests/storage/test_control_index.py`` checks the readers' query plans.
CONTROL_WHERE = " OR ".join(f"kind = '{kind}'" for kind in CONTROL_KINDS)


CONTROL_SQL = f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE {CONTROL_WHERE}"


def _control(store: Store) -> _Control:
    cols = ", ".join(RECORD_COLUMNS)
    rows = store.conn.execute(CONTROL_SQL).fetchall()
    records = [row_to_record(r) for r in rows]
    hashes = [r["hash"] for r in records]
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        q = ",".join("?" * len(chunk))
        records += [row_to_record(r) for r in store.conn.execute(
            f"SELECT {cols} FROM records WHERE amends IN ({q})", chunk)]
    effective = projections.effective_records(records)
    return _Control(
        effective=effective,
        restrictions=projections.restriction_states(effective),
        assigned=[e for e in effective if e.kind == "pathway_assigned"],
        closures=projections.closures(effective),
    )


_ORDER = "ord"
# (kind, columns read, group by, body fields those columns are) of ``_member_activity``
MEMBER_QUERIES = (
    ("scenario_check", "scenario_id, outcome", "scenario_id", ("scenario_id", "outcome")),
    ("shadow_escalation", "shift_date, shift", "shift_date, shift", ("shift_date", "shift")),
    ("note_assessment", "review, sequence, outcome", "review, sequence", ("review", "sequence", "outcome")),
)


def _member_activity(store: Store, staff_ids: list[str], since: str) -> dict[str, list[Effective]]:
    """Per person, the few light records that decide pathway progress since ``since``: the
    latest check per scenario, one entry per distinct shadow shift, the latest assessment per
    note review and sequence. Read from ``record_activity`` (migration 3, kept by triggers,
    amendments applied), so no record body is parsed."""
    found: dict[str, list[Effective]] = {sid: [] for sid in staff_ids}
    for start in range(0, len(staff_ids), 500):
        chunk = staff_ids[start:start + 500]
        for kind, columns, group, names in MEMBER_QUERIES:
            sql = member_activity_sql(len(chunk), columns, group)
            for row in _json_rows(store, sql, (*chunk, kind, since), f"staff_id, {columns}, last"):
                body = dict(zip(names, row[1:-1], strict=True))
                body["staff_id"] = row[0]
                created_at, device, seq = row[-1].split(" ")
                record = {"kind": kind, "created_at": created_at, "device": device, "seq": int(seq)}
                found[row[0]].append(Effective(record=record, body=body))
    return found


def member_activity_sql(people: int, columns: str, group: str) -> str:
    """``_member_activity``'s query for ``people`` people (parameters: their ids, the kind, since).
    ``ord >= since`` is ``created_at >= since`` for record times (``_TIME`` at acceptance: none is
    a prefix of another, none holds a character below the space), and unlike ``created_at`` it is
    in the index (migration 11), so no row is read."""
    return (f"SELECT staff_id, {columns}, MAX({_ORDER}) AS last FROM record_activity"
            f" WHERE staff_id IN ({','.join('?' * people)}) AND kind = ? AND {_ORDER} >= ?"
            f" GROUP BY staff_id, {group}")


def _pathway_views(store: Store, control: _Control, today: dt.date,
                   roster: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every pathway's view (as ``projections.pathway_view``) with per-member progress."""
    by_cohort: dict[str, list[str]] = {}
    for person in roster:
        by_cohort.setdefault(person["cohort"], []).append(person["staff_id"])
    views = []
    for eff in control.assigned:
        body = eff.body
        pid = body["pathway_id"]
        ids = [body["staff_id"]] if "staff_id" in body else by_cohort.get(body["cohort_id"], [])
        closure = control.closures.get(pid)
        if closure is None or not closure.closed:
            members = _member_activity(store, ids, eff.record["created_at"])
        else:
            members = {sid: [] for sid in ids}
        view = projections.pathway_view(eff, closure, members, today)
        if closure is not None and closure.closed:
            view["unmet"], view["met"] = [], True
            view.pop("progress", None)
            view.pop("members", None)
        views.append(view)
    return views


def _own_progress(view: dict[str, Any], staff_id: str) -> tuple[int, int]:
    progress = view.get("progress") if view["scope"] == "staff" else (
        view.get("members", {}).get(staff_id, {}).get("progress"))
    if not progress:
        return 0, 0
    done = sum(1 for s in progress["scenarios"] if s["passed"])
    total = len(progress["scenarios"])
    for name in ("shadow_shifts", "compliant_samples", "first_five"):
        required = progress[name]["required"]
        if required:
            total += 1
            done += progress[name]["done"] >= required
    return done, total


_CACHE: dict[int, tuple[tuple, _Control, list[dict[str, Any]], list[dict[str, str]]]] = {}


def _state_key(store: Store, today: dt.date) -> tuple:
    """Changes whenever anything is written to the store, by this connection or another."""
    version = store.conn.execute("PRAGMA data_version").fetchone()[0]
    return (store.conn.total_changes, version, today)


def _everything(store: Store, today: dt.date) -> tuple[_Control, list[dict[str, Any]], list[dict[str, str]]]:
    """Control records, every pathway view and the roster, cached until the store changes (so
    opening a staff member right after the roster reuses the roster's work)."""
    key = _state_key(store, today)
    cached = _CACHE.get(id(store))
    if cached is not None and cached[0] == key:
        return cached[1], cached[2], cached[3]
    everyone = _roster(store)
    control = _control(store)
    views = _pathway_views(store, control, today, everyone)
    _CACHE[id(store)] = (key, control, views, everyone)
    return control, views, everyone


def roster_overview(store: Store, today: dt.date, cohort: str | None = None) -> list[StaffOverview]:
    """One row per person on the roster (optionally one cohort), ordered by name."""
    control, views, everyone = _everything(store, today)
    rows = []
    for person in everyone:
        if cohort and person["cohort"] != cohort:
            continue
        rows.append(_row(person, control, views, today))
    return rows


def _row(person: dict[str, str], control: _Control, views: list[dict[str, Any]],
         today: dt.date) -> StaffOverview:
    sid, cohort = person["staff_id"], person["cohort"]
    row = StaffOverview(sid, person["name"], person["role"], cohort)
    mine = [v for v in views if (v["scope"] == "staff" and v["subject"] == sid)
            or (v["scope"] == "cohort" and v["subject"] == cohort)]
    restrictions = [
        s.as_dict(today) for s in control.restrictions.values()
        if (s.scope == "staff" and s.subject == sid) or (s.scope == "cohort" and s.subject == cohort)
    ]
    active = [r for r in restrictions if r["status"] == "active"]
    open_views = [v for v in mine if v["status"] == "open"]
    for view in open_views:
        met, total = _own_progress(view, sid)
        row.open_pathways.append({**view, "own_met": met, "own_total": total})
    row.restrictions = active
    if active:
        row.state = "restricted"
    elif open_views:
        row.state = "in_progress"
    elif mine:
        row.state = "validated"
    due = [r["next_review_on"] for r in active] + [v["due_on"] for v in open_views]
    row.next_due = min(due) if due else None
    row.overdue = any(r["review_overdue"] for r in active) or any(v["overdue"] for v in open_views)
    return row


def staff_detail(store: Store, staff_id: str, today: dt.date) -> dict[str, Any] | None:
    """The staff screen's data: person, status row, pathway views (with the person's own
    progress), every restriction touching them, latest scenario outcomes."""
    person = store.staff(staff_id)
    if person is None:
        return None
    person = {**person, "cohort": person["cohort_id"]}
    control, all_views, _everyone = _everything(store, today)
    views = [dict(v) for v in all_views
             if (v["scope"] == "staff" and v["subject"] == staff_id)
             or (v["scope"] == "cohort" and v["subject"] == person["cohort"])]
    row = _row(person, control, views, today)
    restrictions = [
        s.as_dict(today) for s in control.restrictions.values()
        if (s.scope == "staff" and s.subject == staff_id)
        or (s.scope == "cohort" and s.subject == person["cohort"])
    ]
    for view in views:
        view["own_met"], view["own_total"] = _own_progress(view, staff_id)
        if view["scope"] == "cohort" and view["status"] == "open":
            view["own_progress"] = view.get("members", {}).get(staff_id, {}).get("progress")
        else:
            view["own_progress"] = view.get("progress")
    return {"person": person, "row": row, "pathways": views, "restrictions": restrictions,
            "scenarios": latest_scenarios(store, staff_id)}


LATEST_SCENARIOS_SQL = ("SELECT scenario_id, rowid, MAX(ord) FROM record_activity WHERE staff_id = ?"
                        " AND kind = 'scenario_check' GROUP BY scenario_id")


def latest_scenarios(store: Store, staff_id: str) -> dict[str, dict[str, Any]]:
    """Latest outcome per scenario for one person (amendments applied)."""
    # the rowid, not the hash: it is in the index (the hash is not, migration 11), and an
    # activity row has its record's rowid (``verify`` checks it)
    rowids = [r for _sid, r, _o in store.conn.execute(LATEST_SCENARIOS_SQL, (staff_id,))]
    latest: dict[str, dict[str, Any]] = {}
    cols = ", ".join(RECORD_COLUMNS)
    for rowid in rowids:
        row = store.conn.execute(f"SELECT {cols} FROM records WHERE rowid = ?", (rowid,)).fetchone()
        if row is None:
            continue
        record = row_to_record(row)
        body = record["body"]
        amended = store.conn.execute(
            "SELECT body FROM records WHERE kind = 'amendment' AND amends = ?"
            " ORDER BY created_at DESC, device DESC, seq DESC LIMIT 1", (record["hash"],)).fetchone()
        if amended:
            body = json.loads(amended[0])["body"]
        latest[body["scenario_id"]] = {"outcome": body["outcome"],
                                       "version": body.get("scenario_version"),
                                       "on": record["created_at"][:10], "setting": body["setting"]}
    return dict(sorted(latest.items()))


def timeline_page(store: Store, staff_id: str, offset: int = 0, limit: int = 100
                  ) -> tuple[list[dict[str, Any]], int]:
    """A page of every record touching a person (as ``Store.records_touching``), newest first,
    and the total count. Only the page's records are read whole."""
    person = store.staff(staff_id)
    cohort = person["cohort_id"] if person else None
    light = "rowid AS rid, created_at, device, seq, hash, ref_id"
    names = "rid, created_at, device, seq, hash, ref_id"
    rows = {r[0]: r for r in _json_rows(
        store, f"SELECT {light} FROM records WHERE staff_id = ?"
        f" UNION SELECT {light} FROM records WHERE cohort_id IS NOT NULL AND cohort_id = ?",
        (staff_id, cohort), names)}
    refs = sorted({r[5] for r in rows.values()} - {None})
    for start in range(0, len(refs), 500):
        chunk = refs[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for r in _json_rows(store, f"SELECT {light} FROM records WHERE ref_id IN ({marks})",
                            chunk, names):
            rows.setdefault(r[0], r)
    hashes = sorted(r[4] for r in rows.values())
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for r in _json_rows(store, f"SELECT {light} FROM records WHERE amends IN ({marks})",
                            chunk, names):
            rows.setdefault(r[0], r)
    ordered = sorted(rows.values(), key=lambda r: (r[1], r[2], r[3]), reverse=True)
    page = [r[0] for r in ordered[offset:offset + limit]]
    if not page:
        return [], len(ordered)
    marks = ",".join("?" * len(page))
    full = {r[0]: row_to_record(r[1:]) for r in _json_rows(
        store, f"SELECT rowid AS rid, {', '.join(RECORD_COLUMNS)} FROM records WHERE rowid IN ({marks})",
        page, f"rid, {', '.join(RECORD_COLUMNS)}")}
    return [full[rowid] for rowid in page], len(ordered)


def pathway_views(store: Store, today: dt.date) -> list[dict[str, Any]]:
    """Every pathway's view (as ``projections.pathway_view``; closed ones without progress)."""
    return _everything(store, today)[1]


def awaiting_decision(views: list[dict[str, Any]], supervisor: str | None) -> list[dict[str, Any]]:
    """Pathway views whose latest closure proposal awaits a decision, each with ``decider`` (the
    owner, or the deputy when the owner proposed it); with ``supervisor``, only theirs."""
    out = []
    for view in views:
        if view.get("approval") != "awaiting_approval":
            continue
        decider = view["deputy_id"] if view["proposed_by"] == view["owner_id"] else view["owner_id"]
        if supervisor is None or decider == supervisor:
            out.append({**view, "decider": decider})
    return out


def all_restrictions(store: Store, today: dt.date) -> list[dict[str, Any]]:
    """Every restriction (active first, soonest review first), as ``RestrictionState.as_dict``."""
    states = [s.as_dict(today) for s in _control(store).restrictions.values()]
    return sorted(states, key=lambda r: (r["status"] != "active", r["next_review_on"] or "9999",
                                         r["restriction_id"]))


def unsynced_count(store: Store) -> int:
    """Same answer as ``Store.unsynced_count`` without scanning every record: the active
    profile's devices' record count (from the (device, seq) index) minus their records the
    central store holds."""
    profile = store.profile
    if profile is None:
        return 0
    devices = [d for (d,) in store.conn.execute("SELECT device FROM own_devices WHERE supervisor = ?",
                                                 (profile.supervisor,))] or [profile.device]
    total = synced = 0
    for device in devices:
        total += store.conn.execute("SELECT COUNT(*) FROM records WHERE device = ?",
                                    (device,)).fetchone()[0]
        synced += store.conn.execute(
            "SELECT COUNT(*) FROM sync_receipts s CROSS JOIN records r ON r.hash = s.hash"
            " WHERE r.device = ?", (device,)).fetchone()[0]
    return total - synced
