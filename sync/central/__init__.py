"""The central governance store behind one interface, on SQLite or PostgreSQL.

``open_central(url)`` chooses the backend from a database URL: ``sqlite:///PATH`` (SQLAlchemy's
convention: ``sqlite:///rel/path.db`` is relative, ``sqlite:////abs/path.db`` absolute) or
``postgresql://user@host:port/dbname``. Without a URL the default is ``$GOVERNANCE_STORE_DB`` or a
SQLite file in the user data dir for ``governance-store``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from sync.central.base import CentralError, CentralStore, CentralVerifyReport, DeviceInfo

ENV_DB = "GOVERNANCE_STORE_DB"

__all__ = ["CentralError", "CentralStore", "CentralVerifyReport", "DeviceInfo", "ENV_DB",
           "default_url", "open_central", "sqlite_path"]


class DatabaseURLError(ValueError):
    """A --db value that names no supported database."""


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("governance-store", appauthor=False))


def default_url() -> str:
    return os.environ.get(ENV_DB) or f"sqlite:///{data_dir() / 'central.db'}"


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, None for other schemes."""
    if not url.startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///"):]
    if not rest or rest.endswith("/"):
        raise DatabaseURLError(f"{url!r}: no file name after sqlite:///")
    return Path(rest)


def open_central(url: str | None = None) -> CentralStore:
    """Open (creating the schema if needed) the central store at ``url``."""
    url = url or default_url()
    path = sqlite_path(url)
    if path is not None:
        from sync.central.sqlite_backend import SQLiteCentral

        return SQLiteCentral(path, url)
    if url.startswith(("postgresql://", "postgres://")):
        from sync.central.postgres_backend import PostgresCentral

        return PostgresCentral(url)
    raise DatabaseURLError(f"--db {url!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
