"""Shared fixtures: real SQLite stores in temporary directories, and an in-process CLI runner."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.store import Store
from supervisor_tui.shell.cli import main as cli_main

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
# Every store the tests make seals its keys under this passphrase (scripts' convention:
# $SUPERVISOR_TUI_PASSPHRASE), with Argon2id at libsodium's minimum limits so hundreds of test
# stores stay fast. The test-only variable is never for real stores (README, "Shared laptops").
TEST_PASSPHRASE = "correct horse battery staple"
os.environ["SUPERVISOR_TUI_PASSPHRASE"] = TEST_PASSPHRASE
os.environ["SUPERVISOR_TUI_INSECURE_TEST_KDF"] = "1"
os.environ.pop("SUPERVISOR_TUI_PROFILE", None)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> Store:
    """A store with a profile and the 24-person demo roster, no records."""
    s = Store(home)
    s.init_profile("SUP01", "Alex Morgan")
    s.upsert_roster(demo_roster(24), COHORT_NAMES)
    yield s
    s.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(home: Path, capsys):
    """Run ``supervisor-tui --home HOME ARGS...`` in-process and capture its output."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            code = cli_main(["--home", str(home), *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def scenario_body(staff_id: str = "S001", **overrides) -> dict:
    """A passing new-confusion-news2 check."""
    body = {
        "staff_id": staff_id,
        "scenario_id": "new-confusion-news2",
        "setting": "simulated_call",
        "items": [
            {"item_id": i, "result": "pass"}
            for i in ("recognised-change", "observations", "threshold", "endpoint", "sbar", "handover")
        ],
        "chosen_endpoint": "on_call_clinician",
        "decision_seconds": 48,
    }
    body.update(overrides)
    return body


def note_body(staff_id: str = "S007", missing=(), timely=True, **overrides) -> dict:
    from checklists.loader import shipped_library

    std = shipped_library().get("progress-note")
    body = {
        "staff_id": staff_id,
        "review": "sample",
        "sequence": 1,
        "standard_id": "progress-note",
        "elements": [{"element_id": e.element_id, "present": e.element_id not in missing}
                     for e in std.elements],
        "timely": timely,
        "attempt": 1,
    }
    body.update(overrides)
    return body


# -- every test touches nothing outside its temp dir -----------------------------------------
REAL_DATA_DIRS = None  # the real user data dirs of both programs, before any test changed HOME


def _real_data_dirs() -> list[Path]:
    import platformdirs

    return [Path(platformdirs.user_data_dir(app, appauthor=False)) for app in ("supervisor-tui", "governance-store")]


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """HOME and the XDG dirs point into a temp dir; the programs' own variables are unset, so a
    store, a key or a config can only come from where a test puts it (never the real user dirs:
    a server key left there once made a PostgreSQL test fail on one machine)."""
    global REAL_DATA_DIRS
    if REAL_DATA_DIRS is None:
        REAL_DATA_DIRS = _real_data_dirs()
    root = tmp_path_factory.mktemp("env")
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        (root / name.lower()).mkdir()
        monkeypatch.setenv(name, str(root / name.lower()))
    for name in ("SUPERVISOR_TUI_HOME", "GOVERNANCE_STORE_DB", "GOVERNANCE_STORE_KEY"):
        monkeypatch.delenv(name, raising=False)
