"""Checklists pulled from the central store are validated and added; conflicts and bad ones are
skipped and named."""

from __future__ import annotations

import json

from checklists.loader import shipped_library
from checklists.pulled import PULLED_FILE, with_pulled


def _pulled(tmp_path, items) -> None:
    (tmp_path / PULLED_FILE).write_text(json.dumps(items), "utf-8")


def test_a_new_central_version_is_added_and_becomes_the_latest(tmp_path):
    base = shipped_library()
    scenario = base.scenarios()[0]
    v2 = scenario.model_dump(mode="json") | {"version": scenario.version + 1, "title": scenario.title + " (2026 revision)"}
    conflicting = scenario.model_dump(mode="json") | {"title": "same version, other content"}
    same = scenario.model_dump(mode="json")
    _pulled(tmp_path, [v2, conflicting, same, {"kind": "scenario", "id": "x"}, {"kind": "poem"}, 7])
    library, problems = with_pulled(base, tmp_path)
    assert library is not base and base.get(scenario.id).version == scenario.version  # base untouched
    latest = library.get(scenario.id)
    assert latest.version == scenario.version + 1 and latest.title.endswith("(2026 revision)")
    assert library.get(scenario.id, scenario.version) == scenario
    assert len(library.by_key) == len(base.by_key) + 1
    assert len(problems) == 4
    assert f"{scenario.id} v{scenario.version} differs from this laptop's" in problems[0]
    assert all("skipped" in p for p in problems[1:])


def test_no_file_or_a_broken_file_leaves_the_library_as_is(tmp_path):
    base = shipped_library()
    assert with_pulled(base, tmp_path) == (base, [])
    (tmp_path / PULLED_FILE).write_text("{not json", "utf-8")
    library, problems = with_pulled(base, tmp_path)
    assert library is base and "unreadable" in problems[0]


def test_a_store_uses_a_version_pulled_at_the_last_sync(tmp_path):
    from storage.store import Store
    from supervisor_tui.model.rules import RecordInvalid
    from tests.export.dataset import check

    home = tmp_path / "laptop"
    store = Store(home)
    store.init_profile("SUP01", "Alex Morgan")
    store.upsert_roster([{"staff_id": "S001", "name": "Amara Okafor", "role": "Support worker",
                          "cohort": "overnight-float"}], {})
    scenario = store.library.scenarios()[0]
    body = check(store, "S001", scenario.id, True) | {"scenario_version": scenario.version + 1}
    try:
        store.append("scenario_check", body)
        raise AssertionError("an unknown version was accepted")
    except RecordInvalid as exc:
        assert "version" in str(exc)
    store.close()
    v2 = scenario.model_dump(mode="json") | {"version": scenario.version + 1}
    _pulled(home, [v2])
    store = Store(home)
    assert store.library.get(scenario.id).version == scenario.version + 1 and store.library_problems == []
    record = store.append("scenario_check", body)
    assert record["body"]["scenario_version"] == scenario.version + 1
    assert store.verify().ok
    store.close()


def test_checklists_list_and_show_include_pulled_versions(cli, home):
    base = shipped_library()
    scenario = base.scenarios()[0]
    home.mkdir(parents=True, exist_ok=True)
    _pulled(home, [scenario.model_dump(mode="json") | {"version": scenario.version + 1, "title": "Revised"}])
    rows = {r["id"]: r for r in cli("checklists", "list", "--json").json()}
    assert rows[scenario.id]["version"] == scenario.version + 1 and rows[scenario.id]["source"] == "central"
    assert {r["source"] for r in rows.values() if r["id"] != scenario.id} == {"shipped"}
    shown = cli("checklists", "show", scenario.id, "--json").json()
    assert shown["version"] == scenario.version + 1 and shown["title"] == "Revised"
