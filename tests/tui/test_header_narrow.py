"""The header on a narrow terminal: the figures stay, the product name goes first, the gaps
close up and the supervisor's id goes, then the screen's title is shortened; the person signed
in is cut last (a shared laptop: who is signed in matters more than the product's name)."""

from __future__ import annotations

from screens.header import AppHeader

PERSON = "Sam Owner (SUP02)"


def left(title: str, room: int) -> str:
    return AppHeader._left(title, PERSON, room).plain  # noqa: SLF001


def test_wide_shows_everything() -> None:
    assert left("roster", 80) == f"Supervisor TUI · roster   {PERSON}"


def test_the_product_name_goes_first() -> None:
    assert left("roster", 33) == f"roster   {PERSON}"


def test_then_the_title_is_shortened_and_the_person_kept_whole() -> None:
    shown = left("close pathway PW-1D4FEA5694", 33)
    assert shown.endswith(f"…   {PERSON}") and len(shown) <= 33
    assert shown.startswith("close pathw")


def test_the_person_is_cut_only_when_nothing_else_is_left() -> None:
    assert left("staff S001", 12) == "Sam Owner (…"
    assert left("", 40) == f"Supervisor TUI   {PERSON}"


async def test_at_80_columns_a_long_screen_title_gives_way_to_the_person(demo_home) -> None:
    from tests.tui.conftest import make_app, settle
    from tests.tui.helpers import open_staff

    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot, "S005")
        await pilot.press("x")  # close pathway PW-OVN-0142: the longest title
        await settle(pilot)
        header = str(app.screen.query_one("#app-header").render())
        assert "Alex Morgan (SUP01)" in header and "74 unsynced" in header, header
        assert header.startswith("close pathway"), header


async def test_at_80_columns_the_gaps_close_up_and_the_id_goes_before_a_title_is_cut(demo_home) -> None:
    from tests.tui.conftest import make_app, settle

    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        header = str(app.screen.query_one("#app-header").render())
        assert header.startswith("training session · set up   Alex Morgan (SUP01)   2026-11-02"), header
        app.server_state = "offline"  # now three gaps and the id make the title too long
        await settle(pilot)
        header = str(app.screen.query_one("#app-header").render())
        assert header.startswith("training session · set up  Alex Morgan  2026-11-02  74 unsynced  offline"), header
