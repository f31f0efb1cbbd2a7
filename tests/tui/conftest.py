"""Fixtures for TUI tests: a real store seeded with the demo story at a frozen clock."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
from pathlib import Path

import pytest

from storage.demo import ensure_demo_roster, load_story
from storage.store import Store
from supervisor_tui.shell.app import SupervisorApp

FIXED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def build_seeded(home: Path) -> Path:
    """The demo story at FIXED in a new store at ``home``. The key, device id and record ids are
    fixed, so hashes and signatures are the same in every run and screens that show them can
    be snapshotted (tests, and docs/make_screenshots.py)."""
    import nacl.signing

    from supervisor_tui.model.signing import DeviceKey

    store = Store(home)
    ids = itertools.count(1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DeviceKey, "generate", classmethod(lambda cls: cls(nacl.signing.SigningKey(bytes(range(32))))))
        fixed_ids = lambda now=None: f"0194f000-0000-7000-8000-{next(ids):012d}"  # noqa: E731
        for where in ("storage.rows.uuid7", "storage.store.uuid7"):  # defined in rows, re-exported by store
            mp.setattr(where, fixed_ids)
        with pytest.MonkeyPatch.context() as random_bytes:
            random_bytes.setattr(os, "urandom", lambda n: bytes(n))
            store.init_profile("SUP01", "Alex Morgan")
        ensure_demo_roster(store)
        load_story(store, now=FIXED)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return home


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """One seeded store per session, copied for each test (the device key is copied too, so
    every copy is the same laptop)."""
    return build_seeded(tmp_path_factory.mktemp("seeded"))


@pytest.fixture
def demo_home(seeded_template: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(seeded_template, home)
    return home


_ENV = "SUPERVISOR_TUI_PASSPHRASE"
_typed_only: list[pytest.MonkeyPatch] = []


@pytest.fixture(autouse=True)
def _passphrase_typed_not_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    """Stores are built with ``$SUPERVISOR_TUI_PASSPHRASE`` (the suite sets it); once the app is
    made, the test runs without it, as a person at the keyboard does: a path that opened a key
    from the environment instead of the typed passphrase would pass here and fail for people
    (the sync screen's worker did)."""
    _typed_only.append(monkeypatch)
    yield
    _typed_only.remove(monkeypatch)


def elsewhere(home: Path) -> Store:
    """The same store opened by someone else meanwhile (``record add`` in a terminal), with the
    key unlocked as a script does it."""
    from tests.conftest import TEST_PASSPHRASE

    store = Store(home)
    store.unlock(TEST_PASSPHRASE)
    return store


def make_app(home: Path, now: dt.datetime = FIXED, unlocked: bool = True) -> SupervisorApp:
    """The app on the store at ``home``; ``unlocked``: its only profile's key is opened first
    (as after the unlock screen), else the app starts at the profile pick / unlock screen.
    From here on the test has no ``$SUPERVISOR_TUI_PASSPHRASE`` (see above)."""
    from tests.conftest import TEST_PASSPHRASE

    store = Store(home)
    if unlocked and len(store.profiles()) == 1 and not store.legacy_key_path.exists():
        store.unlock(TEST_PASSPHRASE)
    for patch in _typed_only:
        patch.delenv(_ENV, raising=False)
    return SupervisorApp(store, clock=lambda: now, cursor_blink=False, health_interval=0)


async def settle(pilot) -> None:
    """Let thread workers finish and the screen repaint."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    if pilot.app.workers._workers:  # a worker started by the repaint (e.g. a screen resume)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await _tables_measured(pilot)


async def _tables_measured(pilot, rounds: int = 50) -> None:
    """DataTables measure new rows' column widths when idle; a screen pushed on top first (the
    command palette) would otherwise freeze the table behind it with header-only widths."""
    from textual.widgets import DataTable

    for _ in range(rounds):
        pending = [t for t in pilot.app.screen.query(DataTable)
                   if t._require_update_dimensions or t._updated_cells]  # noqa: SLF001
        if not pending:
            return
        await pilot.pause(0.01)
