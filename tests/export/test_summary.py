"""The report's summary tables (``sync.central.summary``) on SQLite and PostgreSQL: after pushes,
amendments in any arrival order and folds, they hold exactly the sums of ``record_facts``."""

from __future__ import annotations

import pytest

from bench.central_load import bulk_insert
from storage.demo_roster import COHORT_NAMES, demo_roster
from sync.central import open_central
from sync.central.catchup import catch_up
from sync.central.summary import ensure_summary, fold
from tests.export.test_central import central, central_url, push_all  # noqa: F401  (fixtures)
from tests.export.test_fact_table import _amended_twice, laptop  # noqa: F401  (fixture)
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)

FRESH = {
    "fact_weekly": """SELECT staff_id, COALESCE(week, ''), COALESCE(standard_id, ''), COALESCE(standard_version, -1),
        SUM(CASE WHEN kind = 'scenario_check' THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'scenario_check' AND outcome = 'pass' THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'note_assessment' THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'note_assessment' AND outcome = 'compliant' THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'note_assessment' AND outcome = 'rework' THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'shadow_escalation' THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind = 'shadow_escalation' AND agreed = 1 THEN 1 ELSE 0 END)
        FROM record_facts GROUP BY 1, 2, 3, 4""",
    "fact_scenarios": """SELECT staff_id, COALESCE(scenario_id, ''), COUNT(*) FROM record_facts
        WHERE kind = 'scenario_check' GROUP BY 1, 2""",
    "fact_notes": """SELECT staff_id, COALESCE(review, ''), COALESCE(sequence, -1), COUNT(*) FROM record_facts
        WHERE kind = 'note_assessment' GROUP BY 1, 2, 3""",
}


def summaries(c) -> dict[str, set]:
    catch_up(c)  # as every reader does (it folds what it derives)
    fold(c)
    with c.reading() as tx:
        each = ("json_array_elements_text(missing::json) AS e(value)" if tx.rewrite
                else "json_each(missing) AS e")
        held = {t: {tuple(r) for r in tx.all(f"SELECT * FROM {t}") if any(r[{"fact_weekly": 4, "fact_notes": 3}.get(t, 2):])}
                for t in ("fact_weekly", "fact_scenarios", "fact_missing", "fact_notes")}
        fresh = {t: {tuple(r) for r in tx.all(sql)} for t, sql in FRESH.items()}
        fresh["fact_missing"] = {tuple(r) for r in tx.all(
            f"SELECT staff_id, e.value, COUNT(*) FROM record_facts, {each} WHERE missing IS NOT NULL GROUP BY 1, 2")}
        pending = tx.one("SELECT COUNT(*) FROM fact_changes")[0]
    assert pending == 0
    return held, fresh


def test_summaries_follow_pushes(central):  # noqa: F811
    held, fresh = summaries(central)
    assert held == fresh and held["fact_weekly"] and held["fact_missing"] and held["fact_notes"]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_summaries_follow_amendments_in_any_order(central_url, laptop, order):  # noqa: F811
    records = _amended_twice(laptop)
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        c.enrol(c.create_token("SUP01"), records[0]["device"], "SUP01", laptop.key.public_key_hex)
        for index in order:
            bulk_insert(c, [records[index]], "2026-09-08T00:00:00Z")
            held, fresh = summaries(c)
            assert held == fresh
        # the amended note moved from S007 (a missed element) to S009 (compliant)
        assert {r[0] for r in held["fact_weekly"]} == {"S009"} and not held["fact_missing"]
    finally:
        c.close()


def test_summaries_of_a_store_made_before_them(central):  # noqa: F811
    with central.transaction() as tx:
        for table in ("fact_weekly", "fact_missing", "fact_scenarios", "fact_notes"):
            tx.execute(f"DELETE FROM {table}")
        tx.execute("DELETE FROM meta WHERE key = 'summary_version'")
    ensure_summary(central)
    held, fresh = summaries(central)
    assert held == fresh and held["fact_weekly"]
