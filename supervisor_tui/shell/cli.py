"""The ``supervisor-tui`` command: with no arguments it opens the app; sub-commands script it."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence

from supervisor_tui import __version__
from supervisor_tui.shell.commands import (
    checklists_cmd,
    closure_cmd,
    core,
    demo_cmd,
    export_cmd,
    identity_cmd,
    pack_cmd,
    records_cmd,
    roster_cmd,
    sync_cmd,
)
from supervisor_tui.shell.commands.common import EXIT_FAILED, EXIT_INVALID, CliError

COMMAND_MODULES = [core, identity_cmd, roster_cmd, checklists_cmd, records_cmd, closure_cmd, pack_cmd, demo_cmd,
                   sync_cmd, export_cmd]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, never a usage dump
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_INVALID)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="supervisor-tui",
        description="Offline-first re-validation checklists for supervisors. With no command it "
        "opens the app; the commands below script it.",
    )
    parser.add_argument("--version", action="version", version=f"supervisor-tui {__version__}")
    parser.add_argument("--home", metavar="DIR", default=None,
                        help="store directory (default: $SUPERVISOR_TUI_HOME or the user data dir)")
    parser.add_argument("--as", dest="as_profile", metavar="ID", default=None,
                        help="act as this supervisor's profile (default: $SUPERVISOR_TUI_PROFILE)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def run_app(home: str | None) -> int:
    from supervisor_tui.shell.app import run  # Textual is imported only when the app runs

    return run(home)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return run_app(args.home)
        return args.handler(args)
    except CliError as exc:
        for line in exc.lines:
            sys.stderr.write(f"supervisor-tui: {line}\n")
        return exc.code
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        code = _known_error(exc)
        if code is None:
            raise
        return code
    except KeyboardInterrupt:
        sys.stderr.write("supervisor-tui: interrupted\n")
        return 130


def _loaded(module: str, name: str) -> type | None:
    """An error class, if its module was imported: one that was not cannot have raised (so the
    CLI starts without importing pydantic, the checklists or PyNaCl for commands that need none)."""
    return getattr(sys.modules.get(module), name, None)


def _known_error(exc: Exception) -> int | None:
    """One line (or a few) on stderr for an error a person can act on; None for a bug."""
    invalid = _loaded("supervisor_tui.model.rules", "RecordInvalid")
    if invalid is not None and isinstance(exc, invalid):
        from screens.wording import plain  # the forms' wording for library messages ("required")

        for problem in exc.problems:
            field, sep, message = problem.partition(": ")
            line = f"{field}: {plain(message)}" if sep and " " not in field else plain(problem)
            sys.stderr.write(f"supervisor-tui: invalid: {line}\n")
        return EXIT_INVALID
    ambiguous = _loaded("storage.profile", "AmbiguousProfile")
    if ambiguous is not None and isinstance(exc, ambiguous):
        sys.stderr.write(f"supervisor-tui: {exc.args[0].split(':')[0]}:\n")
        for p in exc.profiles:
            sys.stderr.write(f"supervisor-tui:   --as {p.supervisor}   ({p.name})\n")
        return EXIT_INVALID
    plain = tuple(cls for cls in (_loaded("storage.profile", "StoreError"),
                                  _loaded("supervisor_tui.model.signing", "KeyFileError"),
                                  _loaded("checklists.loader", "ChecklistError"),
                                  _loaded("storage.roster", "RosterError")) if cls is not None)
    if isinstance(exc, plain):
        sys.stderr.write(f"supervisor-tui: {exc}\n")
        return EXIT_INVALID
    if isinstance(exc, sqlite3.DatabaseError):
        sys.stderr.write(f"supervisor-tui: database error: {exc}\n")
        return EXIT_FAILED
    if isinstance(exc, OSError):
        sys.stderr.write(f"supervisor-tui: {exc.strerror or exc}: {exc.filename or ''}\n")
        return EXIT_FAILED
    return None


if __name__ == "__main__":
    raise SystemExit(main())
