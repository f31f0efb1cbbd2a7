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
