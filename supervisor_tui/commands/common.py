"""Shared CLI helpers: errors with exit codes, JSON output, opening the store."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from storage.store import Store
from supervisor_tui.settings import resolve_home

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_UNREACHABLE = 3


class CliError(Exception):
    """A failure to report on stderr (one line per entry in ``lines``) with an exit code."""

    def __init__(self, message: str | list[str], code: int = EXIT_INVALID):
        lines = message if isinstance(message, list) else [message]
        super().__init__("; ".join(lines))
        self.lines = lines
        self.code = code


def open_store(args: argparse.Namespace) -> Store:
    return Store(resolve_home(getattr(args, "home", None)))


def check_cohort(store: Store, cohort: str | None) -> None:
    """An unknown ``--cohort`` is invalid input (exit 2), not an empty answer."""
    if cohort and cohort not in {c["cohort_id"] for c in store.cohorts()}:
        raise CliError(f"cohort {cohort!r} is not on the roster (see 'supervisor-tui roster list')")


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def add_home(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="store directory (default: $SUPERVISOR_TUI_HOME or the user data dir)",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
