"""A pathway's requirement lines on the staff and pathway screens: a mark a reader needs no colour
for, and never "✗" for what simply has not been done yet (a newcomer read that as a failure)."""

from __future__ import annotations

from screens.describe import requirement_lines


def _view(scenarios: list[tuple[str, str | None]], shifts: tuple[int, int]) -> dict:
    return {"requirements": {}, "own_progress": {
        "scenarios": [{"scenario_id": s, "latest": latest, "passed": latest == "pass"} for s, latest in scenarios],
        "shadow_shifts": {"done": shifts[0], "required": shifts[1]},
        "compliant_samples": {"done": 0, "required": 0},
        "first_five": {"done": 0, "required": 0}}}


def test_passed_failed_and_not_yet_run_read_differently() -> None:
    lines = requirement_lines(_view([("chest-pain-home-visit", "pass"), ("new-confusion-news2", "fail"),
                                     ("fall-head-injury", None)], (1, 2)))
    assert lines == ["  ✓ scenario: Chest pressure during a home visit (last: pass)",
                     "  ✗ scenario: New confusion with raised breathing rate (last: fail)",
                     "  ○ scenario: fall-head-injury (not run yet)",  # no such scenario here: its id
                     "  ○ shadow shifts 1/2"]


def test_a_met_count_is_ticked_and_unrequired_ones_are_left_out() -> None:
    assert requirement_lines(_view([], (2, 2))) == ["  ✓ shadow shifts 2/2"]
