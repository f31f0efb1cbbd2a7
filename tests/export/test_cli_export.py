"""The export and verify-export commands: formats, stdout, round trip, errors and tampering."""

from __future__ import annotations

import csv
import io
import json

import pytest

from supervisor_tui.model.canonical import canonical_bytes, sha256_hex
from supervisor_tui.reports.pack import _digest
from supervisor_tui.reports.render_csv import COLUMNS


@pytest.fixture
def pack_file(cli, data, tmp_path):
    out = tmp_path / "s002.json"
    result = cli("export", "--staff", "S002", "--format", "json", "--out", str(out))
    assert result.code == 0, result.err
    assert str(out) in result.err and result.out == ""
    return out


def verify(cli, path):
    return cli("verify-export", str(path))


def edit(path, change):
    pack = json.loads(path.read_text())
    change(pack)
    path.write_text(json.dumps(pack, indent=1, ensure_ascii=False))
    return pack


def test_round_trip_json_export_verifies(cli, pack_file, data):
    result = verify(cli, pack_file)
    assert result.code == 0, result.err
    assert result.out.startswith("OK: 7 records verified")
    assert "manifest signed by device" in result.out
    pack = json.loads(pack_file.read_text())
    assert [r["hash"] for r in pack["records"]] == [data[n]["hash"] for n in
                                                    ("pw_a", "rs_a", "c2", "s2", "s3", "c4", "rs_a_rev")]
    assert pack["records"][2] == data["c2"]  # the signed record itself, unchanged
    assert set(pack) >= {"format", "format_version", "summary", "devices", "records", "receipts", "manifest",
                         "manifest_sha256", "manifest_signature"}
    (device,) = pack["devices"].values()
    assert device["seqs"] == [1, 2, 5, 8, 9, 11, 13] and device["author"] == "SUP01"


def test_export_to_stdout_in_each_format(cli, data):
    result = cli("export", "--staff", "S007", "--format", "csv")
    assert result.code == 0
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 5
    result = cli("export", "--staff", "S007", "--format", "html")
    assert result.code == 0 and result.out.startswith("<!DOCTYPE html>")
    result = cli("export", "--staff", "S007", "--format", "json")
    assert result.code == 0 and json.loads(result.out)["manifest"]["record_count"] == 5


@pytest.mark.parametrize("args, message", [
    (["--staff", "NOPE"], "not on the roster"),
    (["--staff", "S020"], "no re-validation records"),
    (["--staff", "S002", "--out", "/nonexistent-dir/x.json"], "does not exist"),
])
def test_export_errors_are_one_line_exit_2(cli, data, args, message):
    result = cli("export", "--format", "json", *args)
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err


def test_export_into_a_file_path_under_a_file(cli, data, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("export", "--staff", "S002", "--format", "csv", "--out", str(blocker / "out.csv"))
    assert result.code == 2 and "does not exist" in result.err
    result = cli("export", "--staff", "S002", "--format", "csv", "--out", str(tmp_path))
    assert result.code == 2 and "is a directory" in result.err


def test_unknown_format_is_refused(cli, data):
    result = cli("export", "--staff", "S002", "--format", "pdf")
    assert result.code == 2 and "invalid choice" in result.err


def test_tampered_body_is_named(cli, pack_file, data):
    pack = edit(pack_file, lambda p: p["records"][2]["body"].update(decision_seconds=20))
    result = verify(cli, pack_file)
    assert result.code == 1
    assert f"id {pack['records'][2]['id']}" in result.err and "hash mismatch" in result.err
    assert "1 of 7 record(s) failed" in result.err


def test_tampered_signature_is_named(cli, pack_file):
    def change(p):
        sig = p["records"][3]["sig"]
        p["records"][3]["sig"] = ("0" if sig[0] != "0" else "1") + sig[1:]
    pack = edit(pack_file, change)
    result = verify(cli, pack_file)
    assert result.code == 1 and "bad signature" in result.err and pack["records"][3]["id"] in result.err
    assert "hash mismatch" not in result.err


def test_upper_case_signature_hex_is_caught(cli, pack_file):
    edit(pack_file, lambda p: p["records"][0].update(sig=p["records"][0]["sig"].upper()))
    assert verify(cli, pack_file).code == 1


def test_swapped_public_key_fails_every_record_of_the_device(cli, pack_file):
    from nacl.signing import SigningKey

    edit(pack_file, lambda p: next(iter(p["devices"].values())).update(
        public_key=SigningKey.generate().verify_key.encode().hex()))
    result = verify(cli, pack_file)
    assert result.code == 1 and result.err.count("bad signature") == 7


def test_removed_record_in_the_middle_of_a_chain(cli, pack_file):
    edit(pack_file, lambda p: p["records"].pop(3))
    result = verify(cli, pack_file)
    assert result.code == 1
    assert "seq(s) 8 listed but missing" in result.err and "manifest lists record(s) not in the pack" in result.err


def test_removed_record_with_rewritten_lists_breaks_the_manifest_signature(cli, pack_file):
    def remove(p):
        gone = p["records"].pop(3)
        device = p["devices"][gone["device"]]
        device["seqs"].remove(gone["seq"])
        p["manifest"]["records"] = [[r["device"], r["seq"], r["hash"]] for r in p["records"]]
        p["manifest"]["record_count"] -= 1
        p["manifest"]["devices_sha256"] = _digest(p["devices"])
        p["manifest_sha256"] = sha256_hex(canonical_bytes(p["manifest"]))
    edit(pack_file, remove)
    result = verify(cli, pack_file)
    assert result.code == 1 and "manifest signature does not verify" in result.err


def test_reordered_records(cli, pack_file):
    def swap(p):
        p["records"][2], p["records"][3] = p["records"][3], p["records"][2]
    edit(pack_file, swap)
    result = verify(cli, pack_file)
    assert result.code == 1 and "out of time order" in result.err and "reordered" in result.err


def test_changed_summary_or_receipts_break_the_manifest(cli, pack_file):
    edit(pack_file, lambda p: p["summary"].update(state="validated"))
    result = verify(cli, pack_file)
    assert result.code == 1 and "manifest summary_sha256 does not match" in result.err


def test_chain_link_between_adjacent_records(cli, store, data, tmp_path):
    """A record re-signed with the device key (an insider forging history) still breaks the
    link to the next seq when both are in the pack."""
    from supervisor_tui.model.signing import seal, unsigned_part

    out = tmp_path / "s001.json"
    assert cli("export", "--staff", "S001", "--format", "json", "--out", str(out)).code == 0
    pack = json.loads(out.read_text())
    assert pack["devices"][store.profile.device]["seqs"][:2] == [1, 2]
    forged = unsigned_part(pack["records"][0])
    forged["body"] = {**forged["body"], "due_on": "2026-12-31"}
    pack["records"][0] = seal(forged, store.key)
    out.write_text(json.dumps(pack))
    result = verify(cli, out)
    assert result.code == 1
    assert "seq 2): chain broken: prev is not the hash of seq 1" in result.err
    assert "hash mismatch" not in result.err and "bad signature" not in result.err


def test_verify_export_bad_files(cli, tmp_path):
    result = cli("verify-export", str(tmp_path / "missing.json"))
    assert result.code == 2 and "no such file" in result.err
    (tmp_path / "bad.json").write_text('{"format": "supervisor-tui/evidence-pack", ')
    result = cli("verify-export", str(tmp_path / "bad.json"))
    assert result.code == 1 and "not valid JSON" in result.err
    (tmp_path / "other.json").write_text('{"hello": 1}')
    result = cli("verify-export", str(tmp_path / "other.json"))
    assert result.code == 1 and "not an evidence pack" in result.err
    (tmp_path / "list.json").write_text('[1, 2]')
    assert cli("verify-export", str(tmp_path / "list.json")).code == 1


def test_verify_export_json_output(cli, pack_file):
    result = cli("verify-export", "--json", str(pack_file))
    assert result.code == 0 and result.json()["ok"] is True and result.json()["count"] == 7


def test_stripped_manifest_signature_is_detected(cli, pack_file):
    edit(pack_file, lambda p: p.pop("manifest_signature"))
    result = verify(cli, pack_file)
    assert result.code == 1 and "manifest_signature missing" in result.err


def test_unsigned_pack_verifies_with_a_warning(cli, store, data, tmp_path):
    """A pack made without a key (as the central store may) verifies, and says what it cannot prove."""
    from storage.export import gather_local
    from supervisor_tui.reports.history import build_history
    from supervisor_tui.reports.pack import build_pack
    from tests.export.conftest import NOW

    path = tmp_path / "unsigned.json"
    path.write_text(json.dumps(build_pack(build_history(gather_local(store, "S002", NOW)))))
    result = verify(cli, path)
    assert result.code == 0 and "manifest not signed" in result.out and "cannot prove" in result.out
