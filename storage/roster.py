"""Roster CSV parsing (columns ``staff_id,name,role,cohort``) with line-numbered errors."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

COLUMNS = ("staff_id", "name", "role", "cohort")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class RosterError(ValueError):
    """A roster file that cannot be imported; nothing was written."""


def cohort_display_name(cohort_id: str) -> str:
    return cohort_id.replace("-", " ").replace("_", " ").strip().capitalize()


def parse_roster(path: Path) -> list[dict[str, str]]:
    """Rows as dicts with the four columns; raises RosterError naming every bad line."""
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError as exc:
        raise RosterError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise RosterError(f"{path}: cannot read as UTF-8 text ({exc.__class__.__name__})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RosterError(f"{path.name}: missing column(s) {', '.join(missing)} (need {','.join(COLUMNS)})")
    rows, problems, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        for column in COLUMNS:
            if not row.get(column):
                problems.append(f"line {line}: {column} is empty")
        sid, cohort = row.get("staff_id", ""), row.get("cohort", "")
        if sid and not _ID.fullmatch(sid):
            problems.append(f"line {line}: staff_id {sid!r} has characters other than letters, digits, _.:-")
        if cohort and not _ID.fullmatch(cohort):
            problems.append(f"line {line}: cohort {cohort!r} has characters other than letters, digits, _.:-")
        if sid in seen:
            problems.append(f"line {line}: staff_id {sid} appears twice")
        seen.add(sid)
        rows.append({c: row.get(c, "") for c in COLUMNS})
    if problems:
        raise RosterError(f"{path.name}: " + "; ".join(problems[:20]))
    if not rows:
        raise RosterError(f"{path.name}: no staff rows")
    return rows
