"""Fixtures for export and report tests: a store holding the fixed data set."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from storage.store import Store
from tests.export.dataset import TODAY, write_dataset

NOW = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC)


@pytest.fixture
def data(store: Store) -> dict:
    """The fixed data set's records by short name (``store`` is the conftest store)."""
    return write_dataset(store)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def need_tool(path: str | None, what: str) -> str:
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required with CI=true")
    pytest.skip(f"{what} not installed")
