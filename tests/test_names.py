"""People's words for checklist ids (checklists/names.py): titles and restriction texts."""

from __future__ import annotations

from checklists.loader import shipped_library
from checklists.names import (
    library_names,
    names_from,
    names_of,
    restrictions_in_words,
    shipped_names,
    short_restriction,
)


def test_shipped_names_read_without_pydantic_equal_the_loaded_library() -> None:
    assert shipped_names() == library_names(shipped_library())
    assert names_of(None) == shipped_names()
    assert shipped_names().scenarios, "the shipped checklists name scenarios"
    assert shipped_names().restrictions, "the shipped checklists name restriction codes"


def test_unknown_or_hostile_ids_are_shown_as_themselves() -> None:
    names = shipped_names()
    assert names.scenario("no-such-scenario") == "no-such-scenario"
    assert names.restriction("no_such_code") == "no_such_code"
    assert names.scenario(None) == "None" and names.restriction(["x"]) == "['x']"


def test_later_version_title_wins_and_malformed_items_are_skipped() -> None:
    names = names_from([
        {"kind": "scenario", "id": "s", "version": 2, "title": "New title"},
        {"kind": "scenario", "id": "s", "version": 1, "title": "Old title"},
        {"kind": "scenario", "id": "t", "version": "x", "title": 5},
        "not a checklist",
        {"kind": "restrictions", "codes": [{"code": "no_solo", "text": "No solo visits"}, {"code": 3}, "x"]},
    ])
    assert names.scenarios == {"s": "New title"}
    assert names.restrictions == {"no_solo": "No solo visits"}


def test_restrictions_in_words_keeps_the_codes_for_those_who_look_them_up() -> None:
    names = names_from([{"kind": "restrictions", "codes": [{"code": "no_solo", "text": "No solo visits"}]}])
    assert restrictions_in_words(["no_solo", "odd"], names) == "No solo visits (no_solo); odd"
    assert restrictions_in_words(["no_solo"], names, with_codes=False) == "No solo visits"
    assert restrictions_in_words("not a list", names) == "not a list"
    assert short_restriction("no_solo_community") == "no solo community"
