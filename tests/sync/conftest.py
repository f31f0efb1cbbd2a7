"""Sync fixtures: a throwaway PostgreSQL 15 cluster per session, central stores on both backends,
and a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sync.central import CentralStore, open_central
from tests.pg import PostgresCluster, pg_unavailable
from tests.sync.helpers import ThreadServer

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster():
    reason = pg_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but PostgreSQL is unavailable: {reason}")
        pytest.skip(reason)
    cluster = PostgresCluster.start()
    yield cluster
    cluster.stop()


def new_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return request.getfixturevalue("pg_cluster").create_database()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return new_db_url(request.param, tmp_path, request)


@pytest.fixture
def central(db_url: str) -> CentralStore:
    store = open_central(db_url)
    yield store
    store.close()


@pytest.fixture
def server(central: CentralStore) -> ThreadServer:
    srv = ThreadServer(central).start()
    yield srv
    srv.stop()
