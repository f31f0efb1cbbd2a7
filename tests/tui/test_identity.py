"""Sign-in, unlock, idle lock and switching supervisor on a shared laptop (Pilot), and snapshots
of the unlock, lock and profile-pick screens."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from screens.identity import ProfilePickScreen, UnlockScreen, wait_after
from storage.store import Store
from supervisor_tui.shell.app import SupervisorApp
from tests.conftest import TEST_PASSPHRASE
from tests.tui.conftest import FIXED, make_app, settle
from tests.tui.helpers import open_staff, type_into

SIZES = [(80, 24), (120, 40)]
SECOND = "evening shift lantern"


@pytest.fixture
def shared_home(demo_home: Path) -> Path:
    """The demo store with a second supervisor, Bo Night (SUP02), on the same laptop."""
    store = Store(demo_home)
    store.add_profile("SUP02", "Bo Night", SECOND)
    store.close()
    return demo_home


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def locked_app(home: Path, clock=None) -> SupervisorApp:
    return SupervisorApp(Store(home), clock=clock or (lambda: FIXED), cursor_blink=False, health_interval=0)


def screen_text(app) -> str:
    return " ".join(str(w.render()) for w in app.screen.query(Static))


async def unlock(pilot, passphrase: str) -> None:
    await type_into(pilot, "#passphrase", passphrase)
    await pilot.press("enter")
    await settle(pilot)


async def test_unlock_wrong_then_right(demo_home: Path) -> None:
    app = locked_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and "Alex Morgan (SUP01)" in screen_text(app)
        assert "Ben" not in screen_text(app)  # no staff data before sign-in
        await unlock(pilot, "not my passphrase")
        assert isinstance(app.screen, UnlockScreen)
        assert "Wrong passphrase (1 in a row). Nothing was signed." in screen_text(app)
        assert not app.store.unlocked
        await unlock(pilot, TEST_PASSPHRASE)
        assert type(app.screen).__name__ == "RosterScreen"
        assert app.supervisor_label == "Alex Morgan (SUP01)" and app.store.unlocked


async def test_five_wrong_tries_make_you_wait(demo_home: Path) -> None:
    assert [wait_after(n) for n in (1, 4, 5, 6, 7, 20)] == [0, 0, 5, 10, 20, 300]
    app = locked_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(5):
            await unlock(pilot, "still not my passphrase")
        assert "Wait 5 s before the next try" in screen_text(app)
        field = app.screen.query_one("#passphrase", Input)
        assert field.disabled
        await pilot.press("enter")
        assert not app.store.unlocked
    again = locked_app(demo_home)  # quitting and starting again does not skip the wait
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "5 wrong passphrases in a row: wait" in screen_text(again)
        assert again.screen.query_one("#passphrase", Input).disabled


async def test_idle_lock_keeps_the_draft_for_its_owner_only(shared_home: Path) -> None:
    clock = Clock(FIXED)
    app = locked_app(shared_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProfilePickScreen)
        await pilot.press("enter")  # Alex Morgan is first
        await settle(pilot)
        await unlock(pilot, TEST_PASSPHRASE)
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        await type_into(pilot, "#situation", "Breathless on the stairs")
        clock.now = FIXED + dt.timedelta(minutes=9)
        app.check_idle()
        await settle(pilot)
        assert not isinstance(app.screen, UnlockScreen)  # 9 minutes: not yet
        clock.now = FIXED + dt.timedelta(minutes=20)
        app.check_idle()
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and app.screen.locked
        shown = screen_text(app)
        assert "Locked." in shown and "Breathless" not in shown and "S006" not in shown
        assert not app.store.unlocked  # the key is forgotten
        with app.store_lock:
            assert [d["draft_key"] for d in app.store.drafts()] == ["shadow_escalation:S006"]
        await unlock(pilot, TEST_PASSPHRASE)
        assert app.screen.query_one("#situation", Input).value == "Breathless on the stairs"
        await pilot.press("ctrl+l")  # lock at once, then hand over to Bo
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and app.screen.locked
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ProfilePickScreen)
        await pilot.press("down", "enter")
        await settle(pilot)
        await unlock(pilot, SECOND)
        assert app.supervisor_label == "Bo Night (SUP02)" and app.unsynced == 0
        assert "Alex Morgan: 74 unsynced" in str(app.screen.query_one("#pageinfo", Static).render())
        with app.store_lock:
            assert app.store.drafts() == []  # Alex's draft is not Bo's
            assert "Unfinished" not in screen_text(app)
    store = Store(shared_home)
    store.use("SUP01")
    assert store.load_draft("shadow_escalation:S006")["situation"] == "Breathless on the stairs"
    store.close()


async def test_quitting_with_unsynced_records_reminds(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.unsynced > 0
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChoiceModal"
        assert "not synced yet" in str(app.screen.query_one("Label").render())
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "RosterScreen"


async def test_old_plaintext_key_is_protected_at_start(tmp_path: Path) -> None:
    from tests.test_identity_keys import make_legacy_store

    home = tmp_path / "legacy"
    seed, public = make_legacy_store(home)
    app = locked_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "ProtectKeyScreen"
        await type_into(pilot, "#passphrase", "a new passphrase here")
        await type_into(pilot, "#passphrase2", "a new passphrase here")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "RosterScreen"
    assert not (home / "device.key").exists()
    store = Store(home)
    assert store.unlock("a new passphrase here").public_key_hex == public
    store.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("which", ["unlock", "lock", "profile-pick"])
def test_identity_snapshots(snap_compare, shared_home: Path, tmp_path: Path, size, which: str) -> None:
    home = shared_home
    if which == "unlock":  # one profile: straight to the passphrase
        home = tmp_path / "single"
        shutil.copytree(shared_home, home)
        store = Store(home)
        store.conn.execute("DELETE FROM profiles WHERE supervisor = 'SUP02'")
        store.close()

    async def run_before(pilot) -> None:
        await settle(pilot)
        if which == "lock":
            await pilot.press("enter")
            await settle(pilot)
            await unlock(pilot, TEST_PASSPHRASE)
            await pilot.press("ctrl+l")
            await settle(pilot)

    assert snap_compare(locked_app(home), terminal_size=size, run_before=run_before)


async def test_change_passphrase_from_the_palette(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_change_passphrase()
        await settle(pilot)
        assert type(app.screen).__name__ == "ChangePassphraseScreen"
        await type_into(pilot, "#current", "not the current one")
        await type_into(pilot, "#passphrase", "a fresh passphrase")
        await type_into(pilot, "#passphrase2", "a fresh passphrase")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not your current passphrase" in screen_text(app)
        assert app.screen.query_one("#passphrase", Input).value == "a fresh passphrase"  # kept
        await type_into(pilot, "#current", TEST_PASSPHRASE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "RosterScreen"
    store = Store(demo_home)
    store.unlock("a fresh passphrase")
    store.close()
