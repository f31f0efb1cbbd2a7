"""``demo --records N`` at speed: a worker process generates record bodies, validates each with
``rules.prepare_body`` against this store and encodes it (``bulk.encode_prepared``: id, time,
canonical body text, lookup fields), while this process signs and appends them (signing is
sequential: each record's hash chains to the previous one). Only short strings cross between the
processes, in chunks; one worker makes every chunk, so note attempt numbers carry on from one
chunk to the next."""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from storage.bulk import Encoded, append_encoded, encode_prepared
from storage.demo import bulk_items, bulk_window, held_attempts
from storage.profile import StoreError
from storage.store import Store
from supervisor_tui.model.rules import RecordInvalid, prepare_body

FIRST_CHUNK = 1_000  # small, so signing starts soon after the worker has started
CHUNK = 5_000
COMMIT_EVERY = 50_000  # records per transaction (fewer commits write each index page fewer times)

# (home, count, now, first record's window start, seconds between records)
Task = tuple[str, int, str, str, float]


def _sizes(count: int) -> Iterator[tuple[int, int]]:
    """(first, size) of each chunk of ``count`` records."""
    first = 0
    while first < count:
        size = min(FIRST_CHUNK if first == 0 else CHUNK, count - first)
        yield first, size
        first += size


def _prepared_chunks(store: Store, task: Task) -> Iterator[list[Encoded]]:
    """Each chunk's records, validated against ``store`` and encoded, in order."""
    _home, count, now_iso, begin_iso, step_s = task
    now = dt.datetime.fromisoformat(now_iso)
    window = (dt.datetime.fromisoformat(begin_iso), dt.timedelta(seconds=step_s))
    context = store.context(now.date())
    attempts = held_attempts(store)
    for first, size in _sizes(count):
        chunk = []
        for kind, body, when in bulk_items(store, size, now, first=first, window=window, attempts=attempts):
            context.today = when.date()
            chunk.append(encode_prepared(kind, prepare_body(kind, body, context), when))
        yield chunk


def _produce(task: Task, conn: Connection) -> None:
    """The worker process: send each chunk, then ``done`` (or why it could not)."""
    store = Store(Path(task[0]))
    try:
        try:
            for chunk in _prepared_chunks(store, task):
                conn.send(("records", chunk))
            message: tuple[str, Any] = ("done", None)
        except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
            return  # the signing process stopped, or Ctrl+C: it says why
        except RecordInvalid as exc:
            message = ("invalid", exc.problems)
        except Exception as exc:  # noqa: BLE001 - reported to the signing process, which stops
            message = ("failed", f"{type(exc).__name__}: {exc}")
        conn.send(message)
    except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass
    finally:
        store.close()
        conn.close()


def _received(conn: Connection) -> Iterator[Encoded]:
    while True:
        try:
            what, payload = conn.recv()
        except EOFError:
            raise StoreError("the demo's worker process stopped before it had made every record") from None
        if what == "records":
            yield from payload
        elif what == "done":
            return
        elif what == "invalid":
            raise RecordInvalid(payload)
        else:
            raise StoreError(f"the demo's worker process failed: {payload}")


def task_for(store: Store, count: int, now: dt.datetime) -> Task:
    begin, step = bulk_window(store, count, now)
    return (str(store.home), count, now.isoformat(), begin.isoformat(), step.total_seconds())


def add_bulk_records(store: Store, count: int, now: dt.datetime | None = None) -> int:
    """Append ``count`` realistic signed records; returns how many were added. The records are
    made against the store as it is now: if another process appends to this device's chain
    before they are all in, the load stops (``bulk.ChainMoved``), keeping only whole commits."""
    now = now or dt.datetime.now(dt.UTC)
    profile = store.require_profile()
    head = store._head(profile.device)  # first: a record saved after it makes the load stop
    task = task_for(store, count, now)
    store.conn.execute("PRAGMA cache_size=-65536")  # index inserts stay in memory at 100k+ records
    if (os.cpu_count() or 1) < 2 or count <= FIRST_CHUNK:
        return append_encoded(store, itertools.chain.from_iterable(_prepared_chunks(store, task)),
                              commit_every=COMMIT_EVERY, after=head)
    spawn: Any = multiprocessing.get_context("spawn")
    receiver, sender = spawn.Pipe(duplex=False)
    worker = spawn.Process(target=_produce, args=(task, sender), daemon=True, name="demo-records")
    worker.start()
    sender.close()
    try:
        return append_encoded(store, _received(receiver), commit_every=COMMIT_EVERY, after=head)
    finally:
        receiver.close()
        worker.join(5)
        if worker.is_alive():
            worker.terminate()
            worker.join()
