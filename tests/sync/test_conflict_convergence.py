"""Property: any interleaving of offline decisions on one restriction, made on three laptops and
synced in any order, leaves every laptop and the central store (both backends, a real server)
with the same state and the same conflict list."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from supervisor_tui.model.rules import RecordInvalid
from supervisor_tui.reports import projections
from sync.client import sync_store
from tests.sync.helpers import enrol, make_laptop

TODAY = dt.date(2026, 11, 20)
ACTIONS = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["continue", "extend", "lift", "sync"]),
                             st.integers(1, 20)), min_size=1, max_size=8)


@pytest.fixture
def laptops(tmp_path, server):
    stores = [make_laptop(tmp_path / f"laptop{i}", supervisor=f"SUP0{i + 1}") for i in range(3)]
    for store in stores:
        enrol(store, server.central, server.url)
    yield stores
    for store in stores:
        store.close()


def _state(records: list[dict], rid: str) -> dict:
    effective = projections.effective_records([r for r in records if r["body"].get("restriction_id") == rid])
    state = projections.restriction_states(effective)[rid].as_dict(TODAY)
    return {"status": state["status"], "expires_on": state["expires_on"], "lifted_on": state["lifted_on"],
            "conflict": sorted(s["hash"] for s in state["conflict"])}


def test_offline_decisions_converge_with_the_same_conflicts(server, laptops):
    counter = itertools.count(1)
    base = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(program=ACTIONS)
    @example(program=[(0, "extend", 5), (1, "lift", 1)])  # made offline on two laptops: a conflict
    def run(program):
        rid = f"RS-{next(counter)}"
        laptops[0].append("restriction_started", {
            "restriction_id": rid, "cohort_id": "overnight-float", "restrictions": ["paired_working"],
            "reason": "Near-miss", "incident_ref": "INC-1", "expires_on": "2026-11-25"}, now=base)
        for store in laptops:
            assert sync_store(store, server.url).ok
        for step, (who, action, days) in enumerate(program):
            store, when = laptops[who], base + dt.timedelta(hours=step + 1)
            try:
                if action == "sync":
                    assert sync_store(store, server.url).ok
                elif action == "lift":
                    store.append("restriction_lifted", {"restriction_id": rid, "reason": "Re-validated"}, now=when)
                elif action == "continue":
                    store.append("restriction_reviewed", {"restriction_id": rid, "decision": "continue",
                                                          "note": "Keep"}, now=when)
                else:
                    info = store.context(when.date()).restriction(rid)
                    new = (info.expires_on + dt.timedelta(days=days)).isoformat()
                    store.append("restriction_reviewed", {"restriction_id": rid, "decision": "extend",
                                                          "expires_on": new, "note": "More time"}, now=when)
            except RecordInvalid:
                pass  # this laptop's rules refuse it (e.g. already lifted here): nothing signed
        for _ in range(2):  # everyone pushes, then everyone has pulled everything
            for store in laptops:
                assert sync_store(store, server.url).ok
        central = _state(server.central.records(), rid)
        for store in laptops:
            assert _state(store.records(), rid) == central
        conflicts.append(bool(central["conflict"]))

    conflicts: list[bool] = []
    run()
    assert any(conflicts) and not all(conflicts)
