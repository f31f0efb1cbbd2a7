"""Every benchmark runs as the README says (``python bench/NAME.py``): bench/ is then first on
sys.path, and its sync.py must not shadow the sync package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["store", "sync", "tui", "export", "identity", "web", "central_load"])
def test_bench_script_starts(name: str) -> None:
    out = subprocess.run([sys.executable, f"bench/{name}.py", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "usage:" in out.stdout
