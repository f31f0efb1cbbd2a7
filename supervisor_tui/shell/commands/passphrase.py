"""Where the CLI gets a passphrase, and choosing the profile a command acts as.

Never from the command line (argv is visible to every user of the machine): ``--passphrase-file
FILE`` (refused when group or others may read it), else ``$SUPERVISOR_TUI_PASSPHRASE``, else a
no-echo prompt on the terminal; with none of them, exit 2 "passphrase needed" (the convention of
restic and borg). A new passphrase (``init``, ``profile add``, ``passphrase set/change``) is
asked twice at a prompt; ``passphrase change`` reads the new one from
``--new-passphrase-file`` or ``$SUPERVISOR_TUI_NEW_PASSPHRASE`` in scripts.
"""

from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
from pathlib import Path

from storage.keyfile import ENV_PASSPHRASE, MIN_PASSPHRASE, passphrase_problem, strength_hint
from storage.store import Store
from supervisor_tui.shell.commands.common import EXIT_INVALID, CliError

ENV_NEW_PASSPHRASE = "SUPERVISOR_TUI_NEW_PASSPHRASE"
NEEDED = (f"passphrase needed: set ${ENV_PASSPHRASE}, give --passphrase-file FILE, or run in a"
          " terminal to be asked")


def add_passphrase_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase-file", metavar="FILE", default=argparse.SUPPRESS,
                        help="read the passphrase from FILE (mode 0600; default: "
                             f"${ENV_PASSPHRASE}, else a prompt)")


def read_passphrase_file(file: str) -> str:
    path = Path(file).expanduser()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise CliError(f"--passphrase-file {file}: no such file") from exc
    except OSError as exc:
        raise CliError(f"--passphrase-file {file}: cannot read ({exc.strerror})") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CliError(f"--passphrase-file {file}: readable by others (mode {stat.S_IMODE(mode):o});"
                       f" run 'chmod 600 {file}'")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"--passphrase-file {file}: cannot read as UTF-8 text") from exc
    return text.splitlines()[0] if text.splitlines() else ""


def _prompt(label: str) -> str:
    try:
        return getpass.getpass(label)
    except EOFError as exc:
        raise CliError(NEEDED, EXIT_INVALID) from exc


def _tty() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def passphrase(args: argparse.Namespace, label: str = "Passphrase: ") -> str:
    """The passphrase of the profile acting (file, environment, prompt)."""
    file = getattr(args, "passphrase_file", None)
    if file:
        return read_passphrase_file(file)
    env = os.environ.get(ENV_PASSPHRASE)
    if env:
        return env
    if _tty():
        return _prompt(label)
    raise CliError(NEEDED, EXIT_INVALID)


def new_passphrase(args: argparse.Namespace, *, file_attr: str = "passphrase_file",
                   env: str = ENV_PASSPHRASE, label: str = "New passphrase") -> str:
    """A passphrase to seal a key under: checked (at least 10 characters); at a prompt it is
    asked twice, with a strength hint."""
    file = getattr(args, file_attr, None)
    if file:
        value = read_passphrase_file(file)
    elif os.environ.get(env):
        value = os.environ[env]
    elif _tty():
        sys.stderr.write(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters (a few"
                         " unrelated words work well). Only you know it: nobody can recover it.\n")
        value = _prompt(f"{label}: ")
        problem = passphrase_problem(value)
        if problem:
            raise CliError(problem)
        sys.stderr.write(f"Strength: {strength_hint(value)}\n")
        if _prompt(f"{label} again: ") != value:
            raise CliError("the two passphrases differ; nothing was changed")
    else:
        raise CliError(NEEDED, EXIT_INVALID)
    problem = passphrase_problem(value)
    if problem:
        raise CliError(problem)
    return value


def unlock(store: Store, args: argparse.Namespace) -> None:
    """Open the acting profile's key, or exit 2 with the reason (nothing is signed)."""
    from storage.keyfile import BadPassphrase

    profile = store.require_profile()
    if store.legacy_key_path.exists():
        raise CliError("this store's key is still a plaintext device.key: run 'supervisor-tui passphrase"
                       " set' first (it seals the key under a passphrase)")
    try:
        store.unlock(passphrase(args, f"Passphrase for {profile.name} ({profile.supervisor}): "))
    except BadPassphrase as exc:
        raise CliError(f"wrong passphrase for {profile.supervisor}: nothing was signed or written") from exc
