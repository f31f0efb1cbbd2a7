"""Property: any interleaving of pushes, lost replies, retries and laptop crashes converges to
the same central set as one clean sync (each record once, nothing quarantined, verify passes)."""

from __future__ import annotations

import shutil
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import sync_state
from storage.store import Store
from sync.central import open_central
from sync.client import sync_store
from sync.transport import Transport
from tests.sync.conftest import new_db_url
from tests.sync.helpers import DropProxy, assert_converged, make_laptop

LAPTOPS, RECORDS = 3, 14


class Crash(Exception):
    """The laptop died in the middle of a sync."""


step = st.one_of(
    st.tuples(st.just("push"), st.integers(0, LAPTOPS - 1), st.integers(0, RECORDS - 1),
              st.integers(1, 6)),
    st.tuples(st.just("sync"), st.integers(0, LAPTOPS - 1), st.integers(0, 4)),
    st.tuples(st.just("drop"), st.integers(0, LAPTOPS - 1), st.integers(1, 2)),
)


@pytest.fixture
def templates(tmp_path, server):
    """Laptops enrolled once; each example works on fresh copies of their directories."""
    homes = []
    for i in range(LAPTOPS):
        store = make_laptop(tmp_path / f"template{i}", f"SUP0{i}", records=RECORDS, seed=i, team=f"T{i}")
        p = store.require_profile()
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        homes.append((tmp_path / f"template{i}", p))
    return homes


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_any_interleaving_converges(steps, server, templates, tmp_path_factory, request, db_url):
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    work = tmp_path_factory.mktemp("example")
    central = open_central(new_db_url(backend, work, request))
    previous, server.central = server.central, central
    laptops = []
    try:
        for template, p in templates:
            home = work / f"laptop-{uuid.uuid4().hex[:6]}"
            shutil.copytree(template, home)
            laptops.append(Store(home))
            central.enrol(central.create_token(p.supervisor), p.device, p.supervisor,
                          laptops[-1].key.public_key_hex)
        for op in steps:
            _apply(op, laptops, server)
        for store in laptops:  # the clean end-of-shift sync
            result = sync_store(store, server.url, batch_size=5)
            assert result.ok, result.message
        assert_converged(central, *laptops)
        assert central.quarantined() == []
    finally:
        server.central = previous
        central.close()
        for store in laptops:
            store.close()


def _apply(op: tuple, laptops: list[Store], server) -> None:
    store = laptops[op[1]]
    if op[0] == "push":  # a push whose answer never reaches the laptop
        _, _, start, length = op
        own = sync_state.own_records_from(store, 1)[start:start + length]
        with Transport(server.url, store.key, store.require_profile().device) as t:
            t.call("POST", "/v1/push", {"records": own})
    elif op[0] == "sync":  # a sync that crashes after some progress reports
        crash_after = op[2]
        calls = []

        def progress(_p) -> None:
            calls.append(1)
            if len(calls) > crash_after:
                raise Crash()

        try:
            sync_store(store, server.url, progress, batch_size=4)
        except Crash:
            pass
    else:  # replies cut after the server committed; the client retries
        proxy = DropProxy(server.port)
        proxy.drop_replies = op[2]
        try:
            assert sync_store(store, proxy.url, batch_size=4).ok
        finally:
            proxy.close()
