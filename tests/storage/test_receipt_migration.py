"""Migration 12: a store whose receipts were copied into every record's row (schema 11) keeps
every receipt after the upgrade, each held once, and the readers answer as before."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from storage import sync_state
from storage.demo import ensure_demo_roster, load_story
from storage.export import local_receipts
from storage.migrations import LATEST_VERSION
from storage.store import Store

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SERVER = "https://gov.example"
RECEIPT_A = {"accepted_at": "2026-11-02T18:00:00.000001Z", "seq": 2, "sig": "aa", "type": "receipt/v1"}
RECEIPT_B = {"accepted_at": "2026-11-03T18:00:00.000002Z", "seq": 3, "sig": "bb", "type": "receipt/v1"}


def _text(receipt: dict) -> str:
    return json.dumps(receipt, sort_keys=True, separators=(",", ":"))


def _store_at_schema_11(home: Path) -> list[str]:
    """A demo store made by this code, its receipts table put back to schema 11's shape and
    filled the way schema 11 filled it (the receipt's text in every covered record's row)."""
    store = Store(home)
    store.init_profile("SUP01", "Alex Morgan")
    ensure_demo_roster(store, 12)
    load_story(store, now=NOW)
    hashes = [r["hash"] for r in store.records()][:3]
    store.close()
    conn = sqlite3.connect(home / "store.db", isolation_level=None)
    conn.executescript("""
        BEGIN;
        DROP TABLE sync_receipts;
        DROP TABLE sync_receipt_texts;
        CREATE TABLE sync_receipts (hash TEXT PRIMARY KEY, accepted_at TEXT NOT NULL, server TEXT NOT NULL,
                                    receipt TEXT NOT NULL);
        DELETE FROM schema_migrations WHERE version >= 12;
        COMMIT;""")
    conn.executemany("INSERT INTO sync_receipts VALUES (?, ?, ?, ?)", [
        (hashes[0], RECEIPT_A["accepted_at"], SERVER, _text(RECEIPT_A)),
        (hashes[1], RECEIPT_A["accepted_at"], SERVER, _text(RECEIPT_A)),
        (hashes[2], RECEIPT_B["accepted_at"], SERVER, _text(RECEIPT_B))])
    conn.close()
    return hashes


def test_receipts_survive_the_upgrade_each_held_once(tmp_path: Path) -> None:
    hashes = _store_at_schema_11(tmp_path)
    store = Store(tmp_path)  # opening it applies migration 12
    try:
        assert store.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == LATEST_VERSION
        assert store.conn.execute("SELECT COUNT(*) FROM sync_receipt_texts").fetchone()[0] == 2
        assert local_receipts(store, hashes) == {
            hashes[0]: {"accepted_at": RECEIPT_A["accepted_at"], "server": SERVER, "receipt": RECEIPT_A},
            hashes[1]: {"accepted_at": RECEIPT_A["accepted_at"], "server": SERVER, "receipt": RECEIPT_A},
            hashes[2]: {"accepted_at": RECEIPT_B["accepted_at"], "server": SERVER, "receipt": RECEIPT_B}}
        unsent = {r["hash"] for r in sync_state.unsynced_records(store)}
        own = [r for r in store.records() if r["device"] == store.require_profile().device]
        assert not unsent & set(hashes) and len(unsent) == len(own) - 3
        # a receipt stored again (a resent batch) points to the one text held
        sync_state.save_receipts(store, hashes[:2], SERVER, RECEIPT_A)
        assert store.conn.execute("SELECT COUNT(*) FROM sync_receipt_texts").fetchone()[0] == 2
        from storage.verify import verify_store

        report = verify_store(store)
        assert report.ok, report.problems
    finally:
        store.close()


def test_verify_names_a_receipt_that_is_missing(tmp_path: Path) -> None:
    hashes = _store_at_schema_11(tmp_path)
    Store(tmp_path).close()  # upgraded; then the receipt's text is lost behind its back
    conn = sqlite3.connect(tmp_path / "store.db", isolation_level=None)  # (foreign keys not enforced)
    conn.execute("DELETE FROM sync_receipt_texts WHERE receipt = ?", (_text(RECEIPT_B),))
    conn.close()
    store = Store(tmp_path)
    try:
        from storage.verify import verify_store

        report = verify_store(store)
        assert f"the central store's receipt for record {hashes[2][:12]}… is missing here" in report.problems
    finally:
        store.close()
