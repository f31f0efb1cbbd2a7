"""Deferred report facts (``sync.central.catchup``, issue 16): the push queues, readers catch up.

On SQLite and PostgreSQL:

* a report read right after pushes (nothing waited for, the queue still full), with amendments
  and set-asides among them, equals the reference report computed from the records, and the
  fact table then equals a full recomputation: facts are *caught up before any report is read*;
* the same through a real server: a report read the moment a laptop's sync returns;
* the server's background worker empties the queue without any reader;
* two catch-ups at once (two server instances) take each queue entry exactly once;
* a catch-up that fails leaves its chunk queued (claimed and derived in one transaction);
* verify does not report a record queued after it caught up, and still reports a tampered row.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from storage.demo import bulk_items, load_story
from storage.demo_roster import COHORT_NAMES, demo_roster
from sync.central import open_central
from sync.central.catchup import catch_up, pending
from sync.central.exclusions import exclude
from sync.central.export import central_report
from sync.client import sync_store
from tests.export.test_central import central_url  # noqa: F401  (fixture)
from tests.export.test_fact_table import (  # noqa: F401
    _amended_twice,
    comparable,
    expected_facts,
    laptop,
    reference,
    table_facts,
)
from tests.export.test_summary import summaries
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)
from tests.sync.helpers import ThreadServer, enrol, enrol_direct, own_records
from tests.sync.test_push_facts import recomputed

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def c(central_url):  # noqa: F811
    """A central store on either backend, with the demo roster."""
    store = open_central(central_url)
    store.import_roster(demo_roster(24), COHORT_NAMES)
    yield store
    store.close()


def _story(laptop) -> list[dict]:  # noqa: F811
    """The story, 200 bulk records, a note amended twice, 40 more records after it."""
    load_story(laptop, NOW - dt.timedelta(days=31))
    laptop.append_many(list(bulk_items(laptop, 200, NOW, seed=3)))
    _amended_twice(laptop)
    laptop.append_many(list(bulk_items(laptop, 40, NOW, seed=9)))
    return own_records(laptop)


def _same_report(c) -> None:
    """A report read now (it catches up first) equals the reference from the records."""
    fast = central_report(c, NOW.date(), incidents=[])
    slow = reference(c, NOW.date(), (), fast["generated_at"])
    for a, b in zip(fast["cohorts"], slow["cohorts"], strict=True):
        assert {k: v for k, v in a.items() if a[k] != b[k]} == {k: v for k, v in b.items() if a[k] != b[k]}
    assert fast == slow


def test_a_report_read_right_after_pushes_equals_a_full_recomputation(c, laptop):  # noqa: F811
    records = _story(laptop)
    amendments = [i for i, r in enumerate(records) if r["kind"] == "amendment"]
    info = enrol_direct(c, laptop)
    c.push(info, records[:100])
    check = next(r for r in records[:100] if r["kind"] == "scenario_check")
    exclude(c, [(check, "test: set aside")], "IT admin")  # a work record set aside
    c.push(info, records[100:amendments[-1] + 1])
    exclude(c, [(records[amendments[-1]], "test: set aside")], "IT admin")  # an amendment set aside
    for start in range(amendments[-1] + 1, len(records), 7):
        c.push(info, records[start:start + 7])
    assert pending(c) > 0  # nothing has caught up since these pushes
    _same_report(c)
    assert pending(c) == 0
    table = table_facts(c)
    assert check["hash"] not in table
    assert table == recomputed(c)
    assert comparable(table) == expected_facts(c.records())
    held, fresh = summaries(c)
    assert held == fresh and held["fact_weekly"]
    assert c.verify(fill_stamps=False).ok


@pytest.fixture
def quiet_server(c):
    """A real server whose background catch-up waits a minute (so readers find the queue full)."""
    server = ThreadServer(c).start()
    server.app.state.api.catchup.delay = 60.0
    yield server
    server.stop()


def test_a_report_read_the_moment_a_sync_returns(quiet_server, laptop):  # noqa: F811
    _story(laptop)
    enrol(laptop, quiet_server.central, quiet_server.url)
    result = sync_store(laptop, quiet_server.url)
    assert result.ok, result.message
    c = quiet_server.central
    assert pending(c) > 0
    _same_report(c)
    assert table_facts(c) == recomputed(c)


def test_the_server_catches_up_in_the_background(c, laptop):  # noqa: F811
    laptop.append_many(list(bulk_items(laptop, 120, NOW, seed=3)))
    server = ThreadServer(c).start()
    try:
        enrol(laptop, c, server.url)
        assert sync_store(laptop, server.url).ok
        deadline = time.monotonic() + 30  # ~0.5 s after the last push, however busy the machine
        while pending(c) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pending(c) == 0
        with c.reading() as tx:
            assert tx.one("SELECT COUNT(*) FROM record_facts")[0] > 0
            assert tx.one("SELECT COUNT(*) FROM fact_changes")[0] == 0  # folded as it derived
    finally:
        server.stop()


def test_two_catch_ups_at_once_take_each_entry_once(c, central_url, laptop):  # noqa: F811
    records = _story(laptop)
    info = enrol_direct(c, laptop)
    for start in range(0, len(records), 50):
        c.push(info, records[start:start + 50])
    queued = pending(c)
    instances = [open_central(central_url), open_central(central_url)]  # two server instances
    taken: list[int] = []
    start = threading.Barrier(2)

    def run(store) -> None:
        start.wait()
        taken.append(catch_up(store, chunk=9))

    threads = [threading.Thread(target=run, args=(s,)) for s in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in instances:
        s.close()
    assert len(taken) == 2 and sum(taken) == queued and pending(c) == 0
    assert table_facts(c) == recomputed(c)
    held, fresh = summaries(c)
    assert held == fresh


def test_a_failed_catch_up_leaves_its_chunk_queued(c, laptop, monkeypatch):  # noqa: F811
    records = _story(laptop)
    c.push(enrol_direct(c, laptop), records)
    queued = pending(c)

    def broken(tx, hashes):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("sync.central.facts.derive", broken)
    with pytest.raises(RuntimeError):
        catch_up(c)
    assert pending(c) == queued
    monkeypatch.undo()
    assert catch_up(c) == queued
    assert table_facts(c) == recomputed(c)


def test_verify_passes_over_queued_records_and_finds_tampered_rows(c, laptop):  # noqa: F811
    from sync.central import fact_check

    records = _story(laptop)
    c.push(enrol_direct(c, laptop), records)
    page = c.records()
    amended = fact_check.amendments(c)
    assert fact_check.check_page(c, page, amended) == {}  # all queued: derived later
    catch_up(c)
    assert fact_check.check_page(c, page, amended) == {}
    with c.transaction() as tx:
        (victim,) = tx.one("SELECT hash FROM record_facts WHERE kind = 'scenario_check' ORDER BY hash LIMIT 1")
        tx.execute("UPDATE record_facts SET outcome = 'pass-edited' WHERE hash = ?", (victim,))
    assert list(fact_check.check_page(c, page, amended)) == [victim]
