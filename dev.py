#!/usr/bin/env python3
"""Set up a virtual environment in .venv and run the app or the tests (needs only Python 3.11+).

    python3 dev.py app [ARGS...]   install, then run supervisor-tui (no ARGS: the TUI)
    python3 dev.py test [ARGS...]  install with test extras, then ruff and the whole pytest suite
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run under an old python3
        sys.exit("supervisor-tui needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    stamp = VENV / f".installed-{extras or 'app'}"
    # Editable installs map top-level packages when installed: a new package needs a reinstall.
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + repr(packages).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def main() -> int:
    command, *rest = sys.argv[1:] or ["app"]
    if command == "app":
        ensure_venv("")
        return subprocess.call([str(BIN / "supervisor-tui"), *rest])
    if command == "test":
        ensure_venv("test")
        lint = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
        tests = subprocess.call([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT)
        return tests or lint
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
