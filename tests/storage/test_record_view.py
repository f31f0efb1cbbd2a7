"""record_view: one record with its amendments, its verification and its sync state."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from storage.demo import ensure_demo_roster, load_story
from storage.record_view import record_view
from storage.store import Store
from supervisor_tui.model.canonical import canonical_bytes

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def story(tmp_path) -> Store:
    store = Store(tmp_path)
    store.init_profile("SUP01", "Alex Morgan")
    ensure_demo_roster(store)
    load_story(store, now=NOW)
    yield store
    store.close()


def test_amended_record_lists_its_amendment_and_the_amendment_points_back(story: Store) -> None:
    amendment = story.records(kind="amendment")[0]
    original_hash = amendment["body"]["amends"]
    view = record_view(story, original_hash)
    assert view is not None
    assert view["record"]["hash"] == original_hash
    assert [a["hash"] for a in view["amendments"]] == [amendment["hash"]]
    assert view["amends"] is None
    assert view["problems"] == [] and view["synced"] is None and view["own"] is True

    back = record_view(story, amendment["hash"])
    assert back["amends"]["hash"] == original_hash and back["amendments"] == []


def test_sync_receipt_shows_where_the_record_is_held(story: Store) -> None:
    record = story.records(kind="shadow_escalation")[0]
    with story.write() as conn:
        conn.execute("INSERT INTO sync_receipt_texts (id, receipt) VALUES (1, '{}')")
        conn.execute("INSERT INTO sync_receipts VALUES (?, ?, ?, 1)",
                     (record["hash"], "2026-11-02T10:00:00Z", "https://gov.example"))
    view = record_view(story, record["hash"])
    assert view["synced"] == {"accepted_at": "2026-11-02T10:00:00Z", "server": "https://gov.example"}


def test_a_record_that_does_not_verify_says_why(story: Store) -> None:
    forged = copy.deepcopy(story.records(kind="shadow_escalation")[0])
    forged["body"]["learning_note"] = "changed after signing"
    forged.update(device="dev-elsewhere", seq=1, prev="", id="0194f000-0000-7000-8000-999999999999",
                  hash="f" * 64)
    with story.write():
        story.insert_signed(forged, canonical_bytes(forged["body"]).decode())
    view = record_view(story, "f" * 64)
    assert "hash mismatch" in view["problems"]
    assert any("unknown device key" in p for p in view["problems"])
    assert view["own"] is False


def test_unknown_hash_is_none(story: Store) -> None:
    assert record_view(story, "0" * 64) is None

