"""Incidents pulled from the central store (``central-incidents.json`` in the store directory).

The central store keeps the incidents an admin imported (``governance-store incidents import``);
each sync's first pull page carries them, so the laptop's governance report (``supervisor-tui
report`` and the TUI report screen) can show incident rates before and after each pathway while
offline. The file is reference data, not evidence: it is replaced whole on every sync, written
atomically, and rows that don't have the expected shape are skipped, never trusted blindly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

INCIDENTS_FILE = "central-incidents.json"
FIELDS = ("date", "category", "cohort", "staff_id", "incident_ref")


def save_pulled_incidents(home: Path, rows: list[dict[str, Any]], pulled_at: str) -> int:
    """Replace the pulled incidents with ``rows`` (wire form, ISO dates); returns rows kept."""
    kept = [r for r in (_parse(row) for row in rows) if r is not None]
    wire = [{**r, "date": r["date"].isoformat()} for r in kept]
    path = Path(home) / INCIDENTS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pulled_at": pulled_at, "incidents": wire}, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)
    return len(kept)


def pulled_incidents(home: Path) -> tuple[list[dict[str, Any]], str | None]:
    """(incidents as the report wants them, when they were pulled); ``([], None)`` if never."""
    try:
        data = json.loads((Path(home) / INCIDENTS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return [], None
    if not isinstance(data, dict) or not isinstance(data.get("incidents"), list):
        return [], None
    rows = [r for r in (_parse(row) for row in data["incidents"]) if r is not None]
    pulled_at = data.get("pulled_at")
    return rows, pulled_at if isinstance(pulled_at, str) else None


def _parse(row: Any) -> dict[str, Any] | None:
    if not isinstance(row, dict):
        return None
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = row.get(name) or ""
        if not isinstance(value, str):
            return None
        out[name] = value
    try:
        out["date"] = dt.date.fromisoformat(out["date"])
    except ValueError:
        return None
    if not out["category"] or not out["cohort"]:
        return None
    return out
