"""The fast roster overview gives the same answers as the full projection (staff_status)."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.demo import bulk_items, ensure_demo_roster, load_story
from storage.overview import roster_overview, staff_detail
from storage.store import Store

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("overview"))
    store.init_profile("SUP01", "Alex Morgan")
    ensure_demo_roster(store, 30)
    load_story(store, now=NOW)
    store.append_many(bulk_items(store, 1500, NOW + dt.timedelta(days=2)))
    yield store
    store.close()


def _summary(status: dict) -> dict:
    open_pathways = {p["pathway_id"]: sorted(p["unmet"]) for p in status["pathways"]
                     if p["status"] == "open"}
    codes = sorted({c for r in status["restrictions"] if r["status"] == "active" for c in r["codes"]})
    return {"state": status["state"], "next_due": status["next_due"], "overdue": status["overdue"],
            "open": open_pathways, "codes": codes}


@pytest.mark.parametrize("days", [-30, -10, 0, 8, 20, 60])
def test_overview_matches_staff_status(demo_store: Store, days: int) -> None:
    today = NOW.date() + dt.timedelta(days=days)
    rows = roster_overview(demo_store, today)
    assert len(rows) == 30
    states = set()
    for row in rows:
        expected = _summary(demo_store.status(row.staff_id, today))
        got = {"state": row.state, "next_due": row.next_due, "overdue": row.overdue,
               "open": {p["pathway_id"]: sorted(p["unmet"]) for p in row.open_pathways},
               "codes": row.codes}
        assert got == expected, row.staff_id
        states.add(row.state)
    if days == 0:
        assert {"restricted", "in_progress", "validated", "none"} <= states


def test_overview_filters_by_cohort(demo_store: Store) -> None:
    rows = roster_overview(demo_store, NOW.date(), cohort="new-starters")
    assert rows and {r.cohort for r in rows} == {"new-starters"}


def test_staff_detail_matches_status(demo_store: Store) -> None:
    for sid in ("S001", "S007", "S013", "S020"):
        detail = staff_detail(demo_store, sid, NOW.date())
        status = demo_store.status(sid, NOW.date())
        assert [p["pathway_id"] for p in detail["pathways"]] == [p["pathway_id"] for p in status["pathways"]]
        assert detail["scenarios"] == status["scenarios"]
        for mine, theirs in zip(detail["pathways"], status["pathways"], strict=True):
            if theirs["status"] == "open":
                assert sorted(mine["unmet"]) == sorted(theirs["unmet"])
    assert staff_detail(demo_store, "NOPE", NOW.date()) is None


def test_fast_unsynced_count_matches_store(demo_store: Store) -> None:
    from storage.overview import unsynced_count

    assert unsynced_count(demo_store) == demo_store.unsynced_count() > 0
    some = demo_store.records()[:5]
    with demo_store.write() as conn:
        conn.execute("INSERT INTO sync_receipt_texts (id, receipt) VALUES (1, '{}')")
        for r in some:
            conn.execute("INSERT INTO sync_receipts VALUES (?, '2026-11-02T09:00:00Z', 'test', 1)",
                         (r["hash"],))
    assert unsynced_count(demo_store) == demo_store.unsynced_count()


def test_timeline_page_matches_records_touching(demo_store: Store) -> None:
    from storage.overview import timeline_page

    for sid in ("S001", "S007", "S013", "S024"):
        expected = list(reversed(demo_store.records_touching(sid)))
        first, total = timeline_page(demo_store, sid, 0, 10)
        rest, _ = timeline_page(demo_store, sid, 10, 10_000)
        assert total == len(expected)
        assert [r["hash"] for r in first + rest] == [r["hash"] for r in expected]
