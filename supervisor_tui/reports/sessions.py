"""Training-session figures for the governance report: for each trainer's group session (the
scenario checks sharing a ``session_id``), the scenario, when, how many were checked, the pass
rate and the decision times. Pure functions over (record, current body) pairs."""

from __future__ import annotations

from collections.abc import Iterable
from statistics import median
from typing import Any

from checklists.names import shipped_names


def session_figures(checks: Iterable[tuple[dict[str, Any], dict[str, Any]]],
                    staff: set[str] | None = None) -> list[dict[str, Any]]:
    """One row per session, oldest first, from scenario checks (record, body as it now reads);
    ``staff``: count only these people's checks (a cohort's report)."""
    sessions: dict[str, dict[str, Any]] = {}
    for record, body in checks:
        session_id = body.get("session_id")
        if not isinstance(session_id, str) or record.get("kind") != "scenario_check":
            continue
        if staff is not None and body.get("staff_id") not in staff:
            continue
        row = sessions.setdefault(session_id, {"session_id": session_id, "scenario_id": body.get("scenario_id"),
                                               "date": record["created_at"][:10], "author": record["author"],
                                               "seconds": [], "outcomes": []})
        row["outcomes"].append(body.get("outcome"))
        if isinstance(body.get("decision_seconds"), int):
            row["seconds"].append(body["decision_seconds"])
    rows = []
    for row in sessions.values():
        checked = len(row["outcomes"])
        passed = sum(1 for o in row.pop("outcomes") if o == "pass")
        seconds = sorted(row.pop("seconds"))
        rows.append({**row, "checked": checked, "passed": passed,
                     "pass_rate": round(100 * passed / checked, 1) if checked else None,
                     "median_decision_seconds": median(seconds) if seconds else None,
                     "slowest_decision_seconds": seconds[-1] if seconds else None})
    return sorted(rows, key=lambda r: (r["date"], r["session_id"]))


def session_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The report's text section."""
    if not rows:
        return []
    lines = ["Training sessions (group scenario checks)"]
    for r in rows:
        rate = f"{r['pass_rate']:g}%" if r["pass_rate"] is not None else "—"
        med = f"{r['median_decision_seconds']:g} s" if r["median_decision_seconds"] is not None else "—"
        lines.append(f"  {r['date']} {r['session_id']} · {shipped_names().scenario(r['scenario_id'])} · {r['checked']} checked · "
                     f"pass rate {rate} · median decision {med} (slowest {r['slowest_decision_seconds']} s)"
                     f" · trainer {r['author']}")
    return lines
