"""The central governance report computed in the database from ``record_facts`` and its summaries.

The fact table (``sync.central.facts``: typed columns derived from each accepted record,
amendments applied, caught up before the report reads it: ``sync.central.catchup``) is summed
per person in small summary tables (``sync.central.summary``: per person and week, per person
and element, per person and scenario), which the report groups per cohort: per cohort and week
(checks, passes, notes, compliant and rework notes, shadow notes, agreements), per cohort and
element (misses), per cohort and standard (which elements to list with zero misses); each person's first check of each
scenario is one index seek per (person, scenario) pair. Only the people that pathways cover
get per-person rows: their latest check per scenario, latest note per review slot and their
distinct shadow shifts — the rows requirement progress needs. Those aggregates fill the same
accumulator ``report.build_report_from_facts`` fills from a stream, so both give the same model;
Python memory follows staff, cohorts and weeks, never the number of records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from supervisor_tui.reports.facts import Fact
from supervisor_tui.reports.report import UNKNOWN, new_accumulator, report_from_accumulator
from sync.central.catchup import catch_up
from sync.central.facts import ensure_facts
from sync.central.summary import ensure_summary, fold, unkey

_COHORT = f"COALESCE(s.cohort_id, '{UNKNOWN}')"


def _sum(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


WEEKLY_SQL = f"""
SELECT {_COHORT}, g.week, g.standard_id, g.standard_version, CAST(SUM(g.checks) AS BIGINT),
  CAST(SUM(g.passed) AS BIGINT), CAST(SUM(g.notes) AS BIGINT), CAST(SUM(g.compliant) AS BIGINT),
  CAST(SUM(g.rework) AS BIGINT), CAST(SUM(g.shadows) AS BIGINT), CAST(SUM(g.agreed) AS BIGINT)
FROM fact_weekly g LEFT JOIN staff s ON s.staff_id = g.staff_id
WHERE g.checks <> 0 OR g.notes <> 0 OR g.shadows <> 0
GROUP BY {_COHORT}, g.week, g.standard_id, g.standard_version"""

MISSING_SQL = (f"SELECT {_COHORT}, m.element, CAST(SUM(m.n) AS BIGINT) FROM fact_missing m"
               f" LEFT JOIN staff s ON s.staff_id = m.staff_id WHERE m.n <> 0 GROUP BY {_COHORT}, m.element")


def _order(postgres: bool, desc: bool = False) -> str:
    c = ' COLLATE "C"' if postgres else ""
    d = " DESC" if desc else ""
    return f"created_at{c}{d}, device{c}{d}, seq{d}"


def _first_sql(postgres: bool, null_scenario: bool = False) -> str:
    """Each person's first check of each scenario: the pairs from ``fact_scenarios`` (a few
    thousand), then one seek per pair in the ``record_facts_checks`` index ((staff_id,
    scenario_id, created_at, device, seq) with the outcome). ``null_scenario``: the pairs of
    checks without a scenario id (stored as '' in the summary)."""
    match = "x.scenario_id IS NULL" if null_scenario else "x.scenario_id = p.scenario_id"
    pairs = "p.n > 0 AND p.scenario_id " + ("= ''" if null_scenario else "<> ''")
    seek = (f"SELECT x.outcome FROM record_facts x WHERE x.kind = 'scenario_check' AND x.staff_id = p.staff_id"
            f" AND {match} ORDER BY {_order(postgres).replace('created_at', 'x.created_at')} LIMIT 1")
    scenario = "NULL" if null_scenario else "p.scenario_id"
    if postgres:
        return (f"SELECT p.staff_id, {scenario}, f.outcome FROM fact_scenarios p"
                f" CROSS JOIN LATERAL ({seek}) f WHERE {pairs}")
    return f"SELECT p.staff_id, {scenario}, ({seek}) FROM fact_scenarios p WHERE {pairs}"


_LATEST_COLS = "created_at, device, seq, hash, staff_id, scenario_id, outcome, review, sequence"
# per kind: its summary table of keys, the key columns, and the sentinel test of a NULL key part
_LATEST = {"scenario_check": ("fact_scenarios", ("staff_id", "scenario_id"), "k.scenario_id = ''"),
           "note_assessment": ("fact_notes", ("staff_id", "review", "sequence"), "(k.review = '' OR k.sequence = -1)")}


def _latest_sql(postgres: bool, kind: str, marks: str) -> str:
    """Each of those people's latest row per key ((staff, scenario) for checks, (staff, review,
    sequence) for notes): the keys from the summary table, then one index seek per key for its
    latest row. Keys with a NULL part (stored as ''/-1 in the summary; malformed bodies only)
    are taken by :func:`_latest_null_sql`."""
    table, key, sentinel = _LATEST[kind]
    match = " AND ".join(f"x.{k} = k.{k}" for k in key)
    c = ' COLLATE "C"' if postgres else ""
    order = f"x.created_at{c} DESC, x.device{c} DESC, x.seq DESC"
    seek = f"FROM record_facts x WHERE x.kind = '{kind}' AND {match} ORDER BY {order} LIMIT 1"
    keys = f"k.n > 0 AND k.staff_id IN ({marks}) AND NOT {sentinel}"
    if postgres:
        cols = ", ".join(f"x.{c}" for c in _LATEST_COLS.split(", "))
        return f"SELECT f.* FROM {table} k CROSS JOIN LATERAL (SELECT {cols} {seek}) f WHERE {keys}"
    cols = ", ".join(f"f.{c}" for c in _LATEST_COLS.split(", "))
    return f"SELECT {cols} FROM {table} k JOIN record_facts f ON f.hash = (SELECT x.hash {seek}) WHERE {keys}"


def _latest_null_sql(postgres: bool, kind: str, marks: str) -> str:
    """Latest rows of keys with a NULL part (usually none): over those people's such rows."""
    _, key, _ = _LATEST[kind]
    nulls = " OR ".join(f"{k} IS NULL" for k in key[1:])
    if postgres:
        return (f"SELECT DISTINCT ON ({', '.join(key)}) {_LATEST_COLS} FROM record_facts"
                f" WHERE kind = '{kind}' AND staff_id IN ({marks}) AND ({nulls})"
                f" ORDER BY {', '.join(key)}, {_order(True, desc=True)}")
    match = " AND ".join(f"x.{k} IS k.{k}" for k in key)
    return f"""
SELECT {', '.join('f.' + c for c in _LATEST_COLS.split(', '))}
FROM (SELECT DISTINCT {', '.join(key)} FROM record_facts WHERE kind = '{kind}' AND staff_id IN ({marks})
      AND ({nulls})) k
JOIN record_facts f ON f.hash = (SELECT x.hash FROM record_facts x WHERE x.kind = '{kind}' AND {match}
                                 ORDER BY x.created_at DESC, x.device DESC, x.seq DESC LIMIT 1)"""


def _has_null_keys(tx: Any, kind: str, marks: str, people: list[str]) -> bool:
    """Whether any of ``people`` has a key with a NULL part (the summary's sentinel rows): only
    then is :func:`_latest_null_sql` run (it reads all their rows of the kind, 100-150 ms at
    1,000,000 records on PostgreSQL, to find usually nothing)."""
    table, _, sentinel = _LATEST[kind]
    return bool(tx.all(f"SELECT 1 FROM {table} k WHERE k.n > 0 AND k.staff_id IN ({marks}) AND {sentinel}"
                       " LIMIT 1", people))


def _shifts_sql(postgres: bool, marks: str) -> str:
    c = ' COLLATE "C"' if postgres else ""
    return (f"SELECT staff_id, shift_date, shift, MAX(created_at{c}) FROM record_facts"
            f" WHERE kind = 'shadow_escalation' AND staff_id IN ({marks}) GROUP BY staff_id, shift_date, shift")


def pathway_staff(control: list[tuple[dict[str, Any], dict[str, Any]]], roster: list[dict[str, str]]) -> list[str]:
    """Everyone a pathway covers (its person, or its cohort's members on the roster)."""
    members: dict[str, list[str]] = {}
    for p in roster:
        members.setdefault(p["cohort"], []).append(p["staff_id"])
    out: set[str] = set()
    for record, body in control:
        if record["kind"] != "pathway_assigned":
            continue
        if body.get("staff_id"):
            out.add(body["staff_id"])
        else:
            out.update(members.get(body.get("cohort_id"), []))
    return sorted(out)


def fill_accumulator(tx: Any, acc: Any, library: Any, people: list[str]) -> None:
    """Fill ``acc`` (``report.new_accumulator``) from the fact table, in the database."""
    pg = bool(tx.rewrite)
    standards: set[tuple[str, Any, Any]] = set()
    for cohort, week, std, version, checks, passed, notes, compliant, rework, shadows, agreed in tx.all(WEEKLY_SQL):
        week, std, version = unkey(week, std, version)
        acc.weekly[cohort][week].update({"checks": checks, "checks_passed": passed, "notes": notes,
                                         "notes_compliant": compliant, "shadows": shadows, "agreed": agreed})
        acc.notes[cohort].update({"assessments": notes, "rework": rework})
        acc.shadow[cohort].update({"notes": shadows, "agreed": agreed})
        if notes:
            standards.add((cohort, std, version))
    cache: dict[tuple, tuple[str, ...]] = {}
    for cohort, standard_id, version in sorted(standards, key=str):
        key = (standard_id, version)
        if key not in cache:
            standard = library.get(str(standard_id), int(version) if version is not None else None)
            cache[key] = tuple(e.element_id for e in getattr(standard, "elements", []))
        missing: Counter = acc.missing[cohort]
        for element in cache[key]:
            missing[element] += 0
    for cohort, element, count in tx.all(MISSING_SQL):
        acc.missing[cohort][element] += count
    for null_scenario in (False, True):
        for staff, scenario, outcome in tx.all(_first_sql(pg, null_scenario)):
            acc.first[(staff, scenario)] = outcome
    for start in range(0, len(people), 500):
        chunk = people[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for sql in (_latest_sql, _latest_null_sql):
            nulls = sql is _latest_null_sql
            if not nulls or _has_null_keys(tx, "scenario_check", marks, chunk):
                for created, device, seq, h, staff, scenario, outcome, _, _ in tx.all(
                        sql(pg, "scenario_check", marks), chunk):
                    acc.latest_check[staff][scenario] = Fact(created, device, seq, h, "scenario_check", staff,
                                                             scenario, outcome)
            if not nulls or _has_null_keys(tx, "note_assessment", marks, chunk):
                for created, device, seq, h, staff, _, outcome, review, sequence in tx.all(
                        sql(pg, "note_assessment", marks), chunk):
                    acc.latest_note[staff][(review, sequence)] = Fact(created, device, seq, h, "note_assessment",
                                                                      staff, None, outcome, review, sequence)
        for staff, day, shift, created in tx.all(_shifts_sql(pg, marks), chunk):
            acc.shifts[staff][(day, shift)] = created


def report_in_database(central: Any, control: list[tuple[dict[str, Any], dict[str, Any]]],
                       roster: list[dict[str, str]], cohort_names: dict[str, str],
                       incidents: list[dict[str, Any]], today: dt.date, cohort: str | None,
                       library: Any) -> dict[str, Any]:
    """The report model: aggregates from the fact table plus ``control`` (pathway and
    restriction records with their effective bodies, read by the caller)."""
    ensure_facts(central)
    ensure_summary(central)
    catch_up(central)  # the facts of every record committed by now (sync.central.catchup)
    fold(central)
    acc = new_accumulator(roster)
    with central.reading() as tx:
        fill_accumulator(tx, acc, library, pathway_staff(control, roster))
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return report_from_accumulator(acc, control, roster, incidents, today, cohort, cohort_names, now)
