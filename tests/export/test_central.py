"""Exports and the report from the central store (SQLite and PostgreSQL): two supervisors'
records about one person, the SQL facts path against the reference, incidents import, CLI."""

from __future__ import annotations

import json

import pytest

from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.store import Store
from supervisor_tui.reports.evidence import render_history
from supervisor_tui.reports.history import build_history
from supervisor_tui.reports.incidents import parse_incidents_text
from supervisor_tui.reports.pack import verify_pack
from supervisor_tui.reports.report import amended_bodies, build_report
from sync.central import open_central
from sync.central.export import (
    central_report,
    gather_central,
    import_incidents,
    load_incidents,
)
from sync.server_cli import main as gov_main
from tests.export.dataset import INCIDENTS_CSV, TODAY, at, check
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return request.getfixturevalue("pg_cluster").create_database()


def push_all(central, laptop: Store) -> None:
    profile = laptop.require_profile()
    info = central.enrol(central.create_token(profile.supervisor), profile.device, profile.supervisor,
                         laptop.key.public_key_hex)
    mine = [r for r in laptop.records() if r["device"] == profile.device]
    outcome = central.push(info, sorted(mine, key=lambda r: r["seq"]))
    assert not outcome.quarantine


@pytest.fixture
def central(central_url, store, data, tmp_path):
    other = Store(tmp_path / "other")
    other.init_profile("SUP02", "Sam Lee")
    other.upsert_roster(demo_roster(24), COHORT_NAMES)
    other.append("scenario_check", check(other, "S002", "soft-signs-reduced-intake", True), now=at(9, 11))
    c = open_central(central_url)
    c.import_roster(demo_roster(24), COHORT_NAMES)
    push_all(c, store)
    push_all(c, other)
    other.close()
    yield c
    c.close()


def test_central_export_holds_both_supervisors_records(central, data):
    inputs = gather_central(central, "S002")
    history = build_history(inputs)
    assert {e["author"] for e in history["entries"]} == {"SUP01", "SUP02"}
    assert history["summary"]["records"] == 8 and history["summary"]["signatures_ok"] == 8
    assert history["summary"]["central_held"] == 8
    pack = json.loads(render_history(inputs, "json"))
    assert len(pack["devices"]) == 2 and pack["manifest"]["signed_by"] is None
    assert verify_pack(pack).ok


def test_central_report_facts_match_the_reference(central):
    incidents = parse_incidents_text(INCIDENTS_CSV)
    fast = central_report(central, TODAY, incidents=incidents)
    records = central.records()
    roster, names = central.roster()
    slow = build_report([r for r in records if r["kind"] != "amendment"], roster, incidents, TODAY,
                        amended_bodies([r for r in records if r["kind"] == "amendment"]), None, names,
                        fast["generated_at"])
    assert fast == slow
    night = next(c for c in fast["cohorts"] if c["cohort_id"] == "overnight-float")
    assert {s["scenario_id"]: s["people"] for s in night["first_attempt"]} == {
        "new-confusion-news2": 2, "soft-signs-reduced-intake": 2}
    starters = next(c for c in fast["cohorts"] if c["cohort_id"] == "new-starters")
    assert starters["rework"]["rework"] == 1  # the amendment applies centrally too


def test_incidents_import_is_idempotent(central):
    rows = parse_incidents_text(INCIDENTS_CSV)
    assert import_incidents(central, rows) == 8
    assert import_incidents(central, rows) == 0
    assert len(load_incidents(central)) == 8
    report = central_report(central, TODAY)
    (pw_a,) = next(c for c in report["cohorts"] if c["cohort_id"] == "overnight-float")["incidents"]["pathways"]
    assert pw_a["before_rate"] == 1.5


def test_governance_store_commands(central, central_url, tmp_path, capsys, monkeypatch):
    from sync.server.keys import load_or_create

    def gov(*args):
        capsys.readouterr()
        code = gov_main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    pack = tmp_path / "s002.json"
    code, _, err = gov("export", "--db", central_url, "--staff", "S002", "--format", "json", "--out", str(pack))
    assert code == 0 and str(pack) in err
    assert verify_pack(json.loads(pack.read_text())).ok
    monkeypatch.setenv("GOVERNANCE_STORE_KEY", str(tmp_path / "server.key"))
    server_key = load_or_create(tmp_path / "server.key")
    code, _, _ = gov("export", "--db", central_url, "--staff", "S002", "--format", "json", "--out", str(pack))
    signed = json.loads(pack.read_text())
    assert code == 0 and signed["manifest"]["signed_by"] == {"device": "governance-store",
                                                            "public_key": server_key.public_key_hex}
    report = verify_pack(signed)
    assert report.ok and report.signed_by == "governance-store"
    code, out, _ = gov("export", "--db", central_url, "--staff", "S002", "--format", "csv")
    assert code == 0 and len(out.strip().splitlines()) == 9
    code, _, err = gov("export", "--db", central_url, "--staff", "NOPE", "--format", "csv")
    assert code == 2 and "not on the central roster" in err
    inc = tmp_path / "inc.csv"
    inc.write_text(INCIDENTS_CSV)
    code, out, _ = gov("incidents", "import", "--db", central_url, str(inc))
    assert code == 0 and "Imported 8 incident(s)" in out
    inc.write_text("date,category,cohort\n2026-01-01,x,nowhere\n")
    code, _, err = gov("incidents", "import", "--db", central_url, str(inc))
    assert code == 2 and "line 2: cohort 'nowhere' is not a known cohort" in err
    code, out, _ = gov("report", "--db", central_url, "--cohort", "overnight-float", "--today", "2026-10-20")
    assert code == 0 and "PW-A (delayed escalation): before 1.5/quarter" in out
    code, out, _ = gov("report", "--db", central_url, "--format", "html", "--today", "2026-10-20")
    assert code == 0 and out.startswith("<!DOCTYPE html>")
    code, _, err = gov("report", "--db", central_url, "--cohort", "nowhere")
    assert code == 2 and "not on the central roster" in err


def test_the_weekly_pack_from_the_central_store_matches_the_laptops(central, central_url, store, capsys):
    import datetime as dt

    from storage.control_pack import build_pack
    from sync.central.export import central_pack

    monday = dt.date(2026, 9, 7)  # 2026-W37: RS-A and RS-D reviews fall due
    laptop = build_pack(store, "DIR01", monday, incidents=[])
    held = central_pack(central, "DIR01", monday)
    assert held["reviews_due"] == laptop["reviews_due"] and held["open_pathways"] == laptop["open_pathways"]
    assert held["pack_sha256"] == laptop["pack_sha256"]  # same records, no incidents imported: same pack
    capsys.readouterr()
    assert gov_main(["pack", "--owner", "DIR01", "--week", "2026-W37", "--db", central_url]) == 0
    assert "Restriction reviews due this week: 2" in capsys.readouterr().out
    assert gov_main(["pack", "--owner", "DIR01", "--week", "2026-W77", "--db", central_url]) == 2
