"""The auditors' scripts printed in the docs (docs/evidence-packs.md: a whole JSON pack;
docs/records.md: one record) verify without any of our code, and catch tampering."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.export import render_local
from tests.export.conftest import NOW

DOCS = Path(__file__).resolve().parents[2] / "docs"


def printed_script(page: str, marker: str) -> str:
    """The Python block right after ``<!-- marker -->`` on a docs page."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return text.split(f"<!-- {marker} -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "check_pack.py"
    path.write_text(printed_script("evidence-packs.md", "auditor-pack-script"))
    return path


def run(script: Path, pack: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack, ensure_ascii=False))
    # -I: isolated mode, so nothing of this project is importable from the script
    return subprocess.run([sys.executable, "-I", str(script), str(path)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)


def test_pack_script_accepts_a_good_pack_and_rejects_tampering(store, data, script, tmp_path):
    pack = json.loads(render_local(store, "S002", "json", NOW))
    ok = run(script, pack, tmp_path)
    assert ok.returncode == 0 and ok.stdout.strip() == "OK: 7 records", ok.stderr
    changed = json.loads(json.dumps(pack))
    changed["records"][2]["body"]["decision_seconds"] += 1
    bad = run(script, changed, tmp_path)
    assert bad.returncode == 1 and pack["records"][2]["id"] in bad.stdout
    removed = json.loads(json.dumps(pack))
    removed["records"].pop(3)
    assert run(script, removed, tmp_path).returncode == 1
    upper = json.loads(json.dumps(pack))
    upper["records"][0]["sig"] = upper["records"][0]["sig"].upper()
    assert run(script, upper, tmp_path).returncode == 1
    stripped = json.loads(json.dumps(pack))
    del stripped["manifest_signature"]
    result = run(script, stripped, tmp_path)
    assert result.returncode == 1 and "manifest" in result.stdout


def test_record_check_accepts_a_signed_record_and_rejects_a_changed_one(store, data, tmp_path):
    pack = json.loads(render_local(store, "S002", "json", NOW))
    script = tmp_path / "check_record.py"
    script.write_text(printed_script("records.md", "auditor-record-script") + """
import sys
record, key = json.load(open(sys.argv[1], encoding="utf-8"))
check(record, key)
print("OK")
""")

    def run_check(record: dict) -> subprocess.CompletedProcess:
        path = tmp_path / "record.json"
        key = pack["devices"][record["device"]]["public_key"]
        path.write_text(json.dumps([record, key], ensure_ascii=False))
        return subprocess.run([sys.executable, "-I", str(script), str(path)], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path)

    for record in pack["records"]:
        ok = run_check(record)
        assert ok.returncode == 0 and ok.stdout.strip() == "OK", ok.stderr
    changed = json.loads(json.dumps(pack["records"][2]))
    changed["body"]["decision_seconds"] += 1
    bad = run_check(changed)
    assert bad.returncode == 1 and "hash mismatch" in bad.stderr
    forged = json.loads(json.dumps(changed))
    unsigned = {k: forged[k] for k in ("id", "kind", "schema", "author", "device", "seq", "prev", "created_at", "body")}
    forged["hash"] = hashlib.sha256(json.dumps(unsigned, sort_keys=True, separators=(",", ":"),
                                               ensure_ascii=False).encode()).hexdigest()
    forged_run = run_check(forged)  # the hash now matches, the signature cannot
    assert forged_run.returncode == 1 and "BadSignatureError" in forged_run.stderr
