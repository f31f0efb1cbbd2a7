"""Web view fixtures: a seeded central store on SQLite and PostgreSQL, a live server, accounts,
and a real Chromium (Debian's /usr/bin/chromium driven by Playwright; never downloaded)."""

from __future__ import annotations

import os
import shutil

import pytest

from storage.store import Store
from sync.central import open_central
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)
from tests.web.helpers import WebServer, make_accounts, seed

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(params=["sqlite", "postgresql"])
def web_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return request.getfixturevalue("pg_cluster").create_database()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'central.db'}"


def _site(url: str, store: Store):
    central = open_central(url)
    seed(central, store)
    make_accounts(central)
    server = WebServer(central).start()
    return central, server


@pytest.fixture
def site(web_url, store):
    """A live server over a seeded store, on both backends, with a viewer, auditor and admin."""
    central, server = _site(web_url, store)
    yield server
    server.stop()
    central.close()


@pytest.fixture
def sqlite_site(sqlite_url, store):
    """The same on SQLite only (for the checks that do not depend on the backend)."""
    central, server = _site(sqlite_url, store)
    yield server
    server.stop()
    central.close()


def chromium_executable() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium (Debian package chromium) is required with CI=true")
    pytest.skip("chromium not installed")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (one per test module, closed after it)."""
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()
