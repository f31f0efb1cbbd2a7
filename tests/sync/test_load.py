"""Load: 20 laptops syncing 500 records each at the same time against one server, both backends.

Each supervisor assesses their own team, so the pulls are small and the load is the pushes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sync.client import sync_store
from tests.sync.helpers import assert_converged, enrol, make_laptop

DEVICES, RECORDS = 20, 500


def test_twenty_devices_sync_concurrently(server, tmp_path):
    laptops = [make_laptop(tmp_path / f"laptop{i:02d}", f"SUP{i:02d}", records=RECORDS, seed=i,
                           team=f"T{i:02d}")
               for i in range(DEVICES)]
    for store in laptops:
        enrol(store, server.central, server.url)

    def run(store):
        return sync_store(store, batch_size=100)

    with ThreadPoolExecutor(max_workers=DEVICES) as pool:
        results = list(pool.map(run, laptops))
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]
    assert sum(r.accepted for r in results) == DEVICES * RECORDS
    assert server.central.count() == DEVICES * RECORDS
    assert_converged(server.central, *laptops)
    assert all(r.pulled == 0 for r in results)  # no shared staff: nothing to pull
    for store in laptops:
        store.close()


def test_two_server_instances_on_one_database(server, db_url, tmp_path):
    """Stateless servers: the same device pushing the same batches to two instances at once, and
    other devices syncing through either, still give each record once."""
    from sync.central import open_central
    from sync.transport import Transport
    from tests.sync.helpers import ThreadServer

    other = ThreadServer(open_central(db_url), server.key).start()
    try:
        racer = make_laptop(tmp_path / "racer", "SUP01", records=400, team="A")
        quiet = make_laptop(tmp_path / "quiet", "SUP02", records=300, team="B")
        enrol(racer, server.central, server.url)
        enrol(quiet, server.central, other.url)
        from storage import sync_state

        records = sync_state.own_records_from(racer, 1)
        batches = [records[i:i + 50] for i in range(0, len(records), 50)]

        def push_all(url: str) -> None:
            with Transport(url, racer.key, racer.require_profile().device) as t:
                for batch in batches:
                    t.call("POST", "/v1/push", {"records": batch})

        with ThreadPoolExecutor(max_workers=3) as pool:
            jobs = [pool.submit(push_all, server.url), pool.submit(push_all, other.url),
                    pool.submit(sync_store, quiet, other.url, None)]
            for job in jobs:
                job.result()
        assert sync_store(racer, other.url).ok  # receipts for what the racing pushes stored
        assert_converged(server.central, racer, quiet)
    finally:
        other.stop()
        other.central.close()
