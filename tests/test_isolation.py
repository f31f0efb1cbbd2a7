"""Tests touch nothing outside their temp dir: the user data dirs every test sees are under it,
and a run of the commands that write (init, demo, export, the central store's serve-side key and
verify) leaves the real user data dirs of both programs as they were."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from sync.server_cli import main as gs_main
from tests import conftest


def _listing(paths: list[Path]) -> dict[str, float]:
    out = {}
    for base in paths:
        if base.exists():
            for path in base.rglob("*"):
                out[str(path)] = path.stat().st_mtime
    return out


def test_user_dirs_are_in_the_temp_dir(tmp_path_factory):
    base = Path(str(tmp_path_factory.getbasetemp()))
    for app in ("supervisor-tui", "governance-store"):
        assert Path(platformdirs.user_data_dir(app, appauthor=False)).is_relative_to(base)
    assert Path(os.environ["HOME"]).is_relative_to(base)
    assert "SUPERVISOR_TUI_HOME" not in os.environ and "GOVERNANCE_STORE_KEY" not in os.environ


def test_commands_without_home_write_only_under_the_temp_dir(capsys, tmp_path, tmp_path_factory):
    before = _listing(conftest.REAL_DATA_DIRS)
    from supervisor_tui.shell.cli import main as cli_main

    assert cli_main(["init", "--supervisor", "SUP01", "--name", "Alex Morgan"]) == 0  # no --home
    assert cli_main(["demo"]) == 0
    assert cli_main(["export", "--staff", "S001", "--format", "json", "--out", str(tmp_path / "pack.json")]) in (0, None)
    assert gs_main(["enrol-token", "--supervisor", "SUP01"]) == 0  # default central store and key
    assert gs_main(["verify"]) == 0
    base = Path(str(tmp_path_factory.getbasetemp()))
    home = Path(platformdirs.user_data_dir("supervisor-tui", appauthor=False))
    assert (home / "store.db").exists() and home.is_relative_to(base)
    assert _listing(conftest.REAL_DATA_DIRS) == before
