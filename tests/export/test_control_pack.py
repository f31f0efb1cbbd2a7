"""The weekly control pack against the hand-computed fixed data set (tests/export/dataset.py):
DIR01 owns PW-A (cohort overnight-float, assigned 2026-09-01); restrictions RS-A (cohort),
RS-D (S006) start that week, RS-B (S004) the next; S002 fails a scenario on 2026-09-03."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.control_pack import build_pack
from supervisor_tui.reports.control_pack import PackError, pack_digest, parse_week
from supervisor_tui.reports.control_pack_render import render_html
from tests.export.test_pdf import print_pdf

W36 = dt.date(2026, 8, 31)  # 2026-W36: Monday 31 August to Sunday 6 September


def test_the_week_the_pathway_started(store, data):
    pack = build_pack(store, "DIR01", W36, incidents=[])
    assert pack["week"] == "2026-W36" and pack["from"] == "2026-08-31" and pack["to"] == "2026-09-06"
    assert pack["cohorts"] == ["overnight-float"]
    (pathway,) = pack["open_pathways"]
    assert pathway["pathway_id"] == "PW-A" and not pathway["overdue"]
    assert 'S002: scenario "New confusion with raised breathing rate" not passed (last: fail)' in pathway["unmet"]
    assert not any(u.startswith("S001:") for u in pathway["unmet"])  # passed and shadowed that week
    assert pack["reviews_due"] == pack["reviews_overdue"] == pack["expiring"] == []
    assert [(f["staff_id"], f["scenario_id"], f["on"]) for f in pack["fails"]] == [
        ("S002", "new-confusion-news2", "2026-09-03")]
    assert pack["rework"] == [] and pack["awaiting_approval"] == []  # S007/S008 are not DIR01's
    assert pack["change"] == {"open_pathways": 1, "reviews_due": 0, "reviews_overdue": 0, "expiring": 0,
                              "fails": 1, "rework": 0, "awaiting_approval": 0}
    assert pack["pack_sha256"] == pack_digest(pack)


def test_the_next_week_reviews_fall_due(store, data):
    pack = build_pack(store, "DIR01", W36 + dt.timedelta(days=7), incidents=[])
    assert [r["restriction_id"] for r in pack["reviews_due"]] == ["RS-A", "RS-D"]  # next reviews 8 and 9 Sept
    assert [r["restriction_id"] for r in pack["reviews_overdue"]] == ["RS-A", "RS-D"]  # by Sunday 13 Sept
    assert pack["fails"] == [] and pack["change"]["fails"] == -1 and pack["change"]["reviews_overdue"] == 2


def test_a_past_week_reads_as_it_stood(store, data):
    before = build_pack(store, "DIR01", W36 - dt.timedelta(days=7), incidents=[])
    assert before["open_pathways"] == [] and before["cohorts"] == []  # PW-A came on 1 September
    assert build_pack(store, "QL01", W36, incidents=[])["open_pathways"] == []  # PW-B names no owner_id


def test_incidents_by_week_over_the_quarter(store, data):
    incidents = [{"date": dt.date(2026, 9, 2), "cohort": "overnight-float"},
                 {"date": dt.date(2026, 9, 3), "cohort": "overnight-float"},
                 {"date": dt.date(2026, 7, 1), "cohort": "overnight-float"},
                 {"date": dt.date(2026, 9, 2), "cohort": "new-starters"}]
    pack = build_pack(store, "DIR01", W36, incidents=incidents)
    weeks = {w["week"]: w["incidents"] for w in pack["incidents_by_week"]}
    assert len(weeks) == 13 and weeks["2026-W36"] == 2 and weeks["2026-W27"] == 1 and sum(weeks.values()) == 3


def test_week_parsing():
    assert parse_week("2026-W49", dt.date(2026, 1, 1)) == dt.date(2026, 11, 30)
    assert parse_week(None, dt.date(2026, 12, 3)) == dt.date(2026, 11, 30)
    for bad in ("2026-49", "2026-W60", "W49", "2026-W49\n"):
        with pytest.raises(PackError):
            parse_week(bad, dt.date(2026, 1, 1))


def test_cli_pack_sign_and_report(cli, store, data, tmp_path):
    # the store fixture's supervisor is SUP01: signing DIR01's review is refused
    out = cli("pack", "--owner", "DIR01", "--week", "2026-W36", "--format", "json")
    assert out.code == 0 and out.json()["open_pathways"][0]["pathway_id"] == "PW-A"
    refused = cli("pack", "--owner", "DIR01", "--week", "2026-W36", "--sign")
    assert refused.code == 2 and "only DIR01 can sign" in refused.err
    bad = cli("pack", "--owner", "DIR01", "--week", "2026-W99")
    assert bad.code == 2 and "no such week" in bad.err and "Traceback" not in bad.err
    report = cli("report", "--today", "2026-09-21")
    assert "DIR01: 0 of 3 weeks signed; without a signed review: 3 (2026-W36, 2026-W37, 2026-W38)" in report.out


def test_owner_signs_the_review(cli, home, tmp_path):
    from storage.demo_roster import COHORT_NAMES, demo_roster
    from storage.store import Store
    from tests.export.dataset import write_dataset

    owner = Store(home)
    owner.init_profile("DIR01", "Rosa Alvarez")
    owner.upsert_roster(demo_roster(24), COHORT_NAMES)
    write_dataset(owner)
    owner.close()
    signed = cli("pack", "--owner", "DIR01", "--week", "2026-W37", "--sign", "--note", "Reviewed at the QGM")
    assert signed.code == 0 and "Signed: DIR01 reviewed the 2026-W37 pack" in signed.err
    digest = signed.out.strip().splitlines()[-1].split()[-1]
    (record,) = [r for r in cli("record", "list", "--json").json() if r["kind"] == "pack_reviewed"]
    assert record["body"] == {"owner_id": "DIR01", "week": "2026-W37", "pack_sha256": digest,
                              "note": "Reviewed at the QGM"}
    text = cli("report", "--today", "2026-09-21").out
    assert "DIR01: 1 of 3 weeks signed; without a signed review: 2 (2026-W36, 2026-W38)" in text


def test_html_pack_prints_to_pdf(store, data, tmp_path):
    html = tmp_path / "pack.html"
    html.write_text(render_html(build_pack(store, "DIR01", W36 + dt.timedelta(days=7), incidents=[])), "utf-8")
    text = print_pdf(html, tmp_path)
    assert "Weekly control pack · 2026-W37" in text and "RS-A" in text and "RS-D" in text
    assert "Incidents per week in these cohorts" in text


def test_the_views_name_people_and_cohorts_and_the_hashed_json_keeps_ids(tmp_path) -> None:
    from supervisor_tui.reports.control_pack_render import Names, render_text

    pack = {"owner_id": "DIR01", "week": "2026-W49", "from": "2026-11-30", "to": "2026-12-06",
            "cohorts": ["overnight-float"], "pack_sha256": "ab" * 32, "conflicts": [], "incidents_by_week": [],
            "change": dict.fromkeys(("open_pathways", "reviews_due", "reviews_overdue", "expiring", "fails",
                                     "rework", "awaiting_approval"), 0),
            "open_pathways": [{"pathway_id": "PW-1", "scope": "staff", "subject": "S008", "incident_ref": "INC-1",
                               "due_on": "2026-12-04", "overdue": True, "unmet": []},
                              {"pathway_id": "PW-2", "scope": "cohort", "subject": "overnight-float",
                               "incident_ref": "INC-2", "due_on": "2026-12-11", "overdue": False,
                               "unmet": ["S008: shadow shifts 1 of 3", "S404: shadow shifts 0 of 3"]}],
            "reviews_due": [{"restriction_id": "RS-1", "scope": "cohort", "subject": "overnight-float",
                             "codes": [], "next_review_on": "2026-12-04", "expires_on": "2026-12-18"}],
            "reviews_overdue": [], "expiring": [], "fails": [], "awaiting_approval": [],
            "rework": [{"staff_id": "S404", "review": "sample", "sequence": 2, "on": "2026-12-01", "missing": []}]}
    names = Names({"S008": "Hugo Lindqvist"}, {"overnight-float": "Overnight float staff"})
    text = render_text(pack, names)
    assert "Cohorts: Overnight float staff\n" in text
    assert "PW-1 for Hugo Lindqvist (S008), INC-1, due 2026-12-04 OVERDUE" in text
    assert "RS-1 on cohort Overnight float staff:" in text
    assert "  S404 sample note #2" in text  # not on the roster: the id alone
    assert ("still missing: Hugo Lindqvist (S008): shadow shifts 1 of 3; S404: shadow shifts 0 of 3"
            in text)  # the JSON's own line keeps the id: it is hashed and signed
    assert pack["open_pathways"][1]["unmet"][0] == "S008: shadow shifts 1 of 3"
    assert pack["cohorts"] == ["overnight-float"] and pack["open_pathways"][0]["subject"] == "S008"
    plain = render_text(pack)  # without a roster: ids, as before
    assert "PW-1 for staff S008, INC-1" in plain and "Cohorts: overnight-float" in plain
