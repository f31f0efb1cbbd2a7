"""A central store that accepted hostile records before today's rules (simulated by switching the
acceptance check off): verify names them, laptops that pull them keep them aside and carry on,
and ``governance-store quarantine-invalid`` sets them aside for good (append-only), after which
verify, pulls, the report and exports are clean — on both backends."""

from __future__ import annotations

import json

from storage import sync_state
from storage.demo_roster import COHORT_NAMES, demo_roster
from supervisor_tui.shell.cli import main as cli_main
from sync.client import sync_store
from sync.server_cli import main as gs_main
from tests.sync.helpers import enrol, make_laptop
from tests.sync.test_trust_boundary import _first, _push, next_record


def _gs(capsys, db_url: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = gs_main([*args, "--db", db_url])
    out = capsys.readouterr()
    return code, out.out, out.err


def _accept_anything(server) -> None:
    server.central.body_check = lambda record, held: []  # what an older server did


def _hostile_records(store) -> list[dict]:
    starting = {"restriction_id": "RS-HOSTILE", "cohort_id": "night-float", "restrictions": ["paired_working"],
                "reason": "fuzzed", "incident_ref": "INC-1", "review_every_days": 7, "expires_on": 1798761600}
    first = next_record(store, "restriction_started", starting)
    check = _first(store, "scenario_check")
    second = dict(first, seq=first["seq"] + 1, prev=first["hash"])
    from supervisor_tui.model.signing import seal, unsigned_part

    second = seal(unsigned_part(dict(second, id="0" * 8 + first["id"][8:], kind="amendment",
                                     body={"amends": check["hash"], "reason": "fuzzed",
                                           "body": {"staff_id": check["body"]["staff_id"], "items": "none",
                                                    "outcome": 5}})), store.key)
    return [first, second]


def test_invalid_records_held_from_before_are_named_kept_aside_and_set_aside(
        tmp_path, server, db_url, capsys):
    hostile = make_laptop(tmp_path / "hostile", records=12)
    enrol(hostile, server.central, server.url)
    assert sync_store(hostile, server.url).ok
    _accept_anything(server)
    answer = _push(server, hostile, _hostile_records(hostile)).json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "accepted"]
    server.central.body_check = None  # today's rules again

    report = server.central.verify()
    unfit = [p for p in report.problems if "does not fit its kind" in p]
    assert len(unfit) == 2 and any("expires_on" in p for p in unfit), report.problems

    honest = make_laptop(tmp_path / "honest", supervisor="SUP02", records=8, seed=11)
    enrol(honest, server.central, server.url)
    result = sync_store(honest, server.url)
    assert result.ok, result.message
    aside = sync_state.set_aside_records(honest)
    assert [r["kind"] for r in aside] == ["restriction_started"]  # the amendment's target is not held here
    assert "expires_on" in aside[0]["reason"]
    assert honest.record_by_hash(aside[0]["hash"]) is None
    for args in (["status", "--json"], ["report"], ["verify"]):
        capsys.readouterr()
        code = cli_main(["--home", str(honest.home), *args])
        out = capsys.readouterr()
        assert code == 0, (args, out.err)
    assert "kept aside" in out.out + out.err  # verify lists what it kept aside
    assert sync_store(honest, server.url).ok  # and again: nothing new, no crash
    assert len(sync_state.set_aside_records(honest)) == 1

    code, out, _ = _gs(capsys, db_url, "quarantine-invalid", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["found"] == 2 and json.loads(out)["set_aside"] == 0
    code, out, err = _gs(capsys, db_url, "quarantine-invalid", "--by", "IT admin")
    assert code == 0 and "2 record(s) set aside" in out, err
    code, out, _ = _gs(capsys, db_url, "quarantine-invalid")
    assert code == 0 and "0 record(s) set aside" in out
    code, out, _ = _gs(capsys, db_url, "quarantine", "--json")
    assert sum("does not fit its kind" in q["reason"] for q in json.loads(out)) == 2

    report = server.central.verify()
    assert report.ok, report.problems
    assert report.excluded == 2 and report.count == 12 + 2 + 8
    held = {r["hash"] for r in server.central.records()}
    assert not held & {q["hash"] for q in json.loads(out)} and len(held) == 12 + 8
    server.central.import_roster(demo_roster(24), COHORT_NAMES)
    for args in (["report"], ["export", "--staff", _first(hostile, "scenario_check")["body"]["staff_id"],
                              "--format", "json", "--out", str(tmp_path / "pack.json")]):
        code, _, err = _gs(capsys, db_url, *args)
        assert code == 0, err
    pack = json.loads((tmp_path / "pack.json").read_text())
    assert "RS-HOSTILE" not in json.dumps(pack)
    hostile.close()
    honest.close()
