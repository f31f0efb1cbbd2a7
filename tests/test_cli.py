"""The CLI contract: commands, flags, JSON keys and exit codes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import scenario_body

ROOT = Path(__file__).resolve().parent.parent


def init(cli):
    result = cli("init", "--supervisor", "SUP01", "--name", "Alex Morgan")
    assert result.code == 0, result.err
    return result


def test_init_whoami_and_refusal_to_overwrite(cli, home):
    init(cli)
    who = cli("whoami", "--json")
    assert who.code == 0
    data = who.json()
    assert set(data) >= {"supervisor", "name", "device", "public_key", "key_path"}
    assert data["supervisor"] == "SUP01" and len(data["public_key"]) == 64
    assert stat.S_IMODE(os.stat(data["key_path"]).st_mode) == 0o600
    again = cli("init", "--supervisor", "SUP02", "--name", "Other")
    assert again.code == 2 and "refusing to overwrite" in again.err
    assert cli("whoami", "--json").json()["public_key"] == data["public_key"]


def test_init_rejects_bad_ids(cli):
    result = cli("init", "--supervisor", "has space", "--name", "X")
    assert result.code == 2 and "--supervisor" in result.err and "Traceback" not in result.err


def test_commands_before_init_explain_what_to_do(cli):
    result = cli("record", "add", "scenario_check", "--json", "-")
    assert result.code == 2 and "run 'supervisor-tui init' first" in result.err


def test_demo_creates_roster_and_every_kind(cli):
    init(cli)
    assert cli("demo").code == 0
    roster = cli("roster", "list", "--json").json()
    assert len(roster) >= 20 and set(roster[0]) == {"staff_id", "name", "role", "cohort"}
    assert len({r["cohort"] for r in roster}) >= 3
    records = cli("record", "list", "--json").json()
    assert len(records) >= 50
    kinds = {r["kind"] for r in records}
    assert kinds == {"pathway_assigned", "scenario_check", "shadow_escalation", "note_assessment",
                     "restriction_started", "restriction_reviewed", "restriction_lifted",
                     "pathway_closed", "amendment", "closure_decision"}
    per_staff = {}
    for r in records:
        sid = r["body"].get("staff_id")
        per_staff[sid] = per_staff.get(sid, 0) + 1
    assert sum(1 for s, n in per_staff.items() if s and n >= 3) >= 5
    assert set(records[0]) == {"id", "kind", "schema", "author", "device", "seq", "prev", "created_at",
                               "body", "hash", "sig"}
    assert cli("verify").code == 0
    again = cli("demo")
    assert again.code == 2 and "--records" in again.err


def test_demo_records_adds_more(cli):
    init(cli)
    result = cli("demo", "--records", "300", "--json")
    assert result.code == 0
    assert result.json()["records_added"] == 300 and result.json()["staff_added"] >= 20
    assert len(cli("record", "list", "--json").json()) == 300
    assert "OK: 300 records" in cli("verify").out


def test_record_add_prints_id_hash_seq(cli, tmp_path):
    init(cli)
    cli("demo", "--records", "0")
    body = tmp_path / "check.json"
    body.write_text(json.dumps(scenario_body()))
    result = cli("record", "add", "scenario_check", "--json", str(body))
    assert result.code == 0, result.err
    out = result.json()
    assert set(out) == {"id", "hash", "seq"} and out["seq"] == 1
    listed = cli("record", "list", "--json", "--staff", "S001", "--kind", "scenario_check").json()
    assert [r["hash"] for r in listed] == [out["hash"]]
    assert listed[0]["body"]["outcome"] == "pass"


def test_record_add_invalid_input_exit_2_and_nothing_written(cli, tmp_path):
    init(cli)
    cli("demo", "--records", "0")
    bad = scenario_body(staff_id="NOBODY", chosen_endpoint="supervisor")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = cli("record", "add", "scenario_check", "--json", str(path))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert any("staff_id: 'NOBODY' is not on the roster" in line for line in lines)
    assert any("remediation: required" in line for line in lines)
    assert "Traceback" not in result.err
    # library wording in the forms' words, as the TUI says it
    path.write_text(json.dumps({**scenario_body(), "decision_seconds": "abc", "mode": "x", "setting": None}))
    worded = cli("record", "add", "scenario_check", "--json", str(path))
    assert worded.code == 2
    assert "decision_seconds: must be a whole number" in worded.err and "mode: unknown field" in worded.err
    assert "Input should" not in worded.err and "Field required" not in worded.err
    path.write_text("{not json")
    broken = cli("record", "add", "scenario_check", "--json", str(path))
    assert broken.code == 2 and "not valid JSON" in broken.err
    missing = cli("record", "add", "scenario_check", "--json", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "no such file" in missing.err
    unknown = cli("record", "add", "gossip", "--json", str(path))
    assert unknown.code == 2 and "invalid choice" in unknown.err and len(unknown.err.splitlines()) == 1
    assert cli("record", "list", "--json").json() == []


def test_note_without_feedback_is_invalid(cli, tmp_path):
    from tests.conftest import note_body

    init(cli)
    cli("demo", "--records", "0")
    path = tmp_path / "note.json"
    path.write_text(json.dumps(note_body(missing=["interventions"])))
    result = cli("record", "add", "note_assessment", "--json", str(path))
    assert result.code == 2 and "feedback: required" in result.err


def test_roster_import_and_errors(cli, tmp_path):
    init(cli)
    good = tmp_path / "staff.csv"
    good.write_text("staff_id,name,role,cohort\nA1,Ann Lee,Carer,nights\nA2,Bo Chan,Nurse,days\n")
    assert cli("roster", "import", str(good)).code == 0
    assert [r["staff_id"] for r in cli("roster", "list", "--json").json()] == ["A1", "A2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("staff_id,name,role\nA3,Cy,Carer\n")
    result = cli("roster", "import", str(bad))
    assert result.code == 2 and "missing column(s) cohort" in result.err
    dup = tmp_path / "dup.csv"
    dup.write_text("staff_id,name,role,cohort\nA3,Cy,Carer,x\nA3,Di,Carer,x\n,No Id,Carer,x\n")
    result = cli("roster", "import", str(dup))
    assert result.code == 2 and "line 3: staff_id A3 appears twice" in result.err and "line 4" in result.err
    assert len(cli("roster", "list", "--json").json()) == 2


def test_checklists_commands(cli):
    listed = cli("checklists", "list", "--json").json()
    assert {"id", "version", "kind", "title", "source"} == set(listed[0])
    assert {c["kind"] for c in listed} >= {"scenario", "standard", "restrictions"}
    scenario = cli("checklists", "show", "new-confusion-news2", "--json").json()
    assert scenario["expected_endpoint"] == "on_call_clinician"
    assert {"item_id", "text", "critical"} <= set(scenario["items"][0])
    standard = cli("checklists", "show", "progress-note", "--json").json()
    assert {"element_id", "text", "required"} <= set(standard["elements"][0])
    assert cli("checklists", "show", "nope").code == 2
    shipped = Path(__file__).parent.parent / "checklists" / "data"
    assert cli("checklists", "validate", str(shipped)).code == 0
    bad = cli("checklists", "validate", str(Path(__file__).parent / "data" / "checklists" / "bad_endpoint.toml"))
    assert bad.code == 2 and "bad_endpoint.toml: expected_endpoint" in bad.err


def test_status_projection(cli):
    init(cli)
    cli("demo")
    everyone = cli("status", "--json").json()
    assert {s["state"] for s in everyone} >= {"restricted", "in_progress", "validated", "none"}
    one = cli("status", "--json", "--staff", "S001").json()
    assert one["state"] == "restricted" and one["restrictions"][0]["status"] == "active"
    assert {"pathways", "scenarios", "restrictions", "next_due", "overdue"} <= set(one)
    assert cli("status", "--staff", "NOPE").code == 2
    assert cli("status", "--today", "yesterday").code == 2


def test_verify_catches_a_direct_edit(cli, home):
    import sqlite3

    init(cli)
    cli("demo")
    conn = sqlite3.connect(home / "store.db")
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("UPDATE records SET body = replace(body, '\"outcome\":\"fail\"', '\"outcome\":\"pass\"')"
                 " WHERE kind = 'scenario_check'")
    conn.commit()
    conn.close()
    result = cli("verify")
    assert result.code == 1
    assert "hash mismatch" in result.err and "bad signature" in result.err


def test_console_script_runs_without_traceback(tmp_path):
    env = {**os.environ, "SUPERVISOR_TUI_HOME": str(tmp_path / "h")}
    exe = Path(sys.executable).parent / "supervisor-tui"
    done = subprocess.run([str(exe), "whoami", "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "supervisor-tui init" in done.stderr and "Traceback" not in done.stderr
    help_ = subprocess.run([str(exe.parent / "governance-store"), "--help"], capture_output=True, text=True)
    assert help_.returncode == 0 and "governance" in help_.stdout.lower()


def test_demo_staff_grows_the_roster_and_story_works_on_small_rosters(cli):
    init(cli)
    assert cli("demo", "--staff", "5").code == 0
    assert len(cli("roster", "list", "--json").json()) == 5
    assert cli("verify").code == 0
    result = cli("demo", "--staff", "200", "--records", "50", "--json")
    assert result.code == 0 and result.json()["staff_added"] == 195
    assert len(cli("roster", "list", "--json").json()) == 200
    assert cli("demo", "--staff", "0").code == 2


def test_demo_records_in_parallel_chunks_stay_one_valid_chain(cli):
    init(cli)
    result = cli("demo", "--records", "6050", "--json")
    assert result.code == 0 and result.json()["records_added"] == 6050
    records = cli("record", "list", "--json").json()
    assert [r["seq"] for r in records] == list(range(1, 6051))
    assert records == sorted(records, key=lambda r: r["created_at"])
    assert cli("verify").code == 0
    # the worker makes the chunks one after the other: a note's attempt numbers never repeat
    # (as single saves refuse), however far the signing process has got
    notes = [r["body"] for r in records if r["kind"] == "note_assessment"]
    keys = [(b["staff_id"], b["review"], b["sequence"], b["attempt"]) for b in notes]
    assert len(notes) > 1000 and len(set(keys)) == len(keys)


def test_status_table_agrees_with_the_full_projection(cli):
    """The table comes from the roster overview; every row must say what the projection says."""
    init(cli)
    cli("demo")
    for extra in ([], ["--cohort", "overnight-float"], ["--today", "2030-01-01"]):
        projected = cli("status", "--json", *extra).json()
        table = cli("status", *extra)
        assert table.code == 0
        lines = table.out.splitlines()
        assert len(lines) == len(projected) > 0
        for line, person in zip(lines, projected, strict=True):
            fields = line.split()
            assert fields[0] == person["staff_id"]
            assert person["state"] in fields
            assert (f"due {person['next_due']}" in line) == bool(person["next_due"])
            assert line.endswith("OVERDUE") == person["overdue"]


def test_unknown_cohort_is_invalid_input_not_an_empty_roster(cli):
    init(cli)
    cli("demo")
    for args in (["status"], ["status", "--json"], ["roster", "list"], ["report"]):
        result = cli(*args, "--cohort", "night-shfit")
        assert result.code == 2, args
        assert result.err.strip() == ("supervisor-tui: cohort 'night-shfit' is not on the roster"
                                      " (see 'supervisor-tui roster list')")
        assert result.out == ""
    assert len(cli("roster", "list", "--json", "--cohort", "elm-street").json()) == 6
