"""Deferred report facts: the push queues, :func:`catch_up` derives, every reader catches up first.

The push transaction inserts the records and, with them, one ``facts_pending`` row per record
whose report facts must be derived (each work record, and the record each amendment amends): the
queue commits with the records, so nothing accepted can be missed. :func:`catch_up` takes the
queue a chunk at a time, each chunk in its own transaction: it claims the entries (deletes them;
a rollback puts them back), derives their ``record_facts`` rows with one set-based statement
(``facts.derive``: the record's latest amendment applied, set-aside records left out) and folds
the summary changes that makes. On PostgreSQL a transaction-scoped advisory lock lets one
catch-up (of any server instance, or a reader) run at a time, so no entry is derived twice and a
set-aside (``exclusions.exclude``, which takes the same lock) cannot interleave with a
derivation. A record and its amendment pushed at the same moment by two devices are both queued,
and whichever catch-up claims the later entry sees both.

**Facts are caught up before any report is read**, not at commit: every reader of the facts
(the governance report and so the web view, ``verify``'s fact check, ``quarantine-invalid``,
``bench.central_load.bulk_insert``) calls :func:`catch_up` first and reads after it returns.
The server's :class:`CatchUpWorker` catches up in the background ~0.5 s after the last push (at
once when the queue passes ~20,000 entries), so a reader seldom finds much to do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("governance_store")

LOCK = 727_003  # PostgreSQL advisory lock of the catch-up (the migration lock is 727_001, the fold's 727_002)
CHUNK = 5000
DELAY_S = 0.5
HIGH_WATER = 20_000

SQLITE = "CREATE TABLE IF NOT EXISTS facts_pending (id INTEGER PRIMARY KEY, hash TEXT NOT NULL);\n"
POSTGRES = "CREATE TABLE IF NOT EXISTS facts_pending (id BIGSERIAL PRIMARY KEY, hash TEXT NOT NULL);\n"


def queue(tx: Any, hashes: list[str]) -> None:
    """Queue ``hashes`` (records whose facts are to be derived) in the inserting transaction."""
    if not hashes:
        return
    if tx.rewrite:  # one statement for the batch (tx.conn: a list parameter)
        tx.conn.execute("INSERT INTO facts_pending (hash) SELECT unnest(%s::text[])", (hashes,))
    else:
        import json

        tx.execute("INSERT INTO facts_pending (hash) SELECT value FROM json_each(?)", (json.dumps(hashes),))


def pending(central: Any) -> int:
    """How many queue entries wait for a catch-up."""
    with central.reading() as tx:
        return tx.one("SELECT COUNT(*) FROM facts_pending")[0]


def lock(tx: Any) -> None:
    """Hold the catch-up's lock until ``tx`` ends (PostgreSQL; SQLite has one writer anyway)."""
    if tx.rewrite:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (LOCK,))


def _claim(tx: Any, chunk: int) -> list[str]:
    if tx.rewrite:
        return [h for (h,) in tx.all("DELETE FROM facts_pending WHERE id IN (SELECT id FROM facts_pending"
                                     " ORDER BY id LIMIT ?) RETURNING hash", (chunk,))]
    rows = tx.all("SELECT id, hash FROM facts_pending ORDER BY id LIMIT ?", (chunk,))
    if rows:
        tx.execute("DELETE FROM facts_pending WHERE id <= ?", (rows[-1][0],))
    return [h for _, h in rows]


def catch_up(central: Any, chunk: int = CHUNK) -> int:
    """Derive the facts of every queued record (committed when this is called); returns how
    many queue entries this call took. Cheap when the queue is empty (one read). A store made
    before the fact table keeps its queue until ``facts.ensure_facts`` installed it."""
    from sync.central.facts import derive
    from sync.central.summary import fold_tx

    with central.reading() as tx:
        if tx.one("SELECT 1 FROM facts_pending LIMIT 1") is None:
            return 0
        if tx.one("SELECT 1 FROM meta WHERE key = 'facts_version'") is None:
            return 0
    taken = 0
    while True:
        with central.transaction() as tx:
            lock(tx)
            claimed = _claim(tx, chunk)
            if claimed:
                derive(tx, claimed)
                if central.summary_ready:
                    fold_tx(tx)
        taken += len(claimed)
        if len(claimed) < chunk:
            return taken


class CatchUpWorker:
    """Catches up in a background thread ``delay`` seconds after the last push it was told of,
    or at once when more than ``high_water`` entries were queued since the last catch-up."""

    def __init__(self, central: Callable[[], Any], delay: float = DELAY_S, high_water: int = HIGH_WATER):
        self.central = central  # the store to catch up, asked each time (a test may swap it)
        self.delay, self.high_water = delay, high_water
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._queued = 0
        self._last = 0.0
        self._stopping = False
        self._thread: threading.Thread | None = None

    def queued(self, count: int) -> None:
        """A push queued ``count`` entries (called after its commit)."""
        if count <= 0:
            return
        with self._lock:
            if self._stopping:
                return
            self._queued += count
            self._last = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="facts-catch-up", daemon=True)
                self._thread.start()
        self._wake.set()

    def _due_in(self) -> float:
        with self._lock:
            if self._queued >= self.high_water:
                return 0.0
            return self._last + self.delay - time.monotonic()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            while not self._stopping and (wait := self._due_in()) > 0:
                time.sleep(min(wait, self.delay))
            if self._stopping:
                return
            with self._lock:
                self._wake.clear()
                self._queued = 0
            try:
                catch_up(self.central())
            except Exception:  # a reader catches up anyway; the next push wakes this again
                log.exception("background catch-up of the report facts failed")

    def stop(self) -> None:
        """Stop the thread (after the catch-up it may be running); the queue stays for readers."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(30)
