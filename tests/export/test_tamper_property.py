"""Property: any single changed character inside a record of a pack is caught."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from storage.export import render_local
from supervisor_tui.reports.pack import verify_pack
from supervisor_tui.shell.commands.common import CliError
from supervisor_tui.shell.commands.export_cmd import load_pack
from tests.export.conftest import NOW

REPLACEMENTS = st.sampled_from(list("0123456789abcdefABCDEF \"'{}[],:.-_eEtn\\/zé\u00a0\t\n"))


@pytest.fixture
def pack_text(store, data) -> str:
    return render_local(store, "S008", "json", NOW)


def _record_span(text: str) -> tuple[int, int]:
    start = text.index('"records": [')
    end = text.index('"receipts":', start)
    return start + len('"records": ['), end


def test_the_untouched_pack_verifies(pack_text):
    assert verify_pack(json.loads(pack_text)).ok


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.floats(min_value=0, max_value=1, exclude_max=True), replacement=REPLACEMENTS)
def test_one_changed_character_in_a_record_is_caught(pack_text, position, replacement, tmp_path_factory):
    start, end = _record_span(pack_text)
    index = start + int(position * (end - start))
    assume(pack_text[index] != replacement)
    changed = pack_text[:index] + replacement + pack_text[index + 1:]
    try:
        pack = json.loads(changed)
    except ValueError:
        path = tmp_path_factory.mktemp("t") / "pack.json"
        path.write_text(changed)
        with pytest.raises(CliError) as caught:  # verify-export exits 1 on a damaged file
            load_pack(str(path))
        assert caught.value.code == 1
        return
    assume(pack != json.loads(pack_text))  # whitespace between tokens changes no data
    assert not verify_pack(pack).ok


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


ODD_VALUES = st.sampled_from([None, 0, 1, -1, True, "", "x", "0" * 64, [], {}, [1], [[1, 2, 3]], {"a": 1}, 1.5])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.integers(min_value=0), value=ODD_VALUES)
def test_any_replaced_value_anywhere_in_the_pack_is_rejected_without_crashing(pack_text, choice, value):
    pack = json.loads(pack_text)
    paths = [p for p in _paths(pack) if p]
    path = paths[choice % len(paths)]
    changed = json.loads(pack_text)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assume(changed != pack)
    report = verify_pack(changed)  # never raises
    assert not report.ok, path
