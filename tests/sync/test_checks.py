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
