"""``demo --records N`` at speed: a worker process generates and validates record bodies while
this process signs and appends them (signing is sequential: each record's hash chains to the
previous one). Every body still goes through ``rules.prepare_body`` against this store."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

from storage.demo import bulk_items, bulk_window
from storage.store import Store
from supervisor_tui.model.rules import prepare_body

CHUNK = 5_000


def _prepare_chunk(task: tuple[str, int, int, str, str, float]) -> list[tuple[str, dict, dt.datetime]]:
    home, first, count, now_iso, begin_iso, step_s = task
    store = Store(Path(home))
    try:
        now = dt.datetime.fromisoformat(now_iso)
        window = (dt.datetime.fromisoformat(begin_iso), dt.timedelta(seconds=step_s))
        context = store.context(now.date())
        prepared = []
        for kind, body, when in bulk_items(store, count, now, first=first, window=window):
            context.today = when.date()
            prepared.append((kind, prepare_body(kind, body, context), when))
        return prepared
    finally:
        store.close()


def _chunks(store: Store, count: int, now: dt.datetime) -> Iterator[tuple]:
    begin, step = bulk_window(store, count, now)
    for first in range(0, count, CHUNK):
        yield (str(store.home), first, min(CHUNK, count - first), now.isoformat(), begin.isoformat(),
               step.total_seconds())


def add_bulk_records(store: Store, count: int, now: dt.datetime | None = None) -> int:
    """Append ``count`` realistic signed records; returns how many were added."""
    now = now or dt.datetime.now(dt.UTC)
    store.require_profile()
    tasks = list(_chunks(store, count, now))
    store.conn.execute("PRAGMA cache_size=-65536")  # index inserts stay in memory at 100k+ records
    added = 0
    if (os.cpu_count() or 1) < 2 or len(tasks) < 2:
        for task in tasks:
            added += store.append_prepared(_prepare_chunk(task))
        return added
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        for prepared in pool.imap(_prepare_chunk, tasks):
            added += store.append_prepared(prepared)
    return added
