"""``shape_problem``'s fast path (``_plainly_within_limits``) never changes its answer: checked
against the full walk on generated JSON values and at every limit's boundary."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from supervisor_tui.model import limits
from supervisor_tui.model.limits import (
    MAX_BODY_BYTES,
    MAX_BODY_DEPTH,
    MAX_BODY_NODES,
    MAX_STRING,
    shape_problem,
)

_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**60, max_value=2**60)
            | st.text(max_size=20) | st.floats(allow_nan=False))
_VALUES = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
                       max_leaves=60)


@settings(max_examples=500)
@given(_VALUES)
def test_fast_path_agrees_with_the_full_walk(value) -> None:
    assert shape_problem(value) == limits._shape_problem(value)


def _nested(depth: int) -> dict:
    body: dict = {"leaf": 1}
    for _ in range(depth - 2):
        body = {"x": body}
    return body


def test_boundaries_agree() -> None:
    cases = [
        _nested(MAX_BODY_DEPTH), _nested(MAX_BODY_DEPTH + 1), {"a": [[[[[[[]]]]]]]}, {"a": [[[[[[[1]]]]]]]},
        {"s": "x" * MAX_STRING}, {"s": "x" * (MAX_STRING + 1)}, {"k" * (MAX_STRING + 1): 1},
        {"n": list(range(MAX_BODY_NODES - 2))}, {"n": list(range(MAX_BODY_NODES - 1))},
        {"n": [2**53 - 1, -(2**53 - 1)]}, {"n": 2**53}, {"f": 1.0}, {1: "x"}, {"t": (1, 2)},
        {"big": ["\u00e9" * 7000] * 12}, {"big": ["a" * 7999] * 8}, {"big": ["a" * 7999] * 9},
        {"esc": ["\u0001" * 4000] * 4}, "text", 5, None, [],
    ]
    for case in cases:
        assert shape_problem(case) == limits._shape_problem(case), case
    assert shape_problem(_nested(MAX_BODY_DEPTH)) is None
    assert "nested" in shape_problem(_nested(MAX_BODY_DEPTH + 1))
    assert "bytes" in shape_problem({"big": ["a" * 7999] * 9}) and 7999 * 9 > MAX_BODY_BYTES
