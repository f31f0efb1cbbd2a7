"""The CLI's ``--json`` output is made by orjson (issue 16: ``status --json`` at 100,000 records
spent 0.6 s in ``json.dumps``) and must be exactly what ``json.dumps(indent=2,
ensure_ascii=False, default=str)`` wrote before, for every value it prints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from supervisor_tui.shell.commands.common import dumps_json


def _plain(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@dataclasses.dataclass
class _Row:
    staff_id: str
    due: dt.date


_TEXT = st.text(st.characters(codec=None, categories=None), max_size=10) | st.sampled_from(
    ["", "\u2028\u2029", "\x00\x1f\x7f", "\ud800", "\U0001f600", "é", "\\\"/", "\t\n\r\b\f"])
_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
            | st.floats() | st.sampled_from([6.103515625e-05, 1e16, 1e15, 0.1, -0.0, 1e-4, 123456789.125]) | _TEXT
            | st.dates() | st.datetimes(timezones=st.none() | st.just(dt.UTC))
            | st.builds(_Row, _TEXT, st.dates()))
_VALUES = st.recursive(
    _SCALARS,
    lambda c: st.lists(c, max_size=4) | st.tuples(c, c)
    | st.dictionaries(_TEXT | st.integers(-5, 5), c, max_size=4),
    max_leaves=30)


@settings(max_examples=3000)
@given(_VALUES)
def test_dumps_json_is_json_dumps(value) -> None:
    assert dumps_json(value) == _plain(value)


def test_status_json_of_the_demo_store_is_unchanged(tmp_path) -> None:
    env_home = str(tmp_path / "home")
    run = [sys.executable, "-m", "supervisor_tui.shell.launch", "--home", env_home]
    subprocess.run([*run, "init", "--supervisor", "SUP01", "--name", "Alex Morgan"], check=True,
                   capture_output=True)
    subprocess.run([*run, "demo"], check=True, capture_output=True)
    out = subprocess.run([*run, "status", "--json"], check=True, capture_output=True, text=True).stdout
    assert out == _plain(json.loads(out)) + "\n"
    assert len(json.loads(out)) == 24
