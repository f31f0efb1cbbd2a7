"""Fast roster overview and staff detail queries (no Textual).

``Store.statuses()`` builds each person's full projection from every record touching them, which
is too slow for a roster of hundreds of staff with 100,000 records. This module computes the same
answers (state, open pathways with progress, active restrictions, next due date, overdue) with a
few indexed queries:

* the *control* records (pathways, closures, restrictions and their amendments) are few, so they
  are read whole and projected with ``storage.projections``;
* for pathway progress only light columns of the members' activity records (scenario checks,
  shadow notes, note assessments made since the pathway opened) are read, with the fields the
  requirement rules need pulled out by SQLite's ``json_extract``; the bodies are never parsed in
  Python. Amendments of those records are applied on top.

``tests/storage/test_overview.py`` checks the answers against ``projections.staff_status``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from storage import projections
from storage.projections import Effective
from storage.store import RECORD_COLUMNS, Store, row_to_record

CONTROL_KINDS = ("pathway_assigned", "pathway_closed", "restriction_started",
                 "restriction_reviewed", "restriction_lifted")
ACTIVITY_KINDS = ("scenario_check", "shadow_escalation", "note_assessment")
_ACTIVITY_FIELDS = ("scenario_id", "outcome", "shift_date", "shift", "review", "sequence", "staff_id")


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
    closures: dict[str, Effective]


def _control(store: Store) -> _Control:
    marks = ",".join("?" * len(CONTROL_KINDS))
    cols = ", ".join(RECORD_COLUMNS)
    rows = store.conn.execute(
        f"SELECT {cols} FROM records WHERE kind IN ({marks})", CONTROL_KINDS).fetchall()
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
        closures={e.body["pathway_id"]: e for e in effective if e.kind == "pathway_closed"},
    )


def _activity(store: Store, staff_ids: list[str], since: str) -> dict[str, list[Effective]]:
    """Light activity records per person made at or after ``since``, amendments applied."""
    found: dict[str, list[Effective]] = {sid: [] for sid in staff_ids}
    if not staff_ids:
        return found
    extract = ", ".join(f"json_extract(body, '$.{f}')" for f in _ACTIVITY_FIELDS[:-1])
    kinds = ",".join("?" * len(ACTIVITY_KINDS))
    by_hash: dict[str, Effective] = {}
    for start in range(0, len(staff_ids), 500):
        chunk = staff_ids[start:start + 500]
        q = ",".join("?" * len(chunk))
        for row in store.conn.execute(
            f"SELECT staff_id, kind, created_at, device, seq, hash, {extract} FROM records"
            f" WHERE staff_id IN ({q}) AND kind IN ({kinds}) AND created_at >= ?",
            (*chunk, *ACTIVITY_KINDS, since),
        ):
            body = {k: v for k, v in zip(_ACTIVITY_FIELDS[:-1], row[6:], strict=True) if v is not None}
            body["staff_id"] = row[0]
            record = {"kind": row[1], "created_at": row[2], "device": row[3], "seq": row[4],
                      "hash": row[5]}
            eff = Effective(record=record, body=body)
            by_hash[row[5]] = eff
            found[row[0]].append(eff)
    if by_hash:
        for amends, body in store.conn.execute(
            "SELECT amends, json_extract(body, '$.body') FROM records"
            " WHERE kind = 'amendment' ORDER BY created_at, device, seq"
        ):
            target = by_hash.get(amends)
            if target is not None:
                target.body = json.loads(body)
    for items in found.values():
        items.sort(key=lambda e: (e.record["created_at"], e.record["device"], e.record["seq"]))
    return found


def _pathway_views(store: Store, control: _Control, today: dt.date,
                   roster: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every pathway's view (as ``projections.pathway_view``) with per-member progress."""
    by_cohort: dict[str, list[str]] = {}
    for person in roster:
        by_cohort.setdefault(person["cohort"], []).append(person["staff_id"])
    wanted: dict[str, list[str]] = {}
    for eff in control.assigned:
        body = eff.body
        ids = [body["staff_id"]] if "staff_id" in body else by_cohort.get(body["cohort_id"], [])
        wanted[body["pathway_id"]] = ids
    open_ids = [e for e in control.assigned if e.body["pathway_id"] not in control.closures]
    need = sorted({sid for e in open_ids for sid in wanted[e.body["pathway_id"]]})
    since = min((e.record["created_at"] for e in open_ids), default="")
    activity = _activity(store, need, since) if open_ids else {}
    views = []
    for eff in control.assigned:
        pid = eff.body["pathway_id"]
        closure = control.closures.get(pid)
        members = {sid: activity.get(sid, []) for sid in wanted[pid]} if closure is None else {}
        if closure is not None and "cohort_id" in eff.body:
            members = {sid: [] for sid in wanted[pid]}
        view = projections.pathway_view(eff, closure, members, today)
        if closure is not None:
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


def roster_overview(store: Store, today: dt.date, cohort: str | None = None) -> list[StaffOverview]:
    """One row per person on the roster (optionally one cohort), ordered by name."""
    everyone = store.roster()
    control = _control(store)
    views = _pathway_views(store, control, today, everyone)
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
    control = _control(store)
    roster = store.roster(person["cohort"]) if any(
        e.body.get("cohort_id") == person["cohort"] for e in control.assigned) else [person]
    control.assigned = [e for e in control.assigned
                        if e.body.get("staff_id") == staff_id
                        or e.body.get("cohort_id") == person["cohort"]]
    views = _pathway_views(store, control, today, roster)
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


def latest_scenarios(store: Store, staff_id: str) -> dict[str, dict[str, Any]]:
    """Latest outcome per scenario for one person (amendments applied)."""
    rows = store.conn.execute(
        "SELECT hash, created_at, json_extract(body, '$.scenario_id'), json_extract(body, '$.outcome'),"
        " json_extract(body, '$.scenario_version'), json_extract(body, '$.setting') FROM records"
        " WHERE staff_id = ? AND kind = 'scenario_check' ORDER BY created_at, device, seq",
        (staff_id,)).fetchall()
    amended = {}
    if rows:
        for amends, body in store.conn.execute(
            "SELECT amends, json_extract(body, '$.body') FROM records WHERE kind = 'amendment'"
            " AND amends IN (SELECT hash FROM records WHERE staff_id = ? AND kind = 'scenario_check')"
            " ORDER BY created_at, device, seq", (staff_id,)
        ):
            amended[amends] = json.loads(body)
    latest: dict[str, dict[str, Any]] = {}
    for record_hash, created_at, scenario_id, outcome, version, setting in rows:
        body = amended.get(record_hash)
        if body is not None:
            scenario_id, outcome = body["scenario_id"], body.get("outcome", outcome)
            version, setting = body.get("scenario_version", version), body["setting"]
        latest[scenario_id] = {"outcome": outcome, "version": version, "on": created_at[:10],
                               "setting": setting}
    return dict(sorted(latest.items()))


def timeline_page(store: Store, staff_id: str, offset: int = 0, limit: int = 100
                  ) -> tuple[list[dict[str, Any]], int]:
    """A page of every record touching a person, newest first, and the total count."""
    records = store.records_touching(staff_id)
    records.reverse()
    return records[offset:offset + limit], len(records)
