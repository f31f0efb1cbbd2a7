"""Trainer group sessions in the central governance report: the scenario checks that carry a
``session_id`` (bodies as corrected by their latest amendment), turned into the same per-session
figures as the laptop's report (``supervisor_tui.reports.sessions``). Works on SQLite and
PostgreSQL alike: the kind index narrows to scenario checks and a plain text match on the stored
body to those naming a session, so only those bodies are parsed."""

from __future__ import annotations

import json
from typing import Any

from supervisor_tui.reports.sessions import session_figures
from sync.central.exclusions import LIVE

FIELDS = "id, kind, schema, author, device, seq, prev, created_at, body, hash, sig"
SESSION_CHECKS_SQL = (f"SELECT {FIELDS} FROM records WHERE kind = 'scenario_check' AND body LIKE ? AND {LIVE}"
                      " ORDER BY created_at, device, seq")


def central_sessions(tx: Any, amended: dict[str, dict[str, Any]],
                     staff: set[str] | None = None) -> list[dict[str, Any]]:
    """Per-session figures over every held session check (``staff``: only these people's, for a
    cohort's report); ``amended`` maps an amended record's hash to its corrected body."""
    checks = []
    for row in tx.all(SESSION_CHECKS_SQL, ('%"session_id"%',)):
        rid, kind, schema, author, device, seq, prev, created_at, body, h, sig = row[:11]
        record = {"id": rid, "kind": kind, "schema": schema, "author": author, "device": device, "seq": seq,
                  "prev": prev, "created_at": created_at, "body": json.loads(body), "hash": h, "sig": sig}
        checks.append((record, amended.get(h, record["body"])))
    return session_figures(checks, staff)
