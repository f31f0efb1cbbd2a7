"""The quick path of the acceptance check (``supervisor_tui.model.acceptance_fast``) accepts
only what the full check accepts: on every kind's real bodies (which it must accept: otherwise
it is never used) and on hostile changes of them (wrong types, ``None``, extra and missing
fields, untrimmed and over-long strings, bools for ints, floats, deep nesting, wrong derived
fields, items twice or missing, amendments). "Accepts" means the full check (``quick=False``)
finds no problem *and* the body's size and shape are within limits."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklists.loader import shipped_library
from storage.demo import load_story
from supervisor_tui.model.acceptance import body_problems, record_fast_accepts
from supervisor_tui.model.acceptance_fast import fast_accepts, top_model
from supervisor_tui.model.limits import MAX_STRING, shape_problem
from supervisor_tui.model.records import MODELS
from tests.sync.helpers import make_laptop

LIBRARY = shipped_library()


@pytest.fixture(scope="module")
def bodies(tmp_path_factory) -> list[tuple[str, int, dict]]:
    """Every record of a laptop with the demo story and 300 bulk records: all kinds a laptop
    signs (amendments, decisions of schema 2, closures included)."""
    found = []
    for records in (0, 300):
        store = make_laptop(tmp_path_factory.mktemp("fast") / "laptop", records=records)
        if not records:
            load_story(store, dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))
        found += [(r["kind"], r["schema"], r["body"]) for r in store.records()]
        store.close()
    return found


def _full_accepts(kind, schema, body) -> bool:
    return shape_problem(body) is None and body_problems(kind, schema, body, LIBRARY, lambda _h: None,
                                                         quick=False) == []


def _agrees(kind, schema, body) -> None:
    if fast_accepts(kind, schema, body, LIBRARY):
        assert _full_accepts(kind, schema, body), (kind, schema, body)
        assert body_problems(kind, schema, body, LIBRARY, lambda _h: None) == []


def test_every_real_body_of_a_kind_with_a_quick_path_is_accepted_quickly(bodies):
    kinds = {kind for kind, _, _ in bodies}
    assert {"scenario_check", "shadow_escalation", "note_assessment", "amendment", "restriction_started",
            "pathway_assigned", "pathway_closed"} <= kinds, kinds
    for kind, schema, body in bodies:
        if kind == "amendment":
            assert not fast_accepts(kind, schema, body, LIBRARY)  # it depends on a held record
            continue
        assert fast_accepts(kind, schema, body, LIBRARY), (kind, body)
        assert _full_accepts(kind, schema, body)


def test_every_known_model_but_the_amendment_has_a_quick_path():
    assert [key for key in MODELS if top_model(*key) is None] == [("amendment", 1)]


_HOSTILE = st.sampled_from([
    None, True, False, 0, 1, -1, 7, 2**53 - 1, 2**53, -(2**53), 1.5, 0.0, "", " ", "x", " x", "x ", "\u00a0x",
    "x\u2028", "\x1cx", "\ud800", "2026-02-30", "2026-1-01", "2026-11-02", "pass", "fail", "n/a", "compliant",
    "rework", "supervisor", "day", "sample", "S001", "S001\n", "s 001", "x" * 4001, "x" * (MAX_STRING + 1), [],
    [None], ["S001"], [1], {}, {"a": 1}, [[[[[[[[[["deep"]]]]]]]]]], {"a": {"b": {"c": {"d": {"e": {"f": {}}}}}}},
])


def _paths(value, prefix=()):
    """Every (path, value) inside a body: dict keys and list indexes."""
    yield prefix, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _mutate(body, data) -> dict:
    body = copy.deepcopy(body)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p, _ in _paths(body) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        *head, last = path
        parent = body
        for step in head:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "replace", "replace", "delete", "extra", "copy", "twice"]))
        if action == "replace":
            parent[last] = copy.deepcopy(data.draw(_HOSTILE))
        elif action == "delete":
            del parent[last]
        elif action == "extra" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["extra", "note", "outcome", "agreed", "attempt", last + "_"]
                                             if isinstance(last, str) else ["extra"]))] = copy.deepcopy(data.draw(_HOSTILE))
        elif action == "copy":  # another field's value (a valid value of the wrong field)
            parent[last] = copy.deepcopy(data.draw(st.sampled_from([v for _, v in _paths(body)])))
        elif action == "twice" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return body


@settings(max_examples=3000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(st.data())
def test_hostile_changes_are_never_accepted_by_the_quick_path_alone(bodies, data):
    kind, schema, body = data.draw(st.sampled_from(bodies))
    changed = _mutate(body, data)
    other = data.draw(st.sampled_from(sorted(MODELS)))  # the body under another kind or schema
    _agrees(kind, schema, changed)
    _agrees(other[0], other[1], changed)


def test_hand_picked_hostile_bodies(bodies):
    by_kind = {}
    for kind, schema, body in bodies:
        by_kind.setdefault((kind, schema), body)
    check = by_kind[("scenario_check", 1)]
    note = by_kind[("note_assessment", 1)]
    shadow = by_kind[("shadow_escalation", 1)]
    flip = {"pass": "fail", "fail": "pass", "compliant": "rework", "rework": "compliant"}
    cases = [
        ("scenario_check", 1, check | {"outcome": flip[check["outcome"]]}),
        ("scenario_check", 1, check | {"expected_endpoint": "no_escalation" if check["expected_endpoint"] != "no_escalation"
                                       else "supervisor"}),
        ("scenario_check", 1, check | {"failed_critical": [*check["failed_critical"], "x"]}),
        ("scenario_check", 1, check | {"scenario_version": 2}),
        ("scenario_check", 1, {k: v for k, v in check.items() if k != "scenario_version"}),
        ("scenario_check", 1, check | {"items": check["items"] + check["items"][:1]}),
        ("scenario_check", 1, check | {"items": check["items"][1:]}),
        ("scenario_check", 1, check | {"decision_seconds": True}),
        ("scenario_check", 1, check | {"decision_seconds": float(check["decision_seconds"])}),
        ("scenario_check", 1, check | {"remediation": None}),
        ("scenario_check", 1, check | {"staff_id": " " + check["staff_id"]}),
        ("note_assessment", 1, {k: v for k, v in note.items() if k != "attempt"}),
        ("note_assessment", 1, note | {"sequence": 5, "review": "sample"}),
        ("note_assessment", 1, note | {"timely": 1}),
        ("note_assessment", 1, note | {"missing_elements": ["date-of-service"]}),
        ("note_assessment", 1, note | {"outcome": flip[note["outcome"]]}),
        ("note_assessment", 1, note | {"elements": [e | {"present": 1} for e in note["elements"]]}),
        ("shadow_escalation", 1, shadow | {"agreed": not shadow["agreed"]}),
        ("shadow_escalation", 1, shadow | {"shift_date": "2026-02-30"}),
        ("shadow_escalation", 1, shadow | {"shift_date": "20261102"}),
        ("shadow_escalation", 1, shadow | {"situation": "x" * 4001}),
        ("shadow_escalation", 1, shadow | {"situation": "\ud800"}),
        ("shadow_escalation", 1, shadow | {"learning_note": "\u3000note"}),
        ("shadow_escalation", 2, shadow),
        ("shadow_escalation", True, shadow),
        ("amendment", 1, {"amends": "a" * 64, "reason": "typo", "body": shadow}),
    ]
    for kind, schema, body in cases:
        assert not fast_accepts(kind, schema, body, LIBRARY), (kind, body)
        _agrees(kind, schema, body)
    assert fast_accepts("shadow_escalation", 1, shadow, LIBRARY)
    assert not record_fast_accepts([shadow], LIBRARY) and not record_fast_accepts(None, LIBRARY)


def test_made_up_kinds_and_schemas_are_not_remembered() -> None:
    """Every pushed record's kind and schema reach the quick path: unknown ones must not grow its
    cache (a hostile laptop could otherwise fill the server's memory)."""
    from supervisor_tui.model import acceptance_fast

    before = len(acceptance_fast._TOP)  # noqa: SLF001
    for n in range(50):
        assert acceptance_fast.top_model(f"made-up-{n}", 1) is None
        assert acceptance_fast.top_model("scenario_check", 1000 + n) is None
    assert len(acceptance_fast._TOP) == before  # noqa: SLF001
