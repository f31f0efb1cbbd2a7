"""``verify``'s check of the report's fact table against the signed records it derives from.

Every work record (check, shadow note, note assessment) must have exactly one ``record_facts``
row equal to ``supervisor_tui.reports.facts.fact_from_record`` of its effective body (the latest
amendment in time order applied), and no fact row may exist without its record. A row that
was edited, left behind by a missed amendment or lost is reported by record; the report would
otherwise count it silently. A record still queued for its facts (``sync.central.catchup``:
pushed or amended after verify caught up) is not checked.
"""

from __future__ import annotations

import json
from typing import Any

from supervisor_tui.reports.facts import WORK_KINDS, fact_from_record
from supervisor_tui.reports.report import amended_bodies, week_of
from sync.central.facts import COLUMNS

_COMPARED = ("kind", "created_at", "device", "seq", "week", "staff_id", "scenario_id", "outcome", "review",
             "sequence", "missing", "shift_date", "shift", "agreed")


def amendments(central: Any) -> dict[str, dict[str, Any]]:
    """Amended hash -> latest corrected body (amendments are few; read once). Amendments set
    aside are left out, as the fact table leaves them out."""
    from sync.central.exclusions import LIVE
    from sync.central.rows import row_to_record

    with central.reading() as tx:
        rows = tx.all("SELECT id, kind, schema, author, device, seq, prev, created_at, body, hash, sig FROM records"
                      f" WHERE kind = 'amendment' AND {LIVE} ORDER BY created_at, device, seq")
    return amended_bodies(row_to_record(r) for r in rows)


def expected_row(record: dict[str, Any], body: dict[str, Any]) -> dict[str, Any] | None:
    """The fact row a work record should have (None when its body cannot give one)."""
    try:
        f = fact_from_record(record, body)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return {"kind": f.kind, "created_at": f.created_at, "device": f.device, "seq": f.seq,
            "week": week_of(f.created_at), "staff_id": f.staff_id, "scenario_id": f.scenario_id,
            "outcome": f.outcome if f.kind != "shadow_escalation" else None, "review": f.review,
            "sequence": f.sequence, "missing": list(f.missing) or None, "shift_date": f.shift_date,
            "shift": f.shift, "agreed": int(f.agreed)}


def _stored(row: tuple) -> dict[str, Any]:
    out = dict(zip(COLUMNS, row, strict=True))
    try:
        out["missing"] = json.loads(out["missing"]) if out["missing"] else None
    except ValueError:
        pass
    return {k: out[k] for k in _COMPARED}


def check_page(central: Any, records: list[dict[str, Any]], amended: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Problems (by record hash) of the fact rows of one page of records."""
    work = [r for r in records if r["kind"] in WORK_KINDS]
    if not work:
        return {}
    marks = ",".join("?" * len(work))
    hashes = [r["hash"] for r in work]
    with central.reading() as tx:  # the queue first: a row derived meanwhile is then read as derived
        queued = {h for (h,) in tx.all(f"SELECT hash FROM facts_pending WHERE hash IN ({marks})", hashes)}
        held = {row[0]: _stored(row) for row in tx.all(
            f"SELECT {', '.join(COLUMNS)} FROM record_facts WHERE hash IN ({marks})", hashes)}
    problems = {}
    for record in work:
        if record["hash"] in queued:  # pushed (or amended) after verify caught up: derived later
            continue
        want = expected_row(record, amended.get(record["hash"], record["body"]))
        have = held.get(record["hash"])
        if have is None:
            problems[record["hash"]] = "report fact row missing"
        elif want is not None and have != want:
            diff = sorted(k for k in _COMPARED if have[k] != want[k])
            problems[record["hash"]] = f"report fact row does not match the record ({', '.join(diff)})"
    return problems


def orphans(central: Any) -> list[str]:
    """Fact rows whose record the store does not hold."""
    with central.reading() as tx:
        return [h for (h,) in tx.all("SELECT f.hash FROM record_facts f WHERE NOT EXISTS"
                                     " (SELECT 1 FROM records r WHERE r.hash = f.hash) LIMIT 100")]
