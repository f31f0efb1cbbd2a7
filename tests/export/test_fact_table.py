"""The central ``record_facts`` table (SQLite and PostgreSQL, caught up as readers do) against the facts
derived from the JSON bodies (``facts.fact_from_record``), amendments in any arrival order, the
one-time backfill of a store made before the table, and the database-aggregated report against
the reference ``build_report`` on demo data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench.central_load import bulk_insert
from storage.demo import bulk_items, load_story
from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.store import Store
from supervisor_tui.reports.facts import WORK_KINDS, fact_from_record
from supervisor_tui.reports.report import amended_bodies, build_report, week_of
from sync.central import open_central
from sync.central.catchup import catch_up
from sync.central.export import central_report, central_report_streamed
from sync.central.facts import COLUMNS, ensure_facts
from tests.export.dataset import TODAY, at, note
from tests.export.test_central import central, central_url, push_all  # noqa: F401  (fixtures)
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)


def table_facts(c) -> dict[str, dict]:
    """The fact table as a reader reads it: caught up first (``sync.central.catchup``)."""
    catch_up(c)
    with c.reading() as tx:
        rows = tx.all(f"SELECT {', '.join(COLUMNS)} FROM record_facts")
    return {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows}


def expected_facts(records: list[dict]) -> dict[str, dict]:
    """What the table must hold: ``fact_from_record`` of each work record's effective body."""
    ordered = sorted(records, key=lambda r: (r["created_at"], r["device"], r["seq"]))
    amended = amended_bodies(r for r in ordered if r["kind"] == "amendment")
    out = {}
    for r in ordered:
        if r["kind"] not in WORK_KINDS:
            continue
        f = fact_from_record(r, amended.get(r["hash"], r["body"]))
        out[f.hash] = {"hash": f.hash, "kind": f.kind, "created_at": f.created_at, "device": f.device,
                       "seq": f.seq, "week": week_of(f.created_at), "staff_id": f.staff_id,
                       "scenario_id": f.scenario_id, "outcome": f.outcome if f.kind != "shadow_escalation" else None,
                       "review": f.review, "sequence": f.sequence,
                       "missing": list(f.missing) if f.missing else None, "shift_date": f.shift_date,
                       "shift": f.shift, "agreed": int(f.agreed)}
    return out


def comparable(table: dict[str, dict]) -> dict[str, dict]:
    out = {}
    for h, row in table.items():
        row = {k: v for k, v in row.items() if k not in ("standard_id", "standard_version")}
        row["missing"] = json.loads(row["missing"]) if row["missing"] else None
        out[h] = row
    return out


def test_trigger_facts_equal_the_json_facts(central):  # noqa: F811
    table = table_facts(central)
    assert comparable(table) == expected_facts(central.records())
    kinds = {row["kind"] for row in table.values()}
    assert kinds == set(WORK_KINDS)
    amended = next(r for r in table.values() if r["staff_id"] == "S008")
    assert amended["outcome"] == "compliant" and amended["missing"] is None  # the amendment applies


@pytest.fixture
def laptop(tmp_path):
    store = Store(tmp_path / "laptop")
    store.init_profile("SUP01", "Rosa Alvarez")
    store.upsert_roster(demo_roster(24), COHORT_NAMES)
    yield store
    store.close()


def _amended_twice(laptop: Store) -> list[dict]:
    # (attempt 50: an attempt number none of the data sets around it uses; the store refuses repeats)
    n = laptop.append("note_assessment", note(laptop, "S007", 1, 50, missing=("client-response",)), now=at(9, 5))
    body = {k: v for k, v in n["body"].items() if k not in ("outcome", "missing_elements", "feedback")}
    first = {**body, "elements": [dict(e, present=e["element_id"] != "start-end-time") for e in body["elements"]],
             "feedback": "Record the start and end time."}
    one = laptop.append("amendment", {"amends": n["hash"], "reason": "wrong element ticked", "body": first},
                        now=at(9, 6))
    second = {**body, "elements": [dict(e, present=True) for e in body["elements"]], "staff_id": "S009"}
    laptop.append("amendment", {"amends": n["hash"], "reason": "wrong person", "body": second,
                                "base": one["hash"]}, now=at(9, 7))
    return laptop.records()


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2), (2, 0, 1)])
def test_amendments_in_any_arrival_order(central_url, laptop, order):  # noqa: F811
    """The latest amendment in time order decides the facts, whichever row arrives first."""
    records = _amended_twice(laptop)
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        c.enrol(c.create_token("SUP01"), records[0]["device"], "SUP01", laptop.key.public_key_hex)
        for index in order:  # one insert statement per record: each fires the triggers alone
            bulk_insert(c, [records[index]], "2026-09-08T00:00:00Z")
        (row,) = table_facts(c).values()
        assert comparable({row["hash"]: row}) == expected_facts(records)
        assert row["staff_id"] == "S009" and row["missing"] is None and row["outcome"] == "compliant"
        assert row["hash"] == records[0]["hash"] and row["seq"] == records[0]["seq"]
    finally:
        c.close()


def _drop_facts(c) -> None:
    """Make the store look like one created before the fact table existed."""
    with c.transaction() as tx:
        tx.execute("DROP TABLE record_facts")
        tx.execute("DELETE FROM meta WHERE key = 'facts_version'")


def reference(c, today, incidents=(), generated_at=""):
    records = c.records()
    roster, names = c.roster()
    return build_report([r for r in records if r["kind"] != "amendment"], roster, list(incidents), today,
                        amended_bodies([r for r in records if r["kind"] == "amendment"]), None, names,
                        generated_at)


def test_backfill_of_a_store_made_before_the_table(central_url, laptop):  # noqa: F811
    now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    load_story(laptop, now - dt.timedelta(days=31))
    records = _amended_twice(laptop)
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        _drop_facts(c)
        push_all(c, laptop)
        ensure_facts(c)
        assert comparable(table_facts(c)) == expected_facts(c.records())
        assert len(table_facts(c)) == sum(r["kind"] in WORK_KINDS for r in records)
        ensure_facts(c)  # a second call changes nothing
        fast = central_report(c, now.date(), incidents=[])
        slow = reference(c, now.date(), (), fast["generated_at"])
        for a, b in zip(fast["cohorts"], slow["cohorts"], strict=True):
            assert {k: v for k, v in a.items() if a[k] != b[k]} == {k: v for k, v in b.items() if a[k] != b[k]}
        assert fast == slow
    finally:
        c.close()


def test_database_report_matches_the_reference_on_demo_data(central_url, laptop):  # noqa: F811
    """Two supervisors, 1,500 bulk records, the story's pathways and restrictions, amendments."""
    now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    load_story(laptop, now - dt.timedelta(days=31))
    laptop.append_many(list(bulk_items(laptop, 1500, now)))
    _amended_twice(laptop)
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        push_all(c, laptop)
        today = now.date()
        fast = central_report(c, today, incidents=[])
        assert fast == reference(c, today, (), fast["generated_at"])
        assert fast == central_report_streamed(c, today, incidents=[]) | {"generated_at": fast["generated_at"]}
        assert sum(c["rework"]["assessments"] for c in fast["cohorts"]) > 100
        assert sum(len(c["completion"]) for c in fast["cohorts"]) > 0
        assert comparable(table_facts(c)) == expected_facts(c.records())
        one = central_report(c, today, cohort="overnight-float", incidents=[])
        assert one["cohorts"] == [x for x in fast["cohorts"] if x["cohort_id"] == "overnight-float"]
    finally:
        c.close()


def test_report_repairs_a_row_derived_before_its_amendment_arrived(central):  # noqa: F811
    """A record's row derived before its amendment was committed (PostgreSQL: two devices
    pushing at once) is derived again: the amendment's push queued the record it amends."""
    table_facts(central)  # caught up
    with central.transaction() as tx:
        (amended,) = tx.one("SELECT hash FROM record_facts WHERE staff_id = 'S008'")
        tx.execute("UPDATE record_facts SET outcome = 'rework', missing = '[\"x\"]' WHERE hash = ?", (amended,))
        tx.execute("INSERT INTO facts_pending (hash) VALUES (?)", (amended,))  # what the amendment's push queues
    fast = central_report(central, TODAY, incidents=[])
    assert fast == reference(central, TODAY, (), fast["generated_at"])
    assert comparable(table_facts(central)) == expected_facts(central.records())
