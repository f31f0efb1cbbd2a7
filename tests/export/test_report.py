"""Governance report figures against hand-computed expectations on the fixed data set.

Hand computation (today 2026-10-20; see tests/export/dataset.py):
* overnight-float active restrictions: RS-A (cohort; last review 10-10 -> next 10-17: overdue;
  40 days to 11-29), RS-B (S004; review 10-15 -> next 10-22, within 2 days: due; 11 days),
  RS-C (S005; started 10-19 -> next 10-26: done; 26 days). RS-D was lifted: not listed.
* PW-A (scenario new-confusion-news2 + 1 shadow shift): S001 2/2, S002 2/2 (failed then passed;
  two shifts count as one requirement of 1), S003..S006 0/2. Due 10-01, open: overdue.
* first attempts: new-confusion-news2 S001 pass, S002 fail -> 1/2 = 50%; soft-signs S003 1/1.
* shadow: 2 agreed of 3 = 66.7%.
* new-starters notes: 4 assessments; n1 rework (start-end-time, client-response), n4 rework
  as recorded but amended to on time -> compliant: 1/4 = 25%; each of those elements 1/4 = 25%.
* PW-B closed 09-12 by Tom Reid; S007 2/2.
* incidents: delayed escalation in overnight-float per quarter 2026-Q1..Q4 = [2, 1, 1, 1];
  PW-A assigned 09-01 (Q3), open: before = Q1, Q2 = 1.5/quarter, after = none.
  documentation error in new-starters = [1, 0, 1, 1]; PW-B assigned 09-02, closed 09-12:
  before Q1, Q2 = 0.5; after Q4 = 1.0.
* weekly overnight-float: week of 08-31 has c1, c2, c3 (2 passed) and 2 shadows; week of 09-07
  has c4 (pass) and 1 shadow. new-starters: week of 08-31 has n1 (Sat 09-05, rework); week of
  09-07 has n2, n3, n4 (all compliant after the amendment) and the PW-B closure.
"""

from __future__ import annotations

import datetime as dt

import pytest

from storage.report_local import local_report
from supervisor_tui.reports.incidents import parse_incidents_text
from supervisor_tui.reports.report import build_report, quarter_bounds, quarters_between
from supervisor_tui.reports.report_render import render_report_html, render_report_text
from tests.export.dataset import INCIDENTS_CSV, TODAY


@pytest.fixture
def report(store, data):
    return local_report(store, TODAY, None, parse_incidents_text(INCIDENTS_CSV))


def cohort(report, cid):
    return next(c for c in report["cohorts"] if c["cohort_id"] == cid)


def test_restrictions_days_left_and_review_status(report):
    c = cohort(report, "overnight-float")
    got = {r["restriction_id"]: (r["days_left"], r["review_status"], r["next_review_on"]) for r in c["restrictions"]}
    assert got == {"RS-A": (40, "overdue", "2026-10-17"), "RS-B": (11, "due", "2026-10-22"),
                   "RS-C": (26, "done", "2026-10-26")}
    assert cohort(report, "new-starters")["restrictions"] == []


def test_completion_and_pathways(report):
    c = cohort(report, "overnight-float")
    got = {s["staff_id"]: (s["done"], s["required"], s["percent"], s["closed"]) for s in c["completion"]}
    assert got == {"S001": (2, 2, 100.0, 0), "S002": (2, 2, 100.0, 0), "S003": (0, 2, 0.0, 0),
                   "S004": (0, 2, 0.0, 0), "S005": (0, 2, 0.0, 0), "S006": (0, 2, 0.0, 0)}
    assert [p["pathway_id"] for p in c["pathways_overdue"]] == ["PW-A"] and c["pathways_closed"] == []
    n = cohort(report, "new-starters")
    assert [(s["staff_id"], s["done"], s["required"], s["closed"]) for s in n["completion"]] == [("S007", 2, 2, 1)]
    (closed,) = n["pathways_closed"]
    assert closed["pathway_id"] == "PW-B" and closed["closed_on"] == "2026-09-12"
    assert closed["verification"]["by"] == "Tom Reid" and n["pathways_overdue"] == []


def test_first_attempt_shadow_and_rework_rates(report):
    c = cohort(report, "overnight-float")
    assert c["first_attempt"] == [
        {"scenario_id": "new-confusion-news2", "title": "New confusion with raised breathing rate",
         "people": 2, "passed": 1, "rate": 50.0},
        {"scenario_id": "soft-signs-reduced-intake",
         "title": "Soft signs: eating and drinking less, more help to stand", "people": 1, "passed": 1,
         "rate": 100.0}]
    assert c["shadow"] == {"notes": 3, "agreed": 2, "rate": 66.7}
    n = cohort(report, "new-starters")
    assert (n["rework"]["assessments"], n["rework"]["rework"], n["rework"]["rate"]) == (4, 1, 25.0)
    elements = {e["element_id"]: (e["missing"], e["rate"]) for e in n["rework"]["elements"]}
    assert elements["start-end-time"] == (1, 25.0) and elements["client-response"] == (1, 25.0)
    assert elements["date-of-service"] == (0, 0.0)


def test_incident_rates_before_and_after(report):
    c = cohort(report, "overnight-float")["incidents"]
    assert c["quarters"] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert c["by_category"] == {"delayed escalation": [2, 1, 1, 1]}
    (pw_a,) = c["pathways"]
    assert pw_a["phases"] == ["before", "before", "during", "during"]
    assert (pw_a["before_rate"], pw_a["after_rate"]) == (1.5, None)
    n = cohort(report, "new-starters")["incidents"]
    (pw_b,) = n["pathways"]
    assert n["by_category"] == {"documentation error": [1, 0, 1, 1]}
    assert pw_b["phases"] == ["before", "before", "during", "after"]
    assert (pw_b["before_rate"], pw_b["after_rate"]) == (0.5, 1.0)


def test_weekly_series(report):
    weekly = cohort(report, "overnight-float")["weekly"]
    assert [(w["week"], w["checks"], w["checks_passed"], w["pass_rate"], w["shadows"]) for w in weekly] == [
        ("2026-08-31", 3, 2, 66.7, 2), ("2026-09-07", 1, 1, 100.0, 1)]
    n = cohort(report, "new-starters")["weekly"]
    assert [(w["week"], w["notes"], w["notes_compliant"], w["closures"]) for w in n] == [
        ("2026-08-31", 1, 0, 0), ("2026-09-07", 3, 3, 1)]


def test_cohort_filter_and_streaming_input(store, data):
    """build_report takes any iterable (a generator here) and the cohort filter keeps one."""
    records = (r for r in store.records() if r["kind"] != "amendment")
    report = build_report(records, store.roster(), [], TODAY, cohort="new-starters")
    (only,) = report["cohorts"]
    assert only["cohort_id"] == "new-starters"
    assert only["rework"]["rework"] == 2  # without the amendment, n4 stays rework


def test_renderers(report):
    text = render_report_text(report)
    assert "RS-A" in text and "review overdue" in text and "OVERDUE PW-A" in text
    assert "    1/2 =  50%  New confusion with raised breathing rate\n" in text
    assert "PW-B (documentation error): before 0.5/quarter, after 1/quarter" in text
    html = render_report_html(report)
    assert html.count("<svg") >= 3 and "<script" not in html and "PW-B" in html


def test_quarters():
    assert quarters_between(dt.date(2025, 11, 5), dt.date(2026, 4, 1)) == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert quarter_bounds("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_report_cli(cli, data, tmp_path):
    inc = tmp_path / "inc.csv"
    inc.write_text(INCIDENTS_CSV)
    result = cli("report", "--cohort", "overnight-float", "--today", "2026-10-20", "--incidents", str(inc))
    assert result.code == 0 and "Overnight float staff" in result.out and "New starters" not in result.out
    out = tmp_path / "r.html"
    result = cli("report", "--format", "html", "--out", str(out), "--today", "2026-10-20")
    assert result.code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    result = cli("report", "--cohort", "nowhere")
    assert result.code == 2 and "not on the roster" in result.err
    inc.write_text("date,category,cohort\n2026-99-01,x,y\n")
    result = cli("report", "--incidents", str(inc))
    assert result.code == 2 and "line 2: date" in result.err


def _pure(store, today, generated_at):
    from supervisor_tui.reports.report import amended_bodies

    records = store.records()
    return build_report([r for r in records if r["kind"] != "amendment"], store.roster(), [], today,
                        amended_bodies([r for r in records if r["kind"] == "amendment"]), None,
                        {c["cohort_id"]: c["name"] for c in store.cohorts()}, generated_at)


def test_sql_facts_match_the_reference_definition(store, data):
    """local_report (facts extracted by SQLite) == build_report over full records."""
    fast = local_report(store, TODAY)
    assert fast.pop("incidents_source") is None and fast.pop("incidents_none_in") is None  # none given or pulled
    assert fast == _pure(store, TODAY, fast["generated_at"])


def test_sql_facts_match_on_demo_data(store):
    from storage.demo import bulk_items, load_story

    now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    load_story(store, now - dt.timedelta(days=31))
    store.append_many(list(bulk_items(store, 1500, now)))
    today = now.date()
    fast = local_report(store, today)
    assert fast.pop("incidents_source") is None and fast.pop("incidents_none_in") is None
    assert fast == _pure(store, today, fast["generated_at"])
    assert sum(c["rework"]["assessments"] for c in fast["cohorts"]) > 100
