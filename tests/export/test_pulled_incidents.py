"""Incidents imported centrally reach the laptop with the next sync, so the laptop's governance
report (CLI and TUI) shows incident rates before and after each pathway while offline."""

from __future__ import annotations

import json

from storage.pulled_incidents import INCIDENTS_FILE, pulled_incidents, save_pulled_incidents
from storage.report_local import local_report
from supervisor_tui.reports.incidents import parse_incidents_text
from sync.central.export import import_incidents
from sync.client import sync_store
from tests.export.dataset import INCIDENTS_CSV, TODAY
from tests.sync.conftest import central, db_url, pg_cluster, server  # noqa: F401  (real server fixtures)
from tests.sync.helpers import enrol


def _rates(report: dict, cohort_id: str) -> dict:
    section = next(c for c in report["cohorts"] if c["cohort_id"] == cohort_id)
    return {p["pathway_id"]: (p["before_rate"], p["after_rate"]) for p in section["incidents"]["pathways"]}


def test_sync_pulls_incidents_and_the_local_report_uses_them(store, data, central, server, cli):  # noqa: F811
    enrol(store, central, server.url)
    assert local_report(store, TODAY)["incidents_source"] is None
    assert import_incidents(central, parse_incidents_text(INCIDENTS_CSV)) == 8
    result = sync_store(store, retry_budget=5)
    assert result.ok, result.message
    saved = json.loads((store.home / INCIDENTS_FILE).read_text("utf-8"))
    assert len(saved["incidents"]) == 8 and saved["pulled_at"]
    pulled = local_report(store, TODAY)
    assert pulled["incidents_source"].startswith("the central store, pulled ")
    from_file = local_report(store, TODAY, None, parse_incidents_text(INCIDENTS_CSV))
    # the hand-computed rates of tests/export/test_report.py, now from the pulled copy
    assert _rates(pulled, "overnight-float") == _rates(from_file, "overnight-float") == {"PW-A": (1.5, None)}
    assert _rates(pulled, "new-starters") == {"PW-B": (0.5, 1.0)}
    out = cli("report", "--today", TODAY.isoformat())
    assert out.code == 0 and "Incidents from the central store, pulled" in out.out
    assert "before 1.5/quarter" in out.out


def test_bad_pulled_rows_are_skipped_and_a_broken_file_means_none(tmp_path):
    rows = [{"date": "2026-01-10", "category": "delayed escalation", "cohort": "overnight-float"},
            {"date": "not a date", "category": "x", "cohort": "y"},
            {"date": "2026-01-11", "category": "", "cohort": "y"},
            {"date": "2026-01-12", "category": ["x"], "cohort": "y"}, "not a row"]
    assert save_pulled_incidents(tmp_path, rows, "2026-11-02T09:00:00Z") == 1
    got, pulled_at = pulled_incidents(tmp_path)
    assert pulled_at == "2026-11-02T09:00:00Z"
    assert [(r["date"].isoformat(), r["staff_id"], r["incident_ref"]) for r in got] == [("2026-01-10", "", "")]
    (tmp_path / INCIDENTS_FILE).write_text("{not json", "utf-8")
    assert pulled_incidents(tmp_path) == ([], None)


def test_report_file_flag_overrides_pulled(store, data, cli, tmp_path):
    save_pulled_incidents(store.home, [{"date": "2026-01-10", "category": "other", "cohort": "overnight-float"}],
                          "2026-11-02T09:00:00Z")
    csv = tmp_path / "incidents.csv"
    csv.write_text(INCIDENTS_CSV, "utf-8")
    out = cli("report", "--today", TODAY.isoformat(), "--incidents", str(csv))
    assert out.code == 0 and f"Incidents from {csv}" in out.out and "before 1.5/quarter" in out.out
