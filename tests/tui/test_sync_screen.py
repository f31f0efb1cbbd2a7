"""The sync screen against a real central store on a real uvicorn server (127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from storage.store import Store
from sync.central import open_central
from tests.sync.helpers import ThreadServer, central_hashes, enrol, own_hashes
from tests.tui.conftest import make_app, settle


async def test_sync_screen_sends_everything_and_header_follows(demo_home: Path, tmp_path: Path) -> None:
    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    server = ThreadServer(central).start()
    try:
        store = Store(demo_home)
        enrol(store, central, server.url)
        store.close()
        app = make_app(demo_home)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.check_server()
            await settle(pilot)
            assert app.server_state == "server reachable"
            assert app.unsynced > 70
            await pilot.press("s")
            await settle(pilot)
            assert server.url in str(app.screen.query_one("#server", Static).render())
            await pilot.press("s")
            await settle(pilot)
            message = str(app.screen.query_one("#message", Static).render())
            assert message.startswith("Done"), message
            assert app.unsynced == 0
            assert "0 unsynced" in str(app.screen.query_one("#app-header", Static).render())
        store = Store(demo_home)
        assert sorted(central_hashes(central)) == sorted(own_hashes(store))
        store.close()
    finally:
        server.stop()
        central.close()


async def test_enrol_from_the_sync_screen_then_sync(demo_home: Path, tmp_path: Path) -> None:
    """A laptop that is not enrolled: the sync screen asks for the server URL and token, keeps
    what was typed when the server refuses, pins the server once accepted, then syncs."""
    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    server = ThreadServer(central).start()
    try:
        app = make_app(demo_home)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("s")  # roster -> sync screen
            await settle(pilot)
            screen = app.screen
            assert screen.query_one("#enrol-box").display
            assert "Not enrolled" in str(screen.query_one("#server", Static).render())
            await pilot.press("s")  # lands in the focused URL field, never syncs
            await settle(pilot)
            assert screen.query_one("#enrol-url").value == "s"
            await pilot.press("backspace", *"http://governance.example.org", "enter", *"abc", "enter")
            await settle(pilot)
            problems = str(screen.query_one("#enrol-problems", Static).render())
            assert "http://governance.example.org is not encrypted (http://)" in problems
            assert "Ctrl+E again to enrol with it anyway" in problems
            assert str(screen.query_one("#message", Static).render()) == ""  # nothing sent yet
            await pilot.press("ctrl+u", "shift+tab", "ctrl+u", *server.url, "enter", *"not-a-token", "enter")
            await settle(pilot)
            problems = str(screen.query_one("#enrol-problems", Static).render())
            assert "enrolment refused" in problems
            assert screen.query_one("#enrol-url").value == server.url  # typed text kept
            token = central.create_token("SUP01")
            await pilot.press("ctrl+u", *token, "ctrl+e")
            await settle(pilot)
            assert not screen.query_one("#enrol-box").display
            assert "Enrolled device" in str(screen.query_one("#message", Static).render())
            await pilot.press("s")
            await settle(pilot)
            message = str(screen.query_one("#message", Static).render())
            assert message.startswith("Done"), message
            assert app.unsynced == 0
        store = Store(demo_home)
        assert store.get_setting("server_url") == server.url
        assert sorted(central_hashes(central)) == sorted(own_hashes(store))
        store.close()
    finally:
        server.stop()
        central.close()


async def test_a_second_supervisor_enrols_with_the_laptops_server_filled_in(demo_home: Path, tmp_path: Path) -> None:
    """A shared laptop: SUP01 is enrolled; SUP02, signed in with the passphrase they typed, finds
    the laptop's server already in the URL field and the cursor in the token field, enrols their
    own device and syncs their own records, not SUP01's."""
    from supervisor_tui.shell.app import SupervisorApp
    from tests.conftest import TEST_PASSPHRASE, scenario_body
    from tests.tui.conftest import FIXED

    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    server = ThreadServer(central).start()
    try:
        store = Store(demo_home)
        enrol(store, central, server.url)
        store.add_profile("SUP02", "Bo Night", TEST_PASSPHRASE)
        mine = store.append("scenario_check", scenario_body("S002"))
        store.close()
        store = Store(demo_home)
        store.unlock(TEST_PASSPHRASE, "SUP02")
        app = SupervisorApp(store, clock=lambda: FIXED, cursor_blink=False, health_interval=0)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            screen = app.screen
            assert screen.query_one("#enrol-url").value == server.url
            assert app.focused is screen.query_one("#enrol-token")
            await pilot.press(*central.create_token("SUP02"), "enter")
            await settle(pilot)
            assert "Enrolled device" in str(screen.query_one("#message", Static).render())
            await pilot.press("s")
            await settle(pilot)
            message = str(screen.query_one("#message", Static).render())
            assert message.startswith("Done: 1 accepted"), message
        sup02 = [d for d in central.devices() if d.supervisor == "SUP02"]
        assert len(sup02) == 1
        assert central_hashes(central, sup02[0].device) == [mine["hash"]]
    finally:
        server.stop()
        central.close()
