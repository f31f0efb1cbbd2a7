"""Shipped checklists are valid and realistic; each bad sample file gets an error naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from checklists.loader import ChecklistError, load_file, load_library
from checklists.models import Scenario, Standard

BAD = Path(__file__).parent / "data" / "checklists"


def test_shipped_library_has_what_the_product_needs():
    lib = load_library()
    scenarios = lib.scenarios()
    assert len(scenarios) >= 5
    assert {s.expected_endpoint for s in scenarios} == {
        "on_call_clinician", "supervisor", "emergency_services", "no_escalation"}
    for s in scenarios:
        assert isinstance(s, Scenario) and any(i.critical for i in s.items)
        assert "example" in s.example_notice.lower() and "adapt" in s.example_notice.lower()
        assert s.thresholds and len(s.script) > 100
    (standard,) = lib.standards()
    assert isinstance(standard, Standard) and standard.timeliness.max_hours == 48
    assert len([e for e in standard.elements if e.required]) >= 8
    assert {c.code for c in lib.restriction_codes().codes} >= {
        "paired_working", "no_high_acuity", "no_solo_community"}
    assert lib.decision_aid() is not None


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bad_missing_field.toml", "bad_missing_field.toml: expected_endpoint: Field required"),
        ("bad_endpoint.toml", "bad_endpoint.toml: expected_endpoint: Input should be"),
        ("bad_no_critical.toml", "at least one critical item"),
        ("bad_extra_key.toml", "bad_extra_key.toml: elemnts: Extra inputs are not permitted"),
        ("bad_syntax.toml", "bad_syntax.toml: not valid TOML"),
        ("bad_kind.toml", "bad_kind.toml: kind: must be one of"),
        ("bad_version.toml", "bad_version.toml: version: Input should be a valid integer"),
    ],
)
def test_bad_files_name_file_and_field(name, expected):
    with pytest.raises(ChecklistError) as info:
        load_file(BAD / name)
    assert expected in str(info.value)


def test_versions_are_kept_side_by_side(tmp_path):
    shipped = (Path(load_library.__code__.co_filename).parent / "data" / "scenario-chest-pain.v1.toml").read_text()
    (tmp_path / "chest-v2.toml").write_text(shipped.replace("version = 1", "version = 2")
                                            .replace('critical = false', 'critical = true', 1))
    lib = load_library(tmp_path)
    assert lib.get("chest-pain-home-visit").version == 2
    assert lib.get("chest-pain-home-visit", 1).items[0].critical is False
    assert lib.get("chest-pain-home-visit", 2).items[0].critical is True
