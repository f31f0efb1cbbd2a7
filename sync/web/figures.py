"""Dashboard figures per cohort, derived from the governance report model (never re-counted).

The report comes from ``sync.central.export.central_report`` (the same figures as
``governance-store report``); :class:`ReportCache` keeps the last one per (day, cohort) and
computes it again as soon as anything it depends on changes: a record arrives (the highest
``pos``) or is set aside, the roster or cohort names change, incidents are imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from typing import Any

from sync.central import CentralStore
from sync.central.export import central_report, load_incidents

WEEKS = 8
RECENT_INCIDENT_DAYS = 30


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def restricted_staff(c: dict[str, Any], members: list[dict[str, str]]) -> list[str]:
    """Staff ids under an active restriction (their own or their cohort's)."""
    ids = {m["staff_id"] for m in members}
    out: set[str] = set()
    for r in c["restrictions"]:
        if r["scope"] == "cohort":
            out |= ids
        elif r["subject"] in ids or r["scope"] == "staff":
            out.add(r["subject"])
    return sorted(out)


def rates(c: dict[str, Any], today: dt.date, weeks: int = WEEKS) -> dict[str, Any]:
    """Scenario pass rate and note rework rate over the last ``weeks`` weeks (this one included)."""
    start = (_monday(today) - dt.timedelta(weeks=weeks - 1)).isoformat()
    rows = [w for w in c["weekly"] if w["week"] >= start]
    checks = sum(w["checks"] for w in rows)
    passed = sum(w["checks_passed"] for w in rows)
    notes = sum(w["notes"] for w in rows)
    rework = notes - sum(w["notes_compliant"] for w in rows)
    return {"since": start, "checks": checks, "passed": passed, "notes": notes, "rework": rework,
            "pass_rate": round(100 * passed / checks, 1) if checks else None,
            "rework_rate": round(100 * rework / notes, 1) if notes else None, "weeks": rows}


def reviews(c: dict[str, Any], today: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Active restrictions whose review falls due within 7 days, and those overdue."""
    week_end = (today + dt.timedelta(days=7)).isoformat()
    day = today.isoformat()
    due = [r for r in c["restrictions"] if day <= r["next_review_on"] <= week_end]
    overdue = [r for r in c["restrictions"] if r["next_review_on"] < day]
    return due, overdue


def cohort_figures(c: dict[str, Any], members: list[dict[str, str]], incidents: list[dict[str, Any]],
                   today: dt.date) -> dict[str, Any]:
    due, overdue = reviews(c, today)
    since = today - dt.timedelta(days=RECENT_INCIDENT_DAYS)
    recent = sorted((i for i in incidents if i["cohort"] == c["cohort_id"] and i["date"] >= since),
                    key=lambda i: i["date"], reverse=True)
    return {"cohort_id": c["cohort_id"], "name": c["name"], "staff": c["staff"],
            "restricted": restricted_staff(c, members), "pathways_open": c["pathways_open"],
            "pathways_overdue": len(c["pathways_overdue"]), "reviews_due": due, "reviews_overdue": overdue,
            "awaiting_approval": len(c.get("pathways_awaiting_approval", [])),
            "rates": rates(c, today), "incidents": recent}


class ReportCache:
    """The last central report per (today, cohort), recomputed when the store changes."""

    def __init__(self, central: CentralStore):
        self.central = central
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str | None], tuple[str, dict[str, Any], list[dict[str, Any]]]] = {}

    def version(self, incidents: list[dict[str, Any]]) -> str:
        """Changes whenever a record arrives or is set aside, or the roster, cohort names or
        incidents change (records, set-aside decisions and incidents are only ever added)."""
        with self.central.reading() as tx:
            pos = tx.one("SELECT MAX(pos) FROM records")[0]
            aside = tx.one("SELECT COUNT(*) FROM record_exclusions")[0]
            staff = tx.all("SELECT staff_id, name, role, cohort_id FROM staff ORDER BY staff_id")
            cohorts = tx.all("SELECT cohort_id, name FROM cohorts ORDER BY cohort_id")
        text = repr((pos, aside, staff, cohorts, len(incidents)))
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, today: dt.date, cohort: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(report, incidents) as of ``today``; raises ExportError for an unknown cohort."""
        key = (today.isoformat(), cohort)
        incidents = load_incidents(self.central)
        version = self.version(incidents)
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] == version:
                return hit[1], hit[2]
        report = central_report(self.central, today, cohort, incidents=incidents)
        with self._lock:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = (version, report, incidents)
        return report, incidents
