"""Where the local store lives.

The home directory is, in order: ``--home DIR``, ``$SUPERVISOR_TUI_HOME``, the platformdirs user
data dir for ``supervisor-tui``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_HOME = "SUPERVISOR_TUI_HOME"


def resolve_home(cli_home: str | os.PathLike[str] | None = None) -> Path:
    """The store directory chosen by flag, environment or platform default."""
    if cli_home:
        return Path(cli_home).expanduser()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("supervisor-tui", appauthor=False))
