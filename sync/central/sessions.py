"""Trainer group sessions in the central governance report: the scenario checks that carry a
``session_id`` (bodies as corrected by their latest amendment), turned into the same per-session
figures as the laptop's report (``supervisor_tui.reports.sessions``). Works on SQLite and
PostgreSQL alike: a partial index holds just the scenario checks whose stored body names a
session (``schema.SESSION_CHECK``), so only those rows are read and parsed, however many other
records the store holds."""

from __future__ import annotations

import json
from typing import Any

from supervisor_tui.reports.sessions import session_figures
from sync.central.exclusions import LIVE
from sync.central.schema import SESSION_CHECK

FIELDS = "id, kind, schema, author, device, seq, prev, created_at, body, hash, sig"
SESSION_CHECKS_SQL = (f"SELECT {FIELDS} FROM records WHERE {SESSION_CHECK} AND {LIVE}"
                      " ORDER BY created_at, device, seq")
# SQLite has no statistics unless someone runs ANALYZE, and without them it prefers the index on
# kind (every scenario check, then a sort): name the partial index. PostgreSQL's planner has
# autovacuum's statistics and picks it by itself.
SQLITE_SESSION_CHECKS_SQL = SESSION_CHECKS_SQL.replace(
    "FROM records WHERE", "FROM records INDEXED BY records_session_checks WHERE", 1)


def session_checks_sql(tx: Any) -> str:
    """The session-checks query for the backend of ``tx`` (``rewrite``: PostgreSQL's placeholders)."""
    return SESSION_CHECKS_SQL if tx.rewrite else SQLITE_SESSION_CHECKS_SQL


def central_sessions(tx: Any, amended: dict[str, dict[str, Any]],
                     staff: set[str] | None = None) -> list[dict[str, Any]]:
    """Per-session figures over every held session check (``staff``: only these people's, for a
    cohort's report); ``amended`` maps an amended record's hash to its corrected body."""
    checks = []
    for row in tx.all(session_checks_sql(tx)):
        rid, kind, schema, author, device, seq, prev, created_at, body, h, sig = row[:11]
        record = {"id": rid, "kind": kind, "schema": schema, "author": author, "device": device, "seq": seq,
                  "prev": prev, "created_at": created_at, "body": json.loads(body), "hash": h, "sig": sig}
        checks.append((record, amended.get(h, record["body"])))
    return session_figures(checks, staff)
