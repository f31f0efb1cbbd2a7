"""The receipt key file of ``governance-store serve``: several instances starting at once on one
key path all end up with the same key, the file is whole and 0600, and nothing is left behind."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from supervisor_tui.model.signing import DeviceKey, KeyFileError
from sync.server.keys import load_or_create


def _start_together(path: Path, instances: int = 8) -> tuple[list[str], list[BaseException]]:
    start = threading.Barrier(instances)
    found: list[str] = []
    errors: list[BaseException] = []

    def instance() -> None:
        start.wait()
        try:
            found.append(load_or_create(path).public_key_hex)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=instance) for _ in range(instances)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return found, errors


def test_instances_starting_together_share_one_whole_key(tmp_path: Path) -> None:
    for round_ in range(20):
        path = tmp_path / f"r{round_}" / "server.key"
        found, errors = _start_together(path)
        assert not errors, errors
        assert len(set(found)) == 1 and len(found) == 8
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert sorted(p.name for p in path.parent.iterdir()) == ["server.key"]  # no temp file left


def test_an_existing_key_is_never_overwritten_and_a_readable_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "server.key"
    first = load_or_create(path)
    with pytest.raises(FileExistsError):
        DeviceKey.generate().save(path)
    assert load_or_create(path).public_key_hex == first.public_key_hex
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create(path)
