"""PostgreSQL backend of the central store (psycopg 3), safe for several server instances.

Connections are kept in a small pool. A push locks its device's row (``SELECT ... FOR UPDATE``)
so two instances receiving the same device's batches serialise; other devices proceed in parallel.
Schema creation is guarded by a transaction-scoped advisory lock.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from sync.central import catchup, exclusions, schema, stamps, summary, web_tables
from sync.central import facts as _facts
from sync.central.base import CentralStore, Tx
from sync.central.rows import INSERT_COLUMNS
from sync.central.turns import Turns

_MIGRATE_LOCK = 727_001


class PostgresCentral(CentralStore):
    def __init__(self, url: str, pool_size: int = 8):
        self.url = url
        self._pool: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._size = pool_size
        self.turns = Turns()
        with self.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATE_LOCK,))
            exists = tx.one("SELECT to_regclass('records') IS NOT NULL")[0]
            if not exists:
                tx.conn.execute(schema.POSTGRES)
                tx.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                           (str(schema.SCHEMA_VERSION),))
                tx.conn.execute(summary.POSTGRES)
                tx.execute("INSERT INTO meta VALUES ('summary_version', ?) ON CONFLICT DO NOTHING",
                           (summary.SUMMARY_VERSION,))
            elif not tx.one("SELECT to_regclass('record_stamps') IS NOT NULL")[0]:
                tx.conn.execute(stamps.TABLE)
            stamps.ensure_column(tx)
            if not tx.one("SELECT to_regclass('record_exclusions') IS NOT NULL")[0]:
                tx.conn.execute(exclusions.TABLE)
            if not tx.one("SELECT to_regclass('access_log') IS NOT NULL")[0]:
                tx.conn.execute(web_tables.POSTGRES)
            if not tx.one("SELECT to_regclass('facts_pending') IS NOT NULL")[0]:
                tx.conn.execute(catchup.POSTGRES)
            facts = tx.one("SELECT to_regclass('record_facts') IS NOT NULL")[0]
            if facts and tx.one(_facts.HAS_TRIGGER_PG):  # facts are derived by the push now
                tx.conn.execute(_facts.DROP_TRIGGERS_PG)
        if facts:  # a store made before the fact table gets both on its first report
            summary.ensure_summary(self)

    def _get(self) -> psycopg.Connection:
        try:
            conn = self._pool.get_nowait()
            if not conn.closed:
                return conn
        except queue.Empty:
            pass
        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        # No JIT compilation: the store's queries are short index lookups whose cost estimates can
        # still pass jit_above_cost (a pull's plan on a 1M-record store: 1.5 s compiling, 0.6 s
        # running it; the report and the history gain nothing from it either)
        conn.execute("SET jit = off")
        return conn

    def _put(self, conn: psycopg.Connection) -> None:
        if conn.closed or conn.broken or self._pool.qsize() >= self._size:
            conn.close()
        else:
            self._pool.put(conn)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._get()
        try:
            with conn.transaction():
                yield Tx(conn, rewrite=True)
        except psycopg.OperationalError:
            conn.close()
            raise
        finally:
            self._put(conn)

    def lock_device(self, tx: Tx, device: str) -> None:
        tx.execute("SELECT device FROM devices WHERE device = ? FOR UPDATE", (device,))

    def insert_records(self, tx: Tx, rows: list[tuple]) -> None:
        """COPY: one round trip for the batch instead of one statement per row."""
        with tx.conn.cursor() as cur, cur.copy(f"COPY records ({', '.join(INSERT_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def insert_quarantine(self, tx: Tx, rows: list[tuple]) -> None:
        tx.executemany("INSERT INTO quarantine (device, seq, hash, reason, record, received_at)"
                       " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING", rows)

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return
