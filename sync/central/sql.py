"""Split an SQL script into its statements (SQLite's own notion of a complete statement)."""

from __future__ import annotations

import sqlite3


def _statements(sql: str) -> list[str]:
    out, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    return out
