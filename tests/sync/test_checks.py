"""The server's fast canonical encoding gives exactly the bytes of ``supervisor_tui.model.canonical``."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.demo import load_story
from supervisor_tui.model.canonical import canonical_bytes, sha256_hex
from supervisor_tui.model.checks import computed_hash, envelope_problem, parse_strict
from supervisor_tui.model.signing import unsigned_part
from tests.sync.helpers import make_laptop


def test_fast_path_matches_canonical_bytes_on_real_records(tmp_path):
    from storage.demo import bulk_items

    store = make_laptop(tmp_path / "l")
    now = dt.datetime.now(dt.UTC)
    load_story(store, now)
    store.append_many(list(bulk_items(store, 300, now + dt.timedelta(minutes=1))))
    records = store.records()
    assert {r["kind"] for r in records} >= {"scenario_check", "restriction_started", "pathway_closed"}
    for record in records:
        wire = parse_strict(canonical_bytes(record))
        assert envelope_problem(wire) is None
        data, digest, body = computed_hash(wire, strict_json=True)
        assert data == canonical_bytes(unsigned_part(record))
        assert digest == record["hash"] == sha256_hex(data)
        assert body == canonical_bytes(record["body"]).decode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=5),
       kind=st.text(max_size=12))
def test_fast_path_matches_or_refuses_any_body(body, kind):
    record = {"id": "01234567-89ab-7def-8123-456789abcdef", "kind": kind, "schema": 1,
              "author": "SUP01", "device": "dev-1", "seq": 2, "prev": "a" * 64,
              "created_at": "2026-11-02T09:00:00.000000Z", "body": body}
    try:
        expected = canonical_bytes(record)
    except ValueError:
        expected = None
    data, _digest, _body = computed_hash(record, strict_json=True)
    if expected is not None and data is not None:
        assert data == expected
    if expected is None and data is not None:
        assert _has_non_ascii_key(body)  # canonical refuses those by policy; the body model does too


def _has_non_ascii_key(value) -> bool:
    if isinstance(value, dict):
        return any(not k.isascii() or _has_non_ascii_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_non_ascii_key(v) for v in value)
    return False


_ENVELOPE_VALUES = st.sampled_from([
    "", "a", "A|B", "x\n", "SUP01", "dev-1", "scenario_check", "a" * 64, "A" * 64, "a" * 63, "a" * 128, "0" * 128,
    "0f0e0d0c-0b0a-4908-8706-050403020100", "0F0E0D0C-0B0A-4908-8706-050403020100",
    "2026-11-02T09:00:00.000000Z", "2026-11-02T09:00:00Z", "2026-02-30T09:00:00Z", "2026-11-02T25:00:00Z",
    "2026-11-02T09:00:00.1234567Z", "2026-11-02 09:00:00Z", 0, 1, 2, -1, True, 2**53, None, 1.0, [], {}, {"a": 1},
])


@settings(max_examples=1500)
@given(st.data())
def test_the_one_pattern_envelope_check_agrees_with_the_field_by_field_check(data):
    """``envelope_problem(record, shaped=True)`` first tries every string field against one
    joined pattern: a pass there must be a pass of the field-by-field check."""
    from supervisor_tui.model.checks import ENVELOPE_FIELDS, _plain_envelope

    record = {"id": "0f0e0d0c-0b0a-4908-8706-050403020100", "kind": "scenario_check", "schema": 1,
              "author": "SUP01", "device": "dev-1", "seq": 2, "prev": "a" * 64,
              "created_at": "2026-11-02T09:00:00.000000Z", "body": {"a": 1}, "hash": "b" * 64, "sig": "c" * 128}
    assert _plain_envelope(record) and envelope_problem(record, shaped=True) is None
    for _ in range(data.draw(st.integers(1, 3))):
        action = data.draw(st.sampled_from(["set", "set", "drop", "extra"]))
        name = data.draw(st.sampled_from(ENVELOPE_FIELDS))
        if action == "set":
            record[name] = data.draw(_ENVELOPE_VALUES)
        elif action == "drop":
            record.pop(name, None)
        else:
            record["extra"] = 1
    if _plain_envelope(record):
        assert envelope_problem(record, shaped=True) is None, record
    assert not _plain_envelope([record]) and not _plain_envelope(None)
