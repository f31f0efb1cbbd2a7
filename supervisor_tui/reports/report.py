"""The governance report: pure functions over records (or facts) + roster + incidents.

``build_report(records, roster, incidents, today, amended=...)`` consumes ``records`` as an
iterable in time order ``(created_at, device, seq)``, skipping amendments; ``amended`` maps an
amended record's hash to its corrected body (see :func:`amended_bodies`). It turns each work
record into a :class:`~supervisor_tui.reports.facts.Fact` and calls
:func:`build_report_from_facts`, which a database can feed directly. Only aggregates are kept,
plus, per person, the latest check per scenario, the latest note per review slot and the
distinct shadow shifts, so memory grows with staff and calendar, not with records. Pathway and
restriction state comes from ``supervisor_tui.reports.projections`` (those records are few and are kept).

Definitions (docs/report.md, "Governance report"):
* review status of an active restriction: ``overdue`` when today is after the next review date
  (last review, or start, + review_every_days), ``due`` when that date is today or within 2 days,
  else ``done``;
* first-attempt pass rate per scenario: each person's first check of that scenario;
* rework rate per element: share of note assessments where that element was missing;
* incident rate: incidents per calendar quarter in the pathway's incident category and cohort,
  averaged over quarters wholly before the pathway was assigned and wholly after it closed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from checklists.names import shipped_names
from supervisor_tui.reports import projections
from supervisor_tui.reports.facts import WORK_KINDS, Fact, fact_from_record
from supervisor_tui.reports.projections import Effective

UNKNOWN = "(not on roster)"
DUE_WINDOW_DAYS = 2


def amended_bodies(amendments: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Amended record hash -> its latest corrected body, from amendment records in time order."""
    out: dict[str, dict[str, Any]] = {}
    for record in amendments:
        if record["kind"] == "amendment":
            out[record["body"]["amends"]] = record["body"]["body"]
    return out


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def week_of(created_at: str) -> str:
    return _monday(created_at[:10])


@functools.lru_cache(maxsize=4096)
def _monday(day_text: str) -> str:
    day = dt.date.fromisoformat(day_text)
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    year, q = int(label[:4]), int(label[-1])
    start = dt.date(year, 3 * (q - 1) + 1, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def quarters_between(first: dt.date, last: dt.date) -> list[str]:
    out, day = [], dt.date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while day <= last:
        out.append(quarter_of(day))
        day = quarter_bounds(out[-1])[1] + dt.timedelta(days=1)
    return out


class _Accumulator:
    def __init__(self, staff_cohort: dict[str, str]):
        self.staff_cohort = staff_cohort
        self.control: list[Effective] = []
        self.latest_check: dict[str, dict[str, Fact]] = defaultdict(dict)
        self.latest_note: dict[str, dict[tuple[str, int], Fact]] = defaultdict(dict)
        self.seen_elements: set[tuple[str, tuple[str, ...]]] = set()
        self.shifts: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
        self.first: dict[tuple[str, str], str] = {}
        self.shadow: dict[str, Counter] = defaultdict(Counter)
        self.notes: dict[str, Counter] = defaultdict(Counter)
        self.missing: dict[str, Counter] = defaultdict(Counter)
        self.weekly: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))

    def cohort(self, body: dict[str, Any]) -> str:
        """Cohort of a control record's body (a person's cohort, or the body's cohort)."""
        if body.get("staff_id"):
            return self.staff_cohort.get(body["staff_id"], UNKNOWN)
        return body.get("cohort_id") or UNKNOWN

    def add_control(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        self.control.append(Effective(record=record, body=body))

    def add(self, f: Fact) -> None:
        staff = f.staff_id
        cohort = self.staff_cohort.get(staff, UNKNOWN)
        week = self.weekly[cohort][week_of(f.created_at)]
        if f.kind == "scenario_check":
            self.latest_check[staff][f.scenario_id] = f
            self.first.setdefault((staff, f.scenario_id), f.outcome)
            week["checks"] += 1
            week["checks_passed"] += f.outcome == "pass"
        elif f.kind == "note_assessment":
            self.latest_note[staff][(f.review, f.sequence)] = f
            counts = self.notes[cohort]
            counts["assessments"] += 1
            counts["rework"] += f.outcome == "rework"
            missing = self.missing[cohort]
            if (cohort, f.elements) not in self.seen_elements:
                self.seen_elements.add((cohort, f.elements))
                for element in f.elements:
                    missing[element] += 0
            for element in f.missing:
                missing[element] += 1
            week["notes"] += 1
            week["notes_compliant"] += f.outcome == "compliant"
        elif f.kind == "shadow_escalation":
            key = (f.shift_date, f.shift)
            shifts = self.shifts[staff]
            shifts[key] = max(shifts.get(key, ""), f.created_at)
            self.shadow[cohort]["notes"] += 1
            self.shadow[cohort]["agreed"] += f.agreed
            week["shadows"] += 1
            week["agreed"] += f.agreed

    def reduced(self, staff: str) -> list[Effective]:
        """The few records of one person that decide requirement progress (see module doc)."""
        out = [_effective(f, {"scenario_id": f.scenario_id, "outcome": f.outcome})
               for f in self.latest_check.get(staff, {}).values()]
        out += [_effective(f, {"review": f.review, "sequence": f.sequence, "outcome": f.outcome})
                for f in self.latest_note.get(staff, {}).values()]
        for (day, shift), created_at in self.shifts.get(staff, {}).items():
            out.append(Effective(record={"created_at": created_at, "kind": "shadow_escalation", "device": "",
                                         "seq": 0, "hash": ""}, body={"shift_date": day, "shift": shift}))
        return sorted(out, key=lambda e: e.record["created_at"])


def _effective(f: Fact, body: dict[str, Any]) -> Effective:
    record = {"created_at": f.created_at, "kind": f.kind, "device": f.device, "seq": f.seq, "hash": f.hash}
    return Effective(record=record, body={"staff_id": f.staff_id, **body})


def review_status(state: dict[str, Any], today: dt.date) -> str:
    next_on = dt.date.fromisoformat(state["next_review_on"])
    if today > next_on:
        return "overdue"
    return "due" if (next_on - today).days <= DUE_WINDOW_DAYS else "done"


def _units(progress: dict[str, Any]) -> tuple[int, int]:
    done = sum(1 for s in progress.get("scenarios", []) if s["passed"])
    required = len(progress.get("scenarios", []))
    for key in ("shadow_shifts", "compliant_samples", "first_five"):
        item = progress.get(key) or {}
        done += min(item.get("done", 0), item.get("required", 0))
        required += item.get("required", 0)
    return done, required


def build_report(records: Iterable[dict[str, Any]], roster: list[dict[str, str]],
                 incidents: list[dict[str, Any]], today: dt.date, amended: dict[str, dict] | None = None,
                 cohort: str | None = None, cohort_names: dict[str, str] | None = None,
                 generated_at: str = "") -> dict[str, Any]:
    """The report model from full records in time order (amendments are skipped; ``amended``
    gives corrected bodies by hash). See :func:`build_report_from_facts`."""
    amended = amended or {}
    control: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def facts() -> Iterator[Fact]:
        for record in records:
            kind = record["kind"]
            if kind == "amendment":
                continue
            body = amended.get(record["hash"], record["body"])
            if kind in WORK_KINDS:
                yield fact_from_record(record, body)
            else:
                control.append((record, body))

    return build_report_from_facts(facts(), control, roster, incidents, today, cohort, cohort_names, generated_at)


def build_report_from_facts(facts: Iterable[Fact], control: list[tuple[dict[str, Any], dict[str, Any]]],
                            roster: list[dict[str, str]], incidents: list[dict[str, Any]], today: dt.date,
                            cohort: str | None = None, cohort_names: dict[str, str] | None = None,
                            generated_at: str = "") -> dict[str, Any]:
    """The report model: ``{"today", "generated_at", "cohorts": [...]}`` (see module doc).

    ``facts``: work-record facts in time order, amended bodies applied. ``control``: (record,
    effective body) of pathway and restriction records (few; any order, sorted here). ``control``
    may be filled while ``facts`` is consumed."""
    acc = new_accumulator(roster)
    for fact in facts:
        acc.add(fact)
    return report_from_accumulator(acc, control, roster, incidents, today, cohort, cohort_names, generated_at)


def new_accumulator(roster: list[dict[str, str]]) -> _Accumulator:
    """An empty accumulator: fill it with ``add(fact)`` or directly (a database's aggregates)."""
    return _Accumulator({p["staff_id"]: p["cohort"] for p in roster})


def report_from_accumulator(acc: _Accumulator, control: list[tuple[dict[str, Any], dict[str, Any]]],
                            roster: list[dict[str, str]], incidents: list[dict[str, Any]], today: dt.date,
                            cohort: str | None = None, cohort_names: dict[str, str] | None = None,
                            generated_at: str = "") -> dict[str, Any]:
    """The report model from filled aggregates (per cohort and week, first attempts, element
    misses) plus, for the people pathways cover, their latest rows (see :class:`_Accumulator`)."""
    cohort_names = cohort_names or {}
    for record, body in sorted(control, key=lambda rb: (rb[0]["created_at"], rb[0]["device"], rb[0]["seq"])):
        acc.add_control(record, body)
    members: dict[str, list[str]] = defaultdict(list)
    for p in roster:
        members[p["cohort"]].append(p["staff_id"])
    names = {p["staff_id"]: p["name"] for p in roster}
    closures = projections.closures(acc.control)
    views: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for eff in acc.control:
        if eff.kind != "pathway_assigned":
            continue
        ids = [eff.body["staff_id"]] if eff.body.get("staff_id") else members.get(eff.body["cohort_id"], [])
        view = projections.pathway_view(eff, closures.get(eff.body["pathway_id"]),
                                        {s: acc.reduced(s) for s in ids}, today)
        view["cohort"] = acc.cohort(eff.body)
        view["staff_ids"] = ids
        views[view["cohort"]].append(view)
    restrictions = projections.restriction_states(acc.control)
    wanted = sorted({*members, *views, *acc.weekly} - ({UNKNOWN} if not acc.weekly.get(UNKNOWN) else set()))
    if cohort:
        wanted = [cohort]
    cohorts = []
    for cid in wanted:
        cohorts.append(_cohort_section(cid, cohort_names.get(cid, cid), acc, views.get(cid, []), restrictions,
                                       members.get(cid, []), names, incidents, today))
    return {"today": today.isoformat(), "generated_at": generated_at, "cohorts": cohorts,
            "owner_reviews": owner_reviews(acc.control, today)}


def owner_reviews(control: list[Effective], today: dt.date) -> list[dict[str, Any]]:
    """Per signing owner: the weeks since their first pathway (before this one) and which of them
    have a signed ``pack_reviewed`` by that owner; "weeks without a signed review" is what an
    inspector asks for."""
    first: dict[str, dt.date] = {}
    for eff in control:
        owner = eff.body.get("owner_id") if eff.kind == "pathway_assigned" else None
        if owner:
            first[owner] = min(first.get(owner, eff.created_on), eff.created_on)
    signed: dict[str, set[str]] = defaultdict(set)
    for eff in control:
        if eff.kind == "pack_reviewed" and eff.record["author"] == eff.body.get("owner_id"):
            signed[eff.body["owner_id"]].add(eff.body["week"])
    this_monday = today - dt.timedelta(days=today.weekday())
    out = []
    for owner, start in sorted(first.items()):
        monday = start - dt.timedelta(days=start.weekday())
        weeks = []
        while monday < this_monday:
            year, week, _ = monday.isocalendar()
            weeks.append(f"{year}-W{week:02d}")
            monday += dt.timedelta(days=7)
        out.append({"owner_id": owner, "weeks": len(weeks), "signed": sorted(set(weeks) & signed[owner]),
                    "without_signed_review": [w for w in weeks if w not in signed[owner]]})
    return out


def _cohort_section(cid: str, name: str, acc: _Accumulator, views: list[dict[str, Any]],
                    restrictions: dict[str, projections.RestrictionState], staff: list[str],
                    names: dict[str, str], incidents: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    active = []
    for state in restrictions.values():
        subject_cohort = state.subject if state.scope == "cohort" else acc.staff_cohort.get(state.subject, UNKNOWN)
        if subject_cohort != cid or state.status(today) != "active":
            continue
        d = state.as_dict(today)
        active.append({k: d[k] for k in ("restriction_id", "scope", "subject", "codes", "started_on", "expires_on",
                                         "days_left", "last_review_on", "next_review_on", "conflict",
                                         "conflict_text")}
                      | {"review_status": review_status(d, today)})
    completion = []
    for sid in staff:
        mine = [v for v in views if sid in v["staff_ids"]]
        if not mine:
            continue
        done = required = 0
        for v in mine:
            progress = v.get("progress") if v["scope"] == "staff" else v["members"][sid]["progress"]
            d, r = _units(progress)
            done, required = done + d, required + r
        completion.append({"staff_id": sid, "name": names.get(sid, sid), "pathways": len(mine),
                           "closed": sum(v["status"] == "closed" for v in mine), "done": done,
                           "required": required, "percent": pct(done, required)})
    first = defaultdict(Counter)
    for (sid, scenario), outcome in acc.first.items():
        if acc.staff_cohort.get(sid, UNKNOWN) == cid:
            first[scenario]["people"] += 1
            first[scenario]["passed"] += outcome == "pass"
    shadow, notes = acc.shadow.get(cid, Counter()), acc.notes.get(cid, Counter())
    elements = acc.missing.get(cid, Counter())
    weekly = acc.weekly.get(cid, {})
    closed_weeks = Counter(week_of(v["closed_on"]) for v in views if v["closed_on"])
    weeks = _all_weeks(set(weekly) | set(closed_weeks))
    keep = ("pathway_id", "scope", "subject", "incident_ref", "gap", "owner", "due_on", "assigned_on",
            "closed_on", "verification", "unmet", "owner_id", "proposed_by", "decided_by")
    return {
        "cohort_id": cid, "name": name, "staff": len(staff),
        "restrictions": sorted(active, key=lambda r: r["expires_on"]),
        "conflicts": [{"subject": r["restriction_id"], "kind": "restriction", "text": r["conflict_text"],
                       "records": r["conflict"]} for r in active if r.get("conflict")]
        + [{"subject": v["pathway_id"], "kind": "pathway", "text": v["conflict_text"], "records": v["conflict"]}
           for v in views if v.get("conflict")],
        "completion": completion,
        "first_attempt": [{"scenario_id": s, "title": shipped_names().scenario(s), "people": c["people"], "passed": c["passed"],
                           "rate": pct(c["passed"], c["people"])} for s, c in sorted(first.items())],
        "shadow": {"notes": shadow["notes"], "agreed": shadow["agreed"], "rate": pct(shadow["agreed"], shadow["notes"])},
        "rework": {"assessments": notes["assessments"], "rework": notes["rework"],
                   "rate": pct(notes["rework"], notes["assessments"]),
                   "elements": [{"element_id": e, "missing": n, "rate": pct(n, notes["assessments"])}
                                for e, n in sorted(elements.items(), key=lambda x: (-x[1], x[0]))]},
        "pathways_open": sum(v["status"] == "open" for v in views),
        "pathways_open_list": [{k: v[k] for k in keep} for v in views if v["status"] == "open"],
        "pathways_overdue": [{k: v[k] for k in keep} for v in views if v["overdue"]],
        "pathways_closed": [{k: v[k] for k in keep} for v in views if v["status"] == "closed"],
        "pathways_awaiting_approval": [{k: v[k] for k in keep} for v in views
                                       if v.get("approval") == "awaiting_approval"],
        "incidents": incident_rates(cid, views, incidents, today),
        "weekly": [{"week": w, **{k: weekly.get(w, Counter())[k] for k in
                                  ("checks", "checks_passed", "notes", "notes_compliant", "shadows", "agreed")},
                    "closures": closed_weeks[w],
                    "pass_rate": pct(weekly.get(w, Counter())["checks_passed"], weekly.get(w, Counter())["checks"]),
                    "compliance_rate": pct(weekly.get(w, Counter())["notes_compliant"], weekly.get(w, Counter())["notes"]),
                    "agreement_rate": pct(weekly.get(w, Counter())["agreed"], weekly.get(w, Counter())["shadows"])}
                   for w in weeks],
    }


def _all_weeks(weeks: set[str]) -> list[str]:
    """Every Monday from the first to the last week given (weeks without activity included)."""
    if not weeks:
        return []
    day, last = dt.date.fromisoformat(min(weeks)), dt.date.fromisoformat(max(weeks))
    out = []
    while day <= last:
        out.append(day.isoformat())
        day += dt.timedelta(days=7)
    return out


def incident_rates(cohort: str, views: list[dict[str, Any]], incidents: list[dict[str, Any]],
                   today: dt.date) -> dict[str, Any]:
    """Incidents per quarter and category in ``cohort``, and before/after rates per pathway."""
    mine = [i for i in incidents if i["cohort"] == cohort]
    if not incidents:
        return {"quarters": [], "by_category": {}, "pathways": []}
    first = min(i["date"] for i in incidents)
    quarters = quarters_between(first, max(today, max(i["date"] for i in incidents)))
    by_category: dict[str, list[int]] = {}
    for category in sorted({i["category"] for i in mine}):
        counts = Counter(quarter_of(i["date"]) for i in mine if i["category"] == category)
        by_category[category] = [counts[q] for q in quarters]
    category_of = {i["incident_ref"]: i["category"] for i in incidents if i["incident_ref"]}
    pathways = []
    for v in views:
        category = category_of.get(v["incident_ref"])
        row: dict[str, Any] = {"pathway_id": v["pathway_id"], "incident_ref": v["incident_ref"],
                               "category": category, "assigned_on": v["assigned_on"], "closed_on": v["closed_on"]}
        if category is None:
            pathways.append(row | {"phases": [], "counts": [], "before_rate": None, "after_rate": None,
                                   "note": "no imported incident has this reference"})
            continue
        assigned = dt.date.fromisoformat(v["assigned_on"])
        closed = dt.date.fromisoformat(v["closed_on"]) if v["closed_on"] else None
        counts = by_category.get(category) or [0] * len(quarters)
        phases = []
        for q in quarters:
            start, end = quarter_bounds(q)
            if end < assigned:
                phases.append("before")
            elif closed is not None and start > closed:
                phases.append("after")
            else:
                phases.append("during")
        before = [c for c, p in zip(counts, phases, strict=True) if p == "before"]
        after = [c for c, p in zip(counts, phases, strict=True) if p == "after"]
        pathways.append(row | {"phases": phases, "counts": counts,
                               "before_rate": round(sum(before) / len(before), 2) if before else None,
                               "after_rate": round(sum(after) / len(after), 2) if after else None})
    return {"quarters": quarters, "by_category": by_category, "pathways": pathways}
