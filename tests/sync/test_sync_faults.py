"""End-to-end sync through a real server under the faults of issue 4, on both backends.

After each fault: nothing lost (every laptop record held centrally or still unsynced), nothing
duplicated (each record held once), and the central verify passes.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import time

import pytest

from storage import sync_state
from storage.store import Store
from sync.client import sync_store
from sync.transport import Transport
from tests.sync.helpers import (
    DropProxy,
    ProcessServer,
    assert_converged,
    central_hashes,
    enrol,
    make_laptop,
    own_hashes,
)


@pytest.fixture
def laptop(tmp_path, server):
    store = make_laptop(tmp_path / "laptop", records=120)
    enrol(store, server.central, server.url)
    yield store
    store.close()


def test_clean_sync_stores_receipts_and_a_second_sync_sends_nothing(server, laptop):
    seen = []
    result = sync_store(laptop, progress=seen.append, batch_size=50)
    assert result.ok and result.accepted == 120 and not result.rejected and not result.unreachable
    assert seen[-1].sent == seen[-1].total == 120
    assert sync_state.outbox(laptop)["unsynced"] == 0
    assert sync_state.outbox(laptop)["last_sync"]
    # each batch's receipt is held once, and it covers every record that points to it
    texts = laptop.conn.execute("SELECT COUNT(*) FROM sync_receipt_texts").fetchone()[0]
    assert texts == 3  # 120 records in batches of 50
    covered = laptop.conn.execute(
        "SELECT r.seq, t.receipt FROM sync_receipts s JOIN records r ON r.hash = s.hash"
        " JOIN sync_receipt_texts t ON t.id = s.receipt_id").fetchall()
    assert len(covered) == 120 and all(seq <= json.loads(text)["seq"] for seq, text in covered)
    again = sync_store(laptop)
    assert again.ok and again.accepted == 0
    assert_converged(server.central, laptop)


def test_same_batch_sent_twice(server, laptop):
    records = sync_state.unsynced_records(laptop)[:60]
    with Transport(server.url, laptop.key, laptop.require_profile().device) as t:
        first = t.call("POST", "/v1/push", {"records": records})
        second = t.call("POST", "/v1/push", {"records": records})
    assert (first["accepted"], second["duplicates"]) == (60, 60)
    result = sync_store(laptop)  # the laptop never stored those receipts: resent, acknowledged
    assert result.ok and (result.accepted, result.duplicates) == (60, 60)
    assert_converged(server.central, laptop)


def test_connection_dropped_mid_batch_then_retried(server, laptop):
    proxy = DropProxy(server.port)
    proxy.drop_replies = 2
    try:
        result = sync_store(laptop, proxy.url, batch_size=25)
    finally:
        proxy.close()
    assert proxy.dropped == 2
    assert result.ok and result.accepted == 120 - result.duplicates and result.duplicates >= 25
    assert_converged(server.central, laptop)


def test_server_down_is_unreachable_and_nothing_is_lost(server, laptop):
    url = server.url
    server.stop()
    result = sync_store(laptop, url, retry_budget=1.0)
    assert result.unreachable and not result.ok and "nothing was lost" in result.message
    assert laptop.unsynced_count() == 120 and server.central.count() == 0


def test_gap_after_the_central_store_lost_records(server, laptop):
    receipt = {"accepted_at": "2026-11-01T00:00:00.000000Z"}
    sync_state.save_receipts(laptop, own_hashes(laptop)[:30], server.url, receipt)  # believed synced
    result = sync_store(laptop, batch_size=40)
    assert result.ok
    assert_converged(server.central, laptop)


def test_fork_from_a_laptop_restored_from_backup(server, laptop, tmp_path):
    assert sync_store(laptop).ok
    laptop.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    backup = tmp_path / "backup"
    shutil.copytree(laptop.home, backup)
    laptop.append_many(list(_more(laptop, 10)))
    assert sync_store(laptop).ok
    restored = Store(backup)
    restored.append_many(list(_more(restored, 3, seed=99)))
    result = sync_store(restored)
    assert not result.ok and not result.unreachable
    assert [r.seq for r in result.rejected] == [121, 122, 123]
    assert all(r.reason.startswith("fork: seq") for r in result.rejected)
    quarantined = server.central.quarantined()
    assert [q["seq"] for q in quarantined] == [121, 122, 123]
    assert sync_store(restored).rejected  # resending does not duplicate the quarantine
    assert len(server.central.quarantined()) == 3
    assert_converged(server.central, laptop)
    assert restored.unsynced_count() == 3  # kept on the laptop for review, not lost


def test_tampered_local_record_is_rejected_and_kept(server, laptop):
    laptop.conn.execute("DROP TRIGGER records_no_update")
    device = laptop.require_profile().device
    laptop.conn.execute("UPDATE records SET body = replace(body, '\"timely\":true', '\"timely\":false')"
                        " WHERE device = ? AND seq = 50 AND kind = 'note_assessment'", (device,))
    laptop.conn.execute("UPDATE records SET created_at = '2020-01-01T00:00:00.000000Z'"
                        " WHERE device = ? AND seq = 50", (device,))
    result = sync_store(laptop, batch_size=30)
    assert not result.ok
    assert result.rejected[0].seq == 50 and "hash mismatch" in result.rejected[0].reason
    assert len(result.rejected) == 71 and result.accepted == 49
    assert len(central_hashes(server.central)) == 49 and server.central.verify().ok
    assert laptop.unsynced_count() == 71


def test_unknown_device_is_refused(server, tmp_path):
    stranger = make_laptop(tmp_path / "stranger", records=5)
    result = sync_store(stranger, server.url)
    assert not result.ok and not result.unreachable
    assert "unknown device" in result.message
    assert server.central.count() == 0 and stranger.unsynced_count() == 5


def test_revoked_device_records_are_rejected(server, laptop):
    assert sync_store(laptop).ok
    server.central.revoke(laptop.require_profile().device, "lost")
    laptop.append_many(list(_more(laptop, 4)))
    result = sync_store(laptop)
    assert not result.ok and len(result.rejected) == 4
    assert all("revoked" in r.reason for r in result.rejected)
    assert server.central.count() == 120 and server.central.verify().ok
    assert laptop.unsynced_count() == 4


def test_oversized_batch_is_split_by_the_client(server, laptop):
    laptop.append_many(list(_more(laptop, 1100)))
    result = sync_store(laptop, batch_size=5000)  # 413 from the server, then halves
    assert result.ok and result.accepted == 1220
    assert_converged(server.central, laptop)


def test_laptop_clock_three_days_wrong(server, tmp_path):
    wrong = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    store = make_laptop(tmp_path / "skewed", records=40, now=wrong)

    def clock() -> float:
        return time.time() - 3 * 86400

    token = server.central.create_token("SUP01")
    from sync.client import enrol_store

    enrol_store(store, server.url, token, clock=clock)
    result = sync_store(store, clock=clock)
    assert result.ok and result.accepted == 40
    held = server.central.records()
    assert max(r["created_at"] for r in held) <= wrong.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert_converged(server.central, store)


def test_pull_brings_roster_and_other_supervisors_records(server, tmp_path):
    from storage.demo import load_story

    a = make_laptop(tmp_path / "a", "SUP01", records=30, seed=3)
    b = make_laptop(tmp_path / "b", "SUP02")
    load_story(b, dt.datetime.now(dt.UTC))
    server.central.import_roster(a.roster() + [{"staff_id": "S999", "name": "New Starter",
                                                "role": "Care assistant", "cohort": "new-starters"}])
    for store in (a, b):
        enrol(store, server.central, server.url)
        assert sync_store(store).ok
    result = sync_store(a)
    assert result.ok and result.pulled > 0
    assert a.staff("S999") is not None
    restrictions = {r["hash"] for r in b.records() if r["kind"].startswith("restriction_")}
    assert restrictions and restrictions <= {r["hash"] for r in a.records()}
    assert a.verify().ok and a.unsynced_count() == 0
    assert sync_store(a).pulled == 0  # already held
    assert (a.home / "central-checklists.json").exists()


def test_roster_changes_reach_the_laptop_and_an_unchanged_roster_is_not_rewritten(server, tmp_path):
    a = make_laptop(tmp_path / "a", "SUP01", records=5, seed=4)
    server.central.import_roster(a.roster())
    enrol(a, server.central, server.url)
    assert sync_store(a).ok
    checklists = a.home / "central-checklists.json"
    stamp = checklists.stat().st_mtime_ns
    statements: list[str] = []
    a.conn.set_trace_callback(statements.append)
    assert sync_store(a).ok
    a.conn.set_trace_callback(None)
    assert not [s for s in statements if "staff" in s and "INSERT" in s.upper()], statements
    assert checklists.stat().st_mtime_ns == stamp  # same checklists: not rewritten
    changed = [dict(p, name="Renamed Person") if p["staff_id"] == "S001" else p for p in a.roster()]
    server.central.import_roster(changed)
    assert sync_store(a).ok
    assert a.staff("S001")["name"] == "Renamed Person"


def test_server_process_killed_mid_sync_then_restarted(db_url, tmp_path):
    server = ProcessServer(db_url, tmp_path).start()
    from sync.central import open_central

    central = open_central(db_url)
    store = make_laptop(tmp_path / "laptop", records=1500)
    try:
        enrol(store, central, server.url)
        killed = threading.Event()

        def restart() -> None:
            time.sleep(1.0)
            server.start()

        def progress(p) -> None:
            if p.sent >= 300 and not killed.is_set():
                killed.set()
                server.kill()
                threading.Thread(target=restart, daemon=True).start()

        result = sync_store(store, progress=progress, batch_size=100)
        assert killed.is_set()
        assert result.ok, result.message
        assert_converged(central, store)
    finally:
        server.stop()
        central.close()
        store.close()


def _more(store, count: int, seed: int = 11):
    from storage.demo import bulk_items

    return bulk_items(store, count, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), seed=seed)




