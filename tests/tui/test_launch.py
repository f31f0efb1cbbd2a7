"""The console entry opens the app without the command-line parser only for a bare start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supervisor_tui.shell.launch import _NO_HOME, app_home

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("args", "home"), [
    ([], None),
    (["--home", "/tmp/x"], "/tmp/x"),
    (["--home=/tmp/x"], "/tmp/x"),
    (["status"], _NO_HOME),
    (["--home", "/tmp/x", "status"], _NO_HOME),
    (["--version"], _NO_HOME),
    (["--help"], _NO_HOME),
    (["--home"], _NO_HOME),
    (["--home", "--version"], _NO_HOME),
    (["--home="], _NO_HOME),
])
def test_only_a_bare_start_skips_the_parser(args: list[str], home: object) -> None:
    assert app_home(args) == home


def test_commands_still_go_to_the_cli(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "supervisor_tui.shell.launch", "--home", str(tmp_path),
                          "whoami"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2
    assert "init" in out.stderr and "Traceback" not in out.stderr


def test_app_start_imports_no_pydantic_or_nacl() -> None:
    code = ("import sys, storage.store, supervisor_tui.shell.app, screens.roster\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'nacl')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
