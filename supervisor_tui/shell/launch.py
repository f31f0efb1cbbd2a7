"""The ``supervisor-tui`` console entry: with no command (optionally ``--home DIR``) it opens
the app straight away, without building the command-line parser, whose command modules import
the record models, rules and checklist loader (pydantic: about 0.3 s the app does not need to
show the roster). Anything else goes to ``supervisor_tui.shell.cli.main`` unchanged."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence

_NO_HOME = object()


def app_home(args: Sequence[str]) -> str | None | object:
    """The ``--home`` of a bare app start (None: the default home), or ``_NO_HOME`` when the
    arguments hold a command or any other option."""
    if not args:
        return None
    if len(args) == 2 and args[0] == "--home" and not args[1].startswith("-"):
        return args[1]
    if len(args) == 1 and args[0].startswith("--home=") and len(args[0]) > len("--home="):
        return args[0].split("=", 1)[1]
    return _NO_HOME


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    home = app_home(args)
    if home is _NO_HOME:
        from supervisor_tui.shell.cli import main as cli_main

        return cli_main(args)
    from storage.store import StoreError

    try:
        from supervisor_tui.shell.app import run

        return run(home)  # type: ignore[arg-type]
    except StoreError as exc:
        sys.stderr.write(f"supervisor-tui: {exc}\n")
        return 2
    except sqlite3.DatabaseError as exc:
        sys.stderr.write(f"supervisor-tui: database error: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"supervisor-tui: {exc.strerror or exc}: {exc.filename or ''}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("supervisor-tui: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
