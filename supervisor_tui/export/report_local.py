"""Gather the governance report from the local store, streaming records in time order.

Two passes: the amendments (few) are read first, then every other record is streamed through
``build_report`` straight from a SQLite cursor, so memory stays flat as the store grows. The
central store does the same against its own database (a server-side cursor on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from storage.store import RECORD_COLUMNS, Store
from supervisor_tui.export.report import amended_bodies, build_report


def _stream(store: Store, where: str, params: tuple = ()) -> Iterator[dict[str, Any]]:
    cursor = store.conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM records {where} ORDER BY created_at, device, seq", params)
    while True:
        rows = cursor.fetchmany(2000)
        if not rows:
            return
        for row in rows:
            record = dict(zip(RECORD_COLUMNS, row, strict=True))
            record["body"] = json.loads(record["body"])
            yield record


def local_report(store: Store, today: dt.date, cohort: str | None = None,
                 incidents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    amended = amended_bodies(_stream(store, "WHERE kind = 'amendment'"))
    roster = store.roster()
    names = {c["cohort_id"]: c["name"] for c in store.cohorts()}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return build_report(_stream(store, "WHERE kind != 'amendment'"), roster, incidents or [], today,
                        amended, cohort, names, now)
