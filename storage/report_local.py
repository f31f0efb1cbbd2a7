"""Gather the governance report from the local store without loading the store into memory.

* pathway and restriction records (few) are read whole;
* amendments (few) are read first; the records they amend are read whole and turned into facts
  with their corrected bodies;
* every other check, note and shadow note is streamed as a :class:`Fact` extracted by SQLite
  (``json_extract``) in time order, and merged with the amended ones.

The central store does the same against its own database (PostgreSQL: ``body->>'x'`` and a
server-side cursor); ``facts.fact_from_record`` is the definition the SQL must match.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections.abc import Iterator
from typing import Any

from storage.pulled_incidents import pulled_incidents
from storage.store import RECORD_COLUMNS, Store
from supervisor_tui.reports.facts import WORK_KINDS, Fact, fact_from_record
from supervisor_tui.reports.report import amended_bodies, build_report_from_facts

KINDS_SQL = "(" + ",".join(f"'{k}'" for k in WORK_KINDS) + ")"
AMENDED_SQL = "(SELECT amends FROM records WHERE kind = 'amendment' AND amends IS NOT NULL)"
FACTS_SQL = f"""
SELECT created_at, device, seq, hash, kind, staff_id,
  CASE kind WHEN 'scenario_check' THEN json_extract(body, '$.scenario_id')
            WHEN 'note_assessment' THEN json_extract(body, '$.review')
            ELSE json_extract(body, '$.shift_date') END,
  CASE kind WHEN 'shadow_escalation' THEN json_extract(body, '$.shift')
            ELSE json_extract(body, '$.outcome') END,
  CASE kind WHEN 'note_assessment' THEN json_extract(body, '$.sequence')
            WHEN 'shadow_escalation' THEN json_extract(body, '$.agreed') END,
  CASE kind WHEN 'note_assessment' THEN json_extract(body, '$.standard_id') END,
  CASE kind WHEN 'note_assessment' THEN json_extract(body, '$.standard_version') END,
  CASE WHEN kind = 'note_assessment' AND json_extract(body, '$.outcome') = 'rework'
       THEN json_extract(body, '$.missing_elements') END
FROM records
WHERE kind IN {KINDS_SQL} AND hash NOT IN {AMENDED_SQL}
ORDER BY created_at, device, seq
"""


def _records(store: Store, where: str, params: tuple = ()) -> list[dict[str, Any]]:
    rows = store.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records {where} ORDER BY created_at, device, seq", params)
    out = []
    for row in rows:
        record = dict(zip(RECORD_COLUMNS, row, strict=True))
        record["body"] = json.loads(record["body"])
        out.append(record)
    return out


def _elements_of(store: Store) -> Any:
    cache: dict[tuple[Any, Any], tuple[str, ...]] = {}

    def lookup(standard_id: Any, version: Any) -> tuple[str, ...]:
        key = (standard_id, version)
        if key not in cache:
            standard = store.library.get(str(standard_id), version if isinstance(version, int) else None)
            cache[key] = tuple(e.element_id for e in getattr(standard, "elements", []))
        return cache[key]
    return lookup


def stream_facts(store: Store) -> Iterator[Fact]:
    """Facts of non-amended work records, straight from SQLite, in time order."""
    elements = _elements_of(store)
    cursor = store.conn.execute(FACTS_SQL)
    while True:
        rows = cursor.fetchmany(5000)
        if not rows:
            return
        for created, device, seq, h, kind, staff, a, b, c, std, version, missing in rows:
            if kind == "scenario_check":
                yield Fact(created, device, seq, h, kind, staff or "", a, b)
            elif kind == "note_assessment":
                yield Fact(created, device, seq, h, kind, staff or "", None, b, a, c,
                           elements(std, version), tuple(json.loads(missing)) if missing else ())
            else:
                yield Fact(created, device, seq, h, kind, staff or "", shift_date=a, shift=b, agreed=bool(c))


def local_report(store: Store, today: dt.date, cohort: str | None = None,
                 incidents: list[dict[str, Any]] | None = None, incidents_source: str | None = None
                 ) -> dict[str, Any]:
    """The governance report over the local store. Without ``incidents``, the incidents pulled
    from the central store at the last sync are used (if any); ``incidents_source`` says where
    they came from and is shown with the report."""
    if incidents is None:
        incidents, pulled_at = pulled_incidents(store.home)
        if pulled_at:
            incidents_source = f"the central store, pulled {pulled_at}"
    amended = amended_bodies(_records(store, "WHERE kind = 'amendment'"))
    control = [(r, amended.get(r["hash"], r["body"]))
               for r in _records(store, f"WHERE kind NOT IN {KINDS_SQL} AND kind != 'amendment'")]
    corrected = [fact_from_record(r, amended[r["hash"]])
                 for r in _records(store, f"WHERE kind IN {KINDS_SQL} AND hash IN {AMENDED_SQL}")]
    facts = heapq.merge(stream_facts(store), corrected, key=lambda f: f.order)
    roster = store.roster()
    names = {c["cohort_id"]: c["name"] for c in store.cohorts()}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = build_report_from_facts(facts, control, roster, incidents, today, cohort, names, now)
    report["incidents_source"] = incidents_source if incidents else None
    report["incidents_none_in"] = None if incidents else incidents_source  # looked, found none
    from supervisor_tui.reports.sessions import session_figures

    checks = _records(store, "WHERE kind = 'scenario_check' AND json_extract(body, '$.session_id') IS NOT NULL")
    members = {p["staff_id"] for p in roster if p["cohort"] == cohort} if cohort else None
    sessions = session_figures(((r, amended.get(r["hash"], r["body"])) for r in checks), members)
    if sessions:  # (only then, as in the central store's report)
        report["sessions"] = sessions
    return report
