"""The server's Ed25519 receipt key: a 0600 file beside the SQLite database or at a given path."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from supervisor_tui.model.signing import DeviceKey, KeyFileError
from sync.central import data_dir, sqlite_path

ENV_KEY = "GOVERNANCE_STORE_KEY"


def default_key_path(db_url: str) -> Path:
    """``$GOVERNANCE_STORE_KEY``, else ``<db file>.server.key``, else ``server.key`` in the data dir."""
    env = os.environ.get(ENV_KEY)
    if env:
        return Path(env)
    path = sqlite_path(db_url)
    if path is not None:
        return path.with_name(path.name + ".server.key")
    return data_dir() / "server.key"


def load_or_create(path: Path) -> DeviceKey:
    """Load the receipt key, creating it (mode 0600) on first use; refuse a key others can read."""
    if not path.exists():
        try:
            DeviceKey.generate().save(path)
        except FileExistsError:  # another instance created it first
            pass
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"server key {path} has mode {mode:o}; run 'chmod 600 {path}'")
    return DeviceKey.load(path)
