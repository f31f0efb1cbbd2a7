"""The checklists a sync pulls: compared with this laptop's without loading its library when
they are all shipped ones, and a new central version is named (once) in the sync's progress."""

from __future__ import annotations

from checklists.loader import shipped_library
from checklists.shipped_keys import shipped_keys
from storage.store import Store
from sync.client import sync_store
from tests.sync.helpers import enrol, make_laptop


def test_shipped_keys_are_the_shipped_librarys_keys():
    assert shipped_keys() == frozenset(shipped_library().by_key)


def test_a_first_sync_of_shipped_checklists_does_not_load_the_library(server, tmp_path):
    laptop = make_laptop(tmp_path / "a", records=3)
    enrol(laptop, server.central, server.url)
    laptop.close()
    store = Store(tmp_path / "a")  # a fresh process's store: nothing loaded yet
    messages: list[str] = []
    result = sync_store(store, progress=lambda p: messages.append(p.message))
    assert result.ok and result.accepted == 3, result
    assert (store.home / "central-checklists.json").exists()
    assert store._library is None  # noqa: SLF001 - the point of the test: never loaded
    assert not [m for m in messages if "new checklist" in m]


def test_a_new_central_version_is_named_once(server, tmp_path):
    scenario = shipped_library().scenarios()[0]
    v2 = scenario.model_dump(mode="json") | {"version": scenario.version + 1, "title": "2026 revision"}
    server.app.state.api.checklists = [*server.app.state.api.checklists, v2]
    laptop = make_laptop(tmp_path / "a", records=2)
    enrol(laptop, server.central, server.url)
    messages: list[str] = []
    assert sync_store(laptop, progress=lambda p: messages.append(p.message)).ok
    named = [m for m in messages if "new checklist version(s)" in m]
    assert named == [f"new checklist version(s) from the central store: {scenario.id} v{scenario.version + 1}"
                     " (used from the next start of the app)"]
    messages.clear()
    assert sync_store(laptop, progress=lambda p: messages.append(p.message)).ok
    assert not [m for m in messages if "new checklist" in m]  # the same file: not named again
