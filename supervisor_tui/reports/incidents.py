"""Incidents CSV parsing (``date,category,cohort[,staff_id][,incident_ref]``) with line-numbered
errors. Used by ``supervisor-tui report --incidents`` and, centrally, by ``governance-store
incidents import FILE.csv``. Nothing is imported when any line is bad."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

REQUIRED = ("date", "category", "cohort")
OPTIONAL = ("staff_id", "incident_ref")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_PROBLEMS = 20


class IncidentsError(ValueError):
    """An incidents file that cannot be imported; the message names each bad line."""


def parse_incidents(path: Path, known_cohorts: set[str] | None = None,
                    known_staff: set[str] | None = None) -> list[dict[str, Any]]:
    """Read and parse an incidents CSV file."""
    try:
        text = Path(path).read_text("utf-8-sig")
    except FileNotFoundError as exc:
        raise IncidentsError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise IncidentsError(f"{path}: cannot read as UTF-8 text ({exc.__class__.__name__})") from exc
    return parse_incidents_text(text, Path(path).name, known_cohorts, known_staff)


def parse_incidents_text(text: str, name: str = "incidents.csv", known_cohorts: set[str] | None = None,
                         known_staff: set[str] | None = None) -> list[dict[str, Any]]:
    """Rows as ``{"date": date, "category", "cohort", "staff_id", "incident_ref"}`` (optional
    fields are ``""`` when absent). Raises IncidentsError with one line per problem."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise IncidentsError(f"{name}: missing column(s) {', '.join(missing)} "
                             f"(need {','.join(REQUIRED)}; optional {','.join(OPTIONAL)})")
    unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    if unknown:
        raise IncidentsError(f"{name}: unknown column(s) {', '.join(unknown)}")
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in raw.items()}
        if None in raw:
            problems.append(f"line {line}: more fields than columns")
            continue
        if not any(row.values()):
            continue
        found = _row_problems(row, known_cohorts, known_staff)
        if found:
            problems += [f"line {line}: {p}" for p in found]
            continue
        rows.append({"date": dt.date.fromisoformat(row["date"]), "category": row["category"],
                     "cohort": row["cohort"], "staff_id": row.get("staff_id", ""),
                     "incident_ref": row.get("incident_ref", "")})
    if problems:
        more = len(problems) - MAX_PROBLEMS
        lines = problems[:MAX_PROBLEMS] + ([f"... and {more} more"] if more > 0 else [])
        raise IncidentsError("\n".join(f"{name}: {p}" for p in lines))
    if not rows:
        raise IncidentsError(f"{name}: no incident rows")
    return rows


def _row_problems(row: dict[str, str], cohorts: set[str] | None, staff: set[str] | None) -> list[str]:
    problems = []
    for column in REQUIRED:
        if not row.get(column):
            problems.append(f"{column} is empty")
    if row.get("date"):
        try:
            dt.date.fromisoformat(row["date"])
            if len(row["date"]) != 10:
                raise ValueError
        except ValueError:
            problems.append(f"date {row['date']!r} is not a date (YYYY-MM-DD)")
    if row.get("category") and len(row["category"]) > 100:
        problems.append("category is longer than 100 characters")
    for column in ("cohort", "staff_id"):
        value = row.get(column, "")
        if value and not _ID.match(value):
            problems.append(f"{column} {value!r} has characters other than letters, digits, _.:-")
    if cohorts is not None and row.get("cohort") and row["cohort"] not in cohorts:
        problems.append(f"cohort {row['cohort']!r} is not a known cohort")
    if staff is not None and row.get("staff_id") and row["staff_id"] not in staff:
        problems.append(f"staff_id {row['staff_id']!r} is not on the roster")
    if len(row.get("incident_ref", "")) > 200:
        problems.append("incident_ref is longer than 200 characters")
    return problems
