"""The push queues the report's facts in its own transaction and readers catch them up first
(``sync.central.catchup``, issue 16); it checks signatures while it checks and writes the batch:
on SQLite and PostgreSQL,

* after pushes in batches of every size, amendments arriving before, with and after the records
  they amend, ``record_facts`` read as every reader reads it (caught up first) equals a full
  recomputation (the SQL over every record and the Python reference ``fact_from_record``), and
  the summary tables equal their sums (each catch-up folds what it derives);
* a batch holding one record with a bad signature commits nothing of that record (no row, fact,
  stamp, quarantine or queue entry), and every fate is exactly what deciding with the signatures
  verified first gives.
"""

from __future__ import annotations

import datetime as dt

import pytest

from storage.demo import bulk_items, load_story
from storage.demo_roster import COHORT_NAMES, demo_roster
from supervisor_tui.model.checks import Verifier, evaluate_batch
from sync.central import open_central
from sync.central.catchup import pending
from sync.central.facts import COLUMNS, postgres_select, sqlite_select
from sync.central.stamps import Stamper
from tests.export.test_central import central_url  # noqa: F401  (fixture)
from tests.export.test_fact_table import (  # noqa: F401
    _amended_twice,
    comparable,
    expected_facts,
    laptop,
    table_facts,
)
from tests.export.test_summary import summaries
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)
from tests.sync.helpers import enrol_direct, own_records

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def recomputed(c) -> dict[str, dict]:
    """Every fact row derived afresh from all held records (the backfill's statement)."""
    with c.reading() as tx:
        select = postgres_select("true") if tx.rewrite else sqlite_select("true")
        rows = tx.conn.execute(select).fetchall()
    return {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows}




@pytest.mark.parametrize("batch", [1, 2, 7, 1000])
def test_facts_equal_a_full_recomputation_after_pushes_with_amendments(central_url, laptop, batch):  # noqa: F811
    load_story(laptop, NOW - dt.timedelta(days=31))
    laptop.append_many(list(bulk_items(laptop, 60, NOW, seed=3)))
    _amended_twice(laptop)  # two amendments of one note, pushed after it (in the same batch or not)
    records = own_records(laptop)
    assert any(r["kind"] == "amendment" for r in records)
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        info = enrol_direct(c, laptop)
        for start in range(0, len(records), batch):
            outcome = c.push(info, records[start:start + batch])
            assert {f.status for f in outcome.fates} == {"accepted"}
        assert pending(c) > 0  # queued at commit, derived before any reader reads them
        table = table_facts(c)  # catches up first, as every reader does
        assert pending(c) == 0
        with c.reading() as tx:  # each catch-up folds what it derives
            assert tx.one("SELECT COUNT(*) FROM fact_changes")[0] == 0
        assert table == recomputed(c)
        assert comparable(table) == expected_facts(c.records())
        held, fresh = summaries(c)  # folds first (PostgreSQL), then compares with the sums
        assert held == fresh and held["fact_weekly"]
    finally:
        c.close()


def test_an_amendment_in_the_batch_of_the_record_it_amends(central_url, laptop):  # noqa: F811
    amended = _amended_twice(laptop)
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        c.push(enrol_direct(c, laptop), amended)
        (row,) = table_facts(c).values()
        assert row["staff_id"] == "S009" and row["outcome"] == "compliant" and row["missing"] is None
        assert table_facts(c) == recomputed(c)
    finally:
        c.close()


def _held(c) -> dict[str, set]:
    with c.reading() as tx:
        held = {t: {r[0] for r in tx.all(f"SELECT hash FROM {t}")}
                for t in ("records", "record_facts", "record_stamps", "quarantine", "facts_pending")}
        held["stamped"] = {r[0] for r in tx.all("SELECT hash FROM records WHERE stamp IS NOT NULL")}
        return held


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
@pytest.mark.parametrize("bad_at", [0, 5, 69])
def test_a_bad_signature_commits_nothing_of_its_record_and_keeps_the_fates(central_url, laptop, bad_at,  # noqa: F811
                                                                           processes):
    laptop.append_many(list(bulk_items(laptop, 70, NOW, seed=5)))  # over 64: verified on the pool
    records = own_records(laptop)
    other = records[(bad_at + 1) % len(records)]["sig"]
    records[bad_at] = dict(records[bad_at], sig=other)  # hash intact, signature of another record
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        c.stamper = Stamper(b"k" * 32)
        info = enrol_direct(c, laptop)
        expected = evaluate_batch(records, info.device, info.supervisor, info.public_key, (0, ""), {}, Verifier())
        outcome = c.push(info, records, Verifier(processes=processes))  # processes: as the server does
        assert [f.as_json() for f in outcome.fates] == [f.as_json() for f in expected.fates]
        assert outcome.fates[bad_at].status == "rejected" and outcome.fates[bad_at].reason == "bad signature"
        assert all(f.status == "accepted" for f in outcome.fates[:bad_at])
        assert all(f.status == "rejected" and f.reason == f"follows a rejected record (seq {bad_at + 1})"
                   for f in outcome.fates[bad_at + 1:])
        held = _held(c)
        bad = records[bad_at]["hash"]
        assert all(bad not in hashes for hashes in held.values())
        assert held["records"] == {r["hash"] for r in records[:bad_at]} == held["stamped"]
        assert held["facts_pending"] <= held["records"]  # queued with the batch, nothing of the bad record
        assert not held["record_stamps"]  # push stamps in the row
        assert c.head(info.device) == ((bad_at, records[bad_at - 1]["hash"]) if bad_at else (0, ""))
        assert table_facts(c) == recomputed(c)
        # resent with its real signature, the record and the rest are accepted
        records[bad_at] = own_records(laptop)[bad_at]
        again = c.push(info, records)
        assert [f.status for f in again.fates] == ["duplicate"] * bad_at + ["accepted"] * (len(records) - bad_at)
    finally:
        c.close()


def test_opening_a_store_drops_the_old_fact_triggers(central_url, laptop):  # noqa: F811
    """A store made when row triggers filled ``record_facts`` loses them on open (the push
    derives the facts now; a trigger left behind would derive them twice per record)."""
    c = open_central(central_url)
    with c.transaction() as tx:
        if tx.rewrite:
            tx.conn.execute("CREATE FUNCTION records_facts_refresh() RETURNS trigger LANGUAGE plpgsql AS"
                            " $$ BEGIN RETURN NULL; END; $$")
            tx.conn.execute("CREATE TRIGGER records_facts AFTER INSERT ON records FOR EACH ROW"
                            " EXECUTE FUNCTION records_facts_refresh()")
        else:
            for name in ("records_facts_work", "records_facts_amend"):
                tx.execute(f"CREATE TRIGGER {name} AFTER INSERT ON records BEGIN SELECT 1; END")
    c.close()
    c = open_central(central_url)
    try:
        with c.reading() as tx:
            if tx.rewrite:
                left = tx.all("SELECT tgname FROM pg_trigger WHERE tgname = 'records_facts'")
            else:
                left = tx.all("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'records_facts%'")
        assert left == []
        c.push(enrol_direct(c, laptop), _amended_twice(laptop))
        assert table_facts(c) == recomputed(c) and len(table_facts(c)) == 1
    finally:
        c.close()
