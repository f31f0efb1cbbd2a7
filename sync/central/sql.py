"""SQL pieces the central store's modules share: an SQL script split into its statements
(SQLite's own notion of a complete statement), and ``LIVE``, the condition every reader of
``records`` that serves evidence adds (records set aside by ``sync.central.exclusions`` are
left out)."""

from __future__ import annotations

import sqlite3

LIVE = "hash NOT IN (SELECT hash FROM record_exclusions)"
LIVE_R = "r.hash NOT IN (SELECT hash FROM record_exclusions)"  # the same, for a query aliasing records as r


def _statements(sql: str) -> list[str]:
    out, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    return out
