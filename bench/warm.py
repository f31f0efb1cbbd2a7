"""Bytecode for the project's own modules before a benchmark times a process start.

An installed program imports from cached bytecode after its first run; a checkout run with
``PYTHONDONTWRITEBYTECODE=1`` (as on the shared dev machines) compiles every module of ours from
source in every process, 0.1-0.2 s per start that no user pays. Benchmarks that start processes
importing our code call :func:`compile_sources` first, so they time what a user's second start
costs; third-party packages were compiled when pip installed them.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("checklists", "supervisor_tui", "storage", "sync", "screens")


def compile_sources() -> None:
    """Write ``__pycache__`` for every module of the project (py_compile writes even when
    ``PYTHONDONTWRITEBYTECODE`` is set; only stale or missing files are compiled)."""
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
