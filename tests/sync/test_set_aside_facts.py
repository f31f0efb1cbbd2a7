"""Records set aside (``record_exclusions``) stay out of the report's derived facts, on SQLite and
PostgreSQL, whatever runs after the decision (issue 16, the facts pass):

* a set-aside work record does not get its fact row back when a later push amends it, nor when
  the facts are derived again for any reason;
* ``verify`` does not apply the amendments of a set-aside amendment when it checks the fact
  table against the records (the store's facts leave them out, so verify must too);
* the web view's report cache notices a set-aside (the figures change at once, not when the next
  record arrives);
* the per-batch fact step on SQLite reads only the batch's records, not every work record held.
"""

from __future__ import annotations

import datetime as dt

from storage.demo import bulk_items
from storage.demo_roster import COHORT_NAMES, demo_roster
from sync.central import open_central
from sync.central.exclusions import exclude
from tests.export.test_central import central_url  # noqa: F401  (fixture)
from tests.export.test_fact_table import (  # noqa: F401
    _amended_twice,
    comparable,
    expected_facts,
    laptop,
    table_facts,
)
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)
from tests.sync.helpers import enrol_direct, own_records
from tests.sync.test_push_facts import recomputed

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _store(central_url):  # noqa: F811
    c = open_central(central_url)
    c.import_roster(demo_roster(24), COHORT_NAMES)
    return c


def _caught_up_facts(c) -> dict[str, dict]:
    """The fact table as a report would read it (after whatever readers do first)."""
    return table_facts(c)  # (catches up first, as every reader does)


def test_a_set_aside_record_does_not_get_its_facts_back(central_url, laptop):  # noqa: F811
    note, first, second = _amended_twice(laptop)
    c = _store(central_url)
    try:
        info = enrol_direct(c, laptop)
        c.push(info, [note])
        assert set(_caught_up_facts(c)) == {note["hash"]}
        assert exclude(c, [(note, "test: set aside")], "IT admin") == 1
        assert _caught_up_facts(c) == {}
        c.push(info, [first])  # an amendment of the set-aside record arrives afterwards
        c.push(info, [second])
        assert _caught_up_facts(c) == {} == recomputed(c)
        assert expected_facts(c.records()) == {}
        report = c.verify(fill_stamps=False)
        assert not [p for p in report.problems if "fact row" in p], report.problems
    finally:
        c.close()


def test_set_aside_amendments_do_not_apply_in_the_store_or_in_verify(central_url, laptop):  # noqa: F811
    note, first, second = _amended_twice(laptop)
    c = _store(central_url)
    try:
        c.push(enrol_direct(c, laptop), [note, first, second])
        assert _caught_up_facts(c)[note["hash"]]["staff_id"] == "S009"  # the second amendment applies
        assert exclude(c, [(second, "test: set aside")], "IT admin") == 1
        row = _caught_up_facts(c)[note["hash"]]
        assert row["staff_id"] == "S007" and row["missing"] is not None  # the first one again
        assert comparable(_caught_up_facts(c)) == expected_facts(c.records())
        assert _caught_up_facts(c) == recomputed(c)
        report = c.verify(fill_stamps=False)
        assert not [p for p in report.problems if "fact row" in p], report.problems
        assert report.excluded == 1
    finally:
        c.close()


def test_the_web_report_cache_sees_a_set_aside_at_once(central_url, laptop):  # noqa: F811
    from sync.web.figures import ReportCache

    laptop.append_many(list(bulk_items(laptop, 40, NOW, seed=3)))
    c = _store(central_url)
    try:
        c.push(enrol_direct(c, laptop), own_records(laptop))
        cache = ReportCache(c)

        def checks(report) -> int:
            return sum(w["checks"] for co in report["cohorts"] for w in co["weekly"])

        before, _ = cache.get(NOW.date())
        check = next(r for r in c.records() if r["kind"] == "scenario_check")
        exclude(c, [(check, "test: set aside")], "IT admin")
        after, _ = cache.get(NOW.date())
        assert checks(after) == checks(before) - 1
    finally:
        c.close()


def _vm_steps(c, hashes: list[str]) -> int:
    """SQLite virtual-machine steps (in thousands) of the per-batch fact step for ``hashes``."""
    from sync.central.facts import derive

    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    with c.transaction() as tx:
        tx.conn.set_progress_handler(tick, 1000)
        try:
            derive(tx, hashes)
        finally:
            tx.conn.set_progress_handler(None, 1000)
    return steps[0]


def test_the_batch_fact_step_reads_the_batch_not_the_store(tmp_path, laptop):  # noqa: F811
    """SQLite: deriving one record's facts costs the same in a store of 100 or 2,000 work
    records (an index walk over every work record would cost ~20 times more)."""
    c = _store(f"sqlite:///{tmp_path / 'central.db'}")
    try:
        info = enrol_direct(c, laptop)
        laptop.append_many(list(bulk_items(laptop, 100, NOW, seed=3)))
        c.push(info, own_records(laptop))
        one = [own_records(laptop)[-1]["hash"]]
        small = _vm_steps(c, one)
        laptop.append_many(list(bulk_items(laptop, 1900, NOW, seed=4)))
        held = {r["hash"] for r in c.records()}
        c.push(info, [r for r in own_records(laptop) if r["hash"] not in held])
        large = _vm_steps(c, one)
        assert large <= 2 * small + 5, (small, large)
    finally:
        c.close()
