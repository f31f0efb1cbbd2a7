"""The auditor's script printed in README verifies a pack without any of our code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.export import render_local
from tests.export.conftest import NOW

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def script(tmp_path) -> Path:
    text = README.read_text()
    block = text.split("<!-- auditor-pack-script -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "check_pack.py"
    path.write_text(block)
    return path


def run(script: Path, pack: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack, ensure_ascii=False))
    # -I: isolated mode, so nothing of this project is importable from the script
    return subprocess.run([sys.executable, "-I", str(script), str(path)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)


def test_readme_script_accepts_a_good_pack_and_rejects_tampering(store, data, script, tmp_path):
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
