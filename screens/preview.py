"""Live previews of derived fields using the real rules (no Textual, no database).

A form calls ``preview(kind, body, library, today)`` as the user types; the rules compute the
outcome exactly as ``Store.append`` will, so what the screen shows is what gets signed. Facts
that need the store (roster, pathways) are assumed fine here and re-checked at signing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from checklists.loader import Library
from supervisor_tui.model.rules import PathwayInfo, RecordInvalid, RestrictionInfo, prepare_body


class PreviewContext:
    def __init__(self, library: Library, today: dt.date) -> None:
        self.library = library
        self.today = today
        self.author = ""

    def staff_exists(self, staff_id: str) -> bool:
        return True

    def cohort_exists(self, cohort_id: str) -> bool:
        return True

    def restriction(self, restriction_id: str) -> RestrictionInfo | None:
        return None

    def pathway(self, pathway_id: str) -> PathwayInfo | None:
        return PathwayInfo(pathway_id, False, [])

    def record_by_hash(self, record_hash: str) -> dict[str, Any] | None:
        return None

    def decision_heads(self, subject: str) -> list[str]:
        return []


def preview(kind: str, body: dict[str, Any], library: Library, today: dt.date
            ) -> tuple[dict[str, Any] | None, list[str]]:
    """(prepared body or None, problems) for a body as it stands."""
    try:
        return prepare_body(kind, body, PreviewContext(library, today)), []
    except RecordInvalid as exc:
        return None, exc.problems


def as_int(values: dict[str, Any], key: str, problems: list[str], default: int | None = None) -> int | None:
    """An integer field typed as text; adds '<key>: ...' to problems when it is not a number."""
    raw = str(values.get(key) or "").strip()
    if not raw:
        if default is None:
            problems.append(f"{key}: required")
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{key}: {raw!r} is not a whole number")
        return default
