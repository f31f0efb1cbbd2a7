"""Trainers' group sessions in the central store's governance report (SQLite and PostgreSQL):
the same pass rate and decision times per session as the laptop's report, in the report model
(and ``--format json``), the text and HTML renderings, and the web view's report page; corrected
checks count as corrected, a cohort's report counts only its people's checks."""

from __future__ import annotations

import json

import pytest

from storage.report_local import local_report
from storage.store import Store
from sync.central import open_central
from sync.central.export import central_report, central_report_streamed
from sync.server_cli import main as gov_main
from tests.export.dataset import TODAY, at, check
from tests.export.test_central import push_all
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)

NEWS2, SOFT = "new-confusion-news2", "soft-signs-reduced-intake"


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return request.getfixturevalue("pg_cluster").create_database()


@pytest.fixture
def sessions_store(store: Store) -> Store:
    """Session SES-A (overnight float, three checks; the fail's decision time corrected from
    150 s to 90 s), SES-B (one new starter), and a check outside any session."""
    store.append("scenario_check", check(store, "S001", NEWS2, True, session_id="SES-A", decision_seconds=45),
                 now=at(10, 5, 10))
    failed = store.append("scenario_check", check(store, "S002", NEWS2, False, session_id="SES-A"),
                          now=at(10, 5, 10, 20))
    store.append("scenario_check", check(store, "S003", NEWS2, True, session_id="SES-A"), now=at(10, 5, 10, 40))
    store.append("scenario_check", check(store, "S007", SOFT, True, session_id="SES-B", decision_seconds=30),
                 now=at(10, 6, 14))
    store.append("scenario_check", check(store, "S004", NEWS2, False, decision_seconds=200), now=at(10, 7))
    corrected = {k: v for k, v in failed["body"].items() if k not in ("outcome", "failed_critical")}
    corrected["decision_seconds"] = 90
    store.append("amendment", {"amends": failed["hash"], "reason": "Timer left running after the decision.",
                               "body": corrected}, now=at(10, 5, 11))
    return store


@pytest.fixture
def central(central_url, sessions_store):
    c = open_central(central_url)
    from storage.demo_roster import COHORT_NAMES, demo_roster

    c.import_roster(demo_roster(24), COHORT_NAMES)
    push_all(c, sessions_store)
    yield c
    c.close()


def test_the_central_report_has_the_laptops_session_figures(central, sessions_store):
    laptop = local_report(sessions_store, TODAY, incidents=[])["sessions"]
    held = central_report(central, TODAY, incidents=[])["sessions"]
    assert held == laptop
    assert central_report_streamed(central, TODAY, incidents=[])["sessions"] == laptop
    a, b = held
    assert (a["session_id"], a["scenario_id"], a["date"], a["author"]) == ("SES-A", NEWS2, "2026-10-05", "SUP01")
    assert (a["checked"], a["passed"], a["pass_rate"]) == (3, 2, 66.7)
    assert (a["median_decision_seconds"], a["slowest_decision_seconds"]) == (60, 90)  # the corrected 90 s
    assert (b["session_id"], b["checked"], b["pass_rate"], b["median_decision_seconds"]) == ("SES-B", 1, 100.0, 30)
    night = central_report(central, TODAY, "overnight-float", incidents=[])
    assert [s["session_id"] for s in night["sessions"]] == ["SES-A"]  # only that cohort's people
    assert night["sessions"] == local_report(sessions_store, TODAY, "overnight-float", incidents=[])["sessions"]
    assert "sessions" not in central_report(central, TODAY, "community-outreach", incidents=[])


def test_governance_store_report_shows_sessions_in_every_format(central, central_url, capsys):
    def report(*args: str) -> str:
        capsys.readouterr()
        assert gov_main(["report", "--db", central_url, "--today", TODAY.isoformat(), *args]) == 0
        return capsys.readouterr().out

    text = report()
    assert "Training sessions (group scenario checks)" in text
    assert ("2026-10-05 SES-A · New confusion with raised breathing rate · 3 checked · pass rate 66.7% · median decision 60 s (slowest 90 s)"
            " · trainer SUP01") in text
    html = report("--format", "html")
    assert "Training sessions</h2>" in html
    assert "<td>SES-A</td>" in html and "66.7%" in html
    data = json.loads(report("--format", "json"))
    assert [(s["session_id"], s["pass_rate"], s["median_decision_seconds"]) for s in data["sessions"]] == [
        ("SES-A", 66.7, 60), ("SES-B", 100.0, 30)]
    assert data["cohorts"] and data["today"] == TODAY.isoformat()


def test_the_laptops_report_as_json_has_the_same_sessions(sessions_store, cli):
    sessions_store.close()
    result = cli("report", "--format", "json", "--today", TODAY.isoformat())
    assert result.code == 0, result.err
    assert [(s["session_id"], s["checked"], s["pass_rate"]) for s in result.json()["sessions"]] == [
        ("SES-A", 3, 66.7), ("SES-B", 1, 100.0)]


def test_the_web_views_report_page_shows_the_sessions(central):
    from tests.web.helpers import WebServer, login, make_accounts

    make_accounts(central)
    server = WebServer(central).start()
    try:
        with server.client() as c:
            assert login(c, "viewer").status_code == 303
            page = c.get("/web/report?to=2026-10-20").text
            night = c.get("/web/report?cohort=overnight-float&to=2026-10-20").text
    finally:
        server.stop()
    assert "<h2>Training sessions</h2>" in page
    assert "<td>SES-A</td><td>New confusion with raised breathing rate</td><td>3</td><td>2</td><td>66.7%</td><td>60</td><td>90</td>" in page
    assert "<td>SES-B</td>" in page
    assert "<td>SES-A</td>" in night and "<td>SES-B</td>" not in night


def test_the_sessions_query_reads_only_the_session_checks_index(central, central_url):
    """At a million records the text match over every scenario check took most of the report's
    time: the query must go through the partial index of session checks, on both backends."""
    from sync.central.sessions import session_checks_sql

    with central.reading() as tx:
        if central_url.startswith("sqlite"):
            plan = " ".join(str(row[-1]) for row in tx.all("EXPLAIN QUERY PLAN " + session_checks_sql(tx)))
        else:
            tx.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
            plan = " ".join(row[0] for row in tx.all("EXPLAIN " + session_checks_sql(tx)))
    assert "records_session_checks" in plan, plan
