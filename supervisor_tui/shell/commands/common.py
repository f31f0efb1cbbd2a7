"""Shared CLI helpers: errors with exit codes, JSON output, opening the store."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import orjson

from storage.store import Store
from supervisor_tui.shell.settings import resolve_home

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


ENV_PROFILE = "SUPERVISOR_TUI_PROFILE"


def open_store(args: argparse.Namespace) -> Store:
    """The store of ``--home``, acting as ``--as ID`` / ``$SUPERVISOR_TUI_PROFILE`` when given
    (an unknown id is invalid input; with several profiles and no choice, commands that act
    as one exit 2 with the list)."""
    import os

    store = Store(resolve_home(getattr(args, "home", None)))
    chosen = getattr(args, "as_profile", None) or os.environ.get(ENV_PROFILE) or None
    if chosen:
        try:
            store.use(chosen)
        except BaseException:
            store.close()
            raise
    return store


def check_cohort(store: Store, cohort: str | None) -> None:
    """An unknown ``--cohort`` is invalid input (exit 2), not an empty answer."""
    if cohort and cohort not in {c["cohort_id"] for c in store.cohorts()}:
        raise CliError(f"cohort {cohort!r} is not on the roster (see 'supervisor-tui roster list')")


_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps_json(value: Any) -> str:
    """JSON as ``json.dumps(value, indent=2, ensure_ascii=False, default=str)`` writes it, made
    by orjson (10x faster: ``status --json`` of a 100,000-record store spent 0.6 s here); dates,
    datetimes and dataclasses still go through ``str`` as before; a value orjson would write
    differently (a float below 1e-4 or from 1e16, not finite) or refuses (a non-string key, an
    integer beyond 64 bits) goes the plain way. Tested differentially."""
    if not _float_free_enough(value):
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _float_free_enough(value: Any) -> bool:
    """No float that Python's ``repr`` writes in exponent form or not at all (orjson writes
    0.00006103515625 where json writes 6.103515625e-05)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, float) and (item != item or (item and not 1e-4 <= abs(item) < 1e16)):
            return False
    return True


def print_json(value: Any) -> None:
    sys.stdout.write(dumps_json(value) + "\n")


def add_home(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="store directory (default: $SUPERVISOR_TUI_HOME or the user data dir)",
    )
    add_as(parser)


def add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_profile", metavar="ID", default=argparse.SUPPRESS,
                        help=f"act as this supervisor's profile (default: ${ENV_PROFILE}, or the"
                             " only profile)")


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
