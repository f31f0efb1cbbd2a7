"""Per-staff exports from a real store: every record kind, amendments, restrictions, formats."""

from __future__ import annotations

import csv
import io
import json

from storage.export import export_staff, gather_local
from supervisor_tui.reports.history import build_history
from supervisor_tui.reports.inputs import ExportInputs
from supervisor_tui.reports.pack import verify_pack
from supervisor_tui.reports.render_csv import COLUMNS, render_csv
from tests.export.conftest import NOW


def test_history_groups_records_by_pathway_in_time_order(store, data):
    history = build_history(gather_local(store, "S002", NOW))
    hashes = [e["hash"] for e in history["entries"]]
    expected = ["pw_a", "rs_a", "c2", "s2", "s3", "c4", "rs_a_rev"]
    assert hashes == [data[n]["hash"] for n in expected]
    assert [e["created_at"] for e in history["entries"]] == sorted(e["created_at"] for e in history["entries"])
    (pathway,) = history["pathways"]
    assert pathway["pathway_id"] == "PW-A" and pathway["status"] == "open" and pathway["overdue"]
    assert [e["hash"] for e in pathway["entries"]] == [data[n]["hash"] for n in expected]
    assert pathway["progress"]["scenarios"] == [{"scenario_id": "new-confusion-news2", "latest": "pass", "passed": True}]
    assert history["summary"]["signatures_ok"] == 7 and not history["summary"]["signatures_failed"]
    assert all(e["signature"] == "verified" for e in history["entries"])
    first = history["entries"][2]
    details = dict(first["details"])
    assert details["Endpoint chosen"] == "supervisor" and details["Endpoint expected"] == "on-call clinician"
    assert details["Decision time"] == "150 seconds" and "Remediation" in details
    assert "version 1" in details["Scenario"]
    assert first["author_name"] == "Alex Morgan"


def test_amendment_sits_next_to_what_it_amends(store, data):
    history = build_history(gather_local(store, "S008", NOW))
    assert [e["kind"] for e in history["entries"]] == ["note_assessment", "amendment"]
    (original,) = history["other"]
    assert original["hash"] == data["n4"]["hash"]
    (amendment,) = original["amendments"]
    assert amendment["hash"] == data["amend_n4"]["hash"]
    details = dict(amendment["details"])
    assert details["Amends record"] == data["n4"]["hash"]
    assert details["Changed timely"] == "False -> True"
    assert original["current"] is not None and dict(original["current"])["Outcome"] == "compliant"


def test_restrictions_lifted_and_active(store, data):
    history = build_history(gather_local(store, "S006", NOW))
    states = {r["restriction_id"]: r["status"] for r in history["restrictions"]}
    assert states == {"RS-A": "active", "RS-D": "lifted"}
    lifted = next(r for r in history["restrictions"] if r["restriction_id"] == "RS-D")
    assert lifted["lifted_on"] == "2026-09-20" and lifted["lift_reason"] == "Re-validated"
    assert history["summary"]["state"] == "restricted"
    history = build_history(gather_local(store, "S007", NOW))
    (pathway,) = history["pathways"]
    assert pathway["status"] == "closed" and pathway["verification"]["by"] == "Tom Reid"
    assert [e["kind"] for e in pathway["entries"]] == ["pathway_assigned"] + ["note_assessment"] * 3 + ["pathway_closed"]


def test_csv_one_row_per_record_with_stable_columns(store, data):
    text = render_csv(build_history(gather_local(store, "S008", NOW)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert [r["record_id"] for r in rows] == [data["n4"]["id"], data["amend_n4"]["id"]]
    note, amendment = rows
    assert note["outcome"] == "rework" and note["checklist_id"] == "progress-note" and note["checklist_version"] == "1"
    assert note["amended_by"] == data["amend_n4"]["hash"] and note["signature"] == "verified"
    assert note["central_held"] == "no" and note["hash"] == data["n4"]["hash"]
    assert amendment["amends"] == data["n4"]["hash"] and amendment["outcome"] == "compliant"
    assert json.loads(note["body_json"]) == data["n4"]["body"]


def test_receipts_mark_central_held_records(store, data):
    with store.write() as conn:
        conn.execute("INSERT INTO sync_receipt_texts (id, receipt) VALUES (7, ?)", ('{"seq": 5, "ok": true}',))
        conn.execute("INSERT INTO sync_receipts VALUES (?, ?, ?, 7)",
                     (data["c2"]["hash"], "2026-09-03T20:00:00Z", "https://gov.example"))
    history = build_history(gather_local(store, "S002", NOW))
    held = {e["hash"]: e["central"] for e in history["entries"] if e["central"]}
    assert held == {data["c2"]["hash"]: {"accepted_at": "2026-09-03T20:00:00Z", "server": "https://gov.example",
                                         "receipt": {"seq": 5, "ok": True}}}
    rows = list(csv.DictReader(io.StringIO(render_csv(history))))
    assert [r["central_held"] for r in rows].count("yes") == 1
    pack_path = export_staff(store, "S002", "json", store.home / "p.json")
    pack = json.loads(pack_path.read_text())
    assert pack["receipts"] == {data["c2"]["hash"]: held[data["c2"]["hash"]]}
    assert verify_pack(pack).ok


def test_html_holds_every_record_and_no_network(store, data, tmp_path):
    path = export_staff(store, "S002", "html", tmp_path / "s002.html")
    text = path.read_text()
    for name in ("pw_a", "rs_a", "c2", "s2", "s3", "c4", "rs_a_rev"):
        assert data[name]["hash"] in text and data[name]["hash"][:12] in text
    assert "@media print" in text and "<svg" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text
    assert "<script" not in text
    assert text.index("Summary") < text.index("Pathway PW-A")


def test_two_supervisors_records_about_one_person(store, data, tmp_path):
    """The central case as pure functions: records from two devices, each with its own key."""
    from storage.demo_roster import COHORT_NAMES, demo_roster
    from storage.store import Store
    from tests.export.dataset import at, check

    other = Store(tmp_path / "other")
    other.init_profile("SUP02", "Sam Lee")
    other.upsert_roster(demo_roster(24), COHORT_NAMES)
    theirs = other.append("scenario_check", check(other, "S002", "soft-signs-reduced-intake", True), now=at(9, 11))
    mine = gather_local(store, "S002", NOW)
    inputs = ExportInputs(
        staff=mine.staff, records=mine.records + [theirs],
        public_keys={**mine.public_keys, **other.public_keys()},
        author_names={"SUP01": "Alex Morgan", "SUP02": "Sam Lee"},
        device_authors={**mine.device_authors, other.profile.device: "SUP02"},
        receipts={r["hash"]: {"accepted_at": "x", "server": "central", "receipt": "held"} for r in mine.records + [theirs]},
        source="central", generated_at="2026-10-20T12:00:00Z", today=mine.today,
    )
    history = build_history(inputs)
    assert {e["author_name"] for e in history["entries"]} == {"Alex Morgan", "Sam Lee"}
    assert history["summary"]["signatures_ok"] == 8 and history["summary"]["central_held"] == 8
    from supervisor_tui.reports.pack import build_pack
    pack = build_pack(history)
    assert set(pack["devices"]) == {store.profile.device, other.profile.device}
    report = verify_pack(json.loads(json.dumps(pack)))
    assert report.ok and report.count == 8 and report.signed_by is None
    pack["devices"][other.profile.device]["public_key"] = store.key.public_key_hex
    bad = verify_pack(json.loads(json.dumps(pack)))
    assert list(bad.failing) and all("bad signature" in p for ps in bad.failing.values() for p in ps)
    other.close()


def test_a_record_edited_in_the_database_is_shown_as_failed(store, data, cli, tmp_path):
    target = data["c2"]
    store.conn.execute("DROP TRIGGER records_no_update")
    body = dict(target["body"], decision_seconds=30)
    store.conn.execute("UPDATE records SET body = ? WHERE hash = ?",
                       (json.dumps(body, sort_keys=True, separators=(",", ":")), target["hash"]))
    history = build_history(gather_local(store, "S002", NOW))
    failed = [e for e in history["entries"] if not e["signature_ok"]]
    assert [e["hash"] for e in failed] == [target["hash"]]
    assert failed[0]["signature"].startswith("FAILED: hash mismatch")
    assert history["summary"]["signatures_failed"] == [target["hash"]]
    rows = list(csv.DictReader(io.StringIO(render_csv(history))))
    assert [r["signature"][:6] for r in rows].count("FAILED") == 1
    out = tmp_path / "p.json"
    assert cli("export", "--staff", "S002", "--format", "json", "--out", str(out)).code == 0
    result = cli("verify-export", str(out))
    assert result.code == 1 and target["id"] in result.err and "hash mismatch" in result.err


def test_csv_neutralises_spreadsheet_formulas(store, data):
    from tests.export.dataset import at, check

    body = check(store, "S003", "new-confusion-news2", False)
    body["remediation"] = '=HYPERLINK("x")'
    record = store.append("scenario_check", body, now=at(9, 15))
    rows = list(csv.DictReader(io.StringIO(render_csv(build_history(gather_local(store, "S003", NOW))))))
    row = next(r for r in rows if r["hash"] == record["hash"])
    assert row["remediation_or_feedback"] == "'=HYPERLINK(\"x\")"
    assert json.loads(row["body_json"])["remediation"] == body["remediation"]


def test_pulled_records_of_other_devices_count_as_central_held(store, data, tmp_path):
    from storage.demo_roster import COHORT_NAMES, demo_roster
    from storage.store import Store
    from storage.sync_state import insert_pulled
    from tests.export.dataset import at, check

    other = Store(tmp_path / "other")
    other.init_profile("SUP02", "Sam Lee")
    other.upsert_roster(demo_roster(24), COHORT_NAMES)
    theirs = other.append("scenario_check", check(other, "S002", "soft-signs-reduced-intake", True), now=at(9, 11))
    insert_pulled(store, [theirs], {other.profile.device: ("SUP02", other.key.public_key_hex)})
    history = build_history(gather_local(store, "S002", NOW))
    pulled = next(e for e in history["entries"] if e["hash"] == theirs["hash"])
    assert pulled["signature_ok"] and pulled["central"]["receipt"].startswith("pulled from the central store")
    assert history["summary"]["central_held"] == 1
    other.close()
