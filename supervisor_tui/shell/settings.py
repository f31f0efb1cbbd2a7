"""Where the local store lives and the settings that control it.

The home directory is, in order: ``--home DIR``, ``$SUPERVISOR_TUI_HOME``, the platformdirs user
data dir for ``supervisor-tui``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field

ENV_HOME = "SUPERVISOR_TUI_HOME"


def resolve_home(cli_home: str | os.PathLike[str] | None = None) -> Path:
    """The store directory chosen by flag, environment or platform default."""
    if cli_home:
        return Path(cli_home).expanduser()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("supervisor-tui", appauthor=False))


class Settings(BaseModel):
    """Run-time settings for the app, built once by the CLI and passed down."""

    model_config = ConfigDict(frozen=True)

    home: Path = Field(description="Directory holding store.db and device.key.")
    server: str | None = Field(default=None, description="Central governance store URL, if enrolled.")
    auto_sync: bool = Field(default=False, description="Sync in the background when the server is reachable.")
