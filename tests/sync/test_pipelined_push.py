"""Pipelined pushes (``sync.central.turns``): a laptop sends its next batch before the answer
to the one before; the central store writes them in seq order, each batch in its own
transaction, every record verified before its batch commits. Both backends."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from storage.demo import bulk_items
from sync.central import open_central, turns
from sync.central.base import CentralError
from sync.client import sync_store
from tests.export.test_central import central_url  # noqa: F401  (fixture)
from tests.export.test_fact_table import laptop  # noqa: F401  (fixture)
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)
from tests.sync.helpers import enrol, enrol_direct, make_laptop, own_hashes, own_records

NOW = dt.datetime(2026, 9, 8, 12, 0, tzinfo=dt.UTC)




def test_a_batch_sent_ahead_waits_for_the_one_before(central_url, laptop, monkeypatch):  # noqa: F811
    monkeypatch.setattr(turns, "GRACE_S", 10.0)  # the batch before arrives late on a busy machine
    laptop.append_many(list(bulk_items(laptop, 140, NOW, seed=3)))
    records = own_records(laptop)
    c = open_central(central_url)
    try:
        info = enrol_direct(c, laptop)
        second: dict = {}
        ahead = threading.Thread(target=lambda: second.update(outcome=c.push(info, records[70:], pipelined=True)))
        ahead.start()  # reaches the store first, starts beyond the head: waits its turn
        first = c.push(info, records[:70])
        ahead.join(30)
        assert [f.status for f in first.fates] == ["accepted"] * 70
        assert [f.status for f in second["outcome"].fates] == ["accepted"] * (len(records) - 70)
        assert c.head(info.device)[0] == len(records)
    finally:
        c.close()


def test_a_batch_sent_ahead_of_nothing_is_answered_gap_and_writes_nothing(central_url, laptop):  # noqa: F811
    laptop.append_many(list(bulk_items(laptop, 20, NOW, seed=4)))
    records = own_records(laptop)
    c = open_central(central_url)
    try:
        info = enrol_direct(c, laptop)
        outcome = c.push(info, records[10:], pipelined=True)  # the batch before never comes
        assert {f.status for f in outcome.fates} == {"gap"} and outcome.resume_from == 1
        assert c.count() == 0
        outcome = c.push(info, records[:10], pipelined=True)  # starts at the head: no wait
        assert [f.status for f in outcome.fates] == ["accepted"] * 10
    finally:
        c.close()


def test_a_pipelined_batch_with_hostile_seqs_is_refused_whole_with_a_reason(central_url, laptop):  # noqa: F811
    laptop.append_many(list(bulk_items(laptop, 3, NOW, seed=5)))
    records = own_records(laptop)
    no_seq = {k: v for k, v in records[1].items() if k != "seq"}
    text_seq = {**records[2], "seq": "3"}
    c = open_central(central_url)
    try:
        info = enrol_direct(c, laptop)
        with pytest.raises(CentralError) as refused:  # the API answers it 400 with this reason
            c.push(info, [records[0], no_seq, text_seq], pipelined=True)
        assert refused.value.status == 400
        assert "records[1]: missing field(s): seq" in str(refused.value)
        assert "records[2]: seq: must be a positive integer" in str(refused.value)
        assert c.count() == 0
    finally:
        c.close()


@pytest.mark.parametrize("batch_size", [7, 250])
def test_a_pipelined_sync_holds_every_record_once_and_never_resends(server, central, tmp_path, batch_size):
    store = make_laptop(tmp_path / "laptop", records=600)
    enrol(store, central, server.url)
    messages: list[str] = []
    result = sync_store(store, progress=lambda p: messages.append(p.message), batch_size=batch_size)
    assert result.ok and result.accepted == 600 and result.duplicates == 0, result.message
    assert not [m for m in messages if "resending" in m or "retrying" in m]
    # the first batches are read alone and sent; the count and the last progress cover all 600
    assert messages[0] == "600 record(s) to send" and "sent 600 of 600" in messages
    assert sorted(r["hash"] for r in central.records()) == sorted(own_hashes(store))
    assert store.unsynced_count() == 0
    assert central.verify().ok
