"""SQLite backend of the central store: one file, WAL, synchronous=FULL, temp_store=MEMORY, a
connection per thread."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sync.central import schema, stamps, summary
from sync.central.base import CentralStore, Tx
from sync.central.sql import _statements
from sync.central.turns import Turns


class SQLiteCentral(CentralStore):
    def __init__(self, path: Path, url: str):
        self.path = Path(path)
        self.url = url
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer = threading.Lock()
        self.turns = Turns()
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(schema.SQLITE):
                conn.execute(statement)
            stamps.ensure_column(Tx(conn, rewrite=False))
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(schema.SCHEMA_VERSION),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        summary.ensure_summary(self)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=60000")
            conn.execute("PRAGMA temp_store=MEMORY")  # statement journals in memory, not temp files
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._conn()
        # Writers of this process queue on a lock (woken as soon as the one before commits)
        # rather than in SQLite's busy handler, which sleeps in steps of up to 100 ms; other
        # processes still wait through busy_timeout.
        with self._writer:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn, rewrite=False)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield Tx(conn, rewrite=False)
        finally:
            conn.execute("COMMIT")

    def lock_device(self, tx: Tx, device: str) -> None:
        """BEGIN IMMEDIATE already serialises every writer."""

    def insert_quarantine(self, tx: Tx, rows: list[tuple]) -> None:
        tx.executemany("INSERT OR IGNORE INTO quarantine (device, seq, hash, reason, record, received_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()
