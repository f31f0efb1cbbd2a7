"""enrol, sync and outbox: connect this laptop to the central governance store."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
from dataclasses import asdict

from storage import sync_state
from supervisor_tui.shell.commands.common import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREACHABLE,
    CliError,
    add_home,
    add_json,
    open_store,
    print_json,
)
from supervisor_tui.shell.commands.passphrase import add_passphrase_file, unlock

ENV_RETRY = "SUPERVISOR_TUI_SYNC_RETRY_SECONDS"  # how long to retry an unreachable server
SYNC_RETRY_DEFAULT = 30.0  # end of shift: ride out a flaky network
ENROL_RETRY_DEFAULT = 5.0  # set-up at a desk: a mistyped URL should say so quickly


def _retry_budget(default: float) -> float:
    try:
        return float(os.environ.get(ENV_RETRY, default))
    except ValueError as exc:
        raise CliError(f"${ENV_RETRY} must be a number of seconds") from exc


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enrol", help="register this laptop's device key with the central store")
    add_home(p)
    add_json(p)
    p.add_argument("--server", required=True, metavar="URL", help="e.g. https://governance.example.org")
    p.add_argument("--token", required=True, metavar="T", help="one-time token from 'governance-store enrol-token'")
    add_passphrase_file(p)
    p.set_defaults(handler=cmd_enrol)

    p = sub.add_parser("sync", help="push unsynced records to the central store and pull reference data")
    add_home(p)
    add_json(p)
    p.add_argument("--server", metavar="URL", help="default: the server this laptop enrolled with")
    add_passphrase_file(p)
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("outbox", help="how many records are not yet held by the central store")
    add_home(p)
    add_json(p)
    p.set_defaults(handler=cmd_outbox)


def _check_url(url: str) -> str:
    from sync.server_url import unencrypted_warning, url_problem

    problem = url_problem(url)
    if problem:
        raise CliError(f"--server {url!r}: {problem}")
    warning = unencrypted_warning(url)
    if warning:
        sys.stderr.write(f"warning: {warning}\n")
    return url.rstrip("/")


def cmd_enrol(args: argparse.Namespace) -> int:
    from sync.client import enrol_store
    from sync.transport import ServerRefused, Unreachable

    url = _check_url(args.server)
    if not args.token.strip():
        raise CliError("--token must not be empty")
    store = open_store(args)
    unlock(store, args)
    try:
        info = enrol_store(store, url, args.token.strip(), retry_budget=_retry_budget(ENROL_RETRY_DEFAULT))
    except Unreachable as exc:
        raise CliError(f"{exc}; try again when the network is back", EXIT_UNREACHABLE) from exc
    except ServerRefused as exc:
        raise CliError(f"enrolment refused: {exc.reason}", EXIT_INVALID) from exc
    if args.json:
        print_json(info)
    else:
        print(f"Enrolled device {info['device']} ({info['supervisor']}) with {info['server']}")
        print(f"Server receipt key {info['server_key']} is pinned; run 'supervisor-tui sync' to send records")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    # the sync client (httpx: ~0.1 s of imports) is imported on a second thread while this one
    # opens the store and unlocks the key (Argon2id, ~0.1 s, runs without the GIL)
    importing = threading.Thread(target=importlib.import_module, args=("sync.client",), daemon=True)
    importing.start()
    url = _check_url(args.server) if args.server else None
    store = open_store(args)
    profile = store.require_profile()
    if url is None and not store.get_setting(sync_state.SETTING_SERVER):
        from sync.client import NOT_ENROLLED

        raise CliError(NOT_ENROLLED, EXIT_INVALID)
    others = store.conn.execute("SELECT 1 FROM enrolments WHERE device <> ?", (profile.device,)).fetchone()
    if (url is None and others and not sync_state.enrolled(store, profile.device)
            and not _rotated_from_enrolled(store)):
        raise CliError(f"{profile.supervisor} ({profile.name}) is not enrolled on this laptop yet: run"
                       " 'supervisor-tui enrol --as " + profile.supervisor + " --server URL --token T'"
                       " with a token from the IT admin", EXIT_INVALID)
    unlock(store, args)
    importing.join()
    from sync.client import sync_store

    bar = None if args.json or not sys.stdout.isatty() else _ProgressBar()
    budget = _retry_budget(SYNC_RETRY_DEFAULT)
    if bar:
        with bar:
            result = sync_store(store, url, bar.update, retry_budget=budget)
    else:
        result = sync_store(store, url, retry_budget=budget)
    rejected = [asdict(r) for r in result.rejected]
    if args.json:
        print_json({"ok": result.ok, "accepted": result.accepted, "duplicates": result.duplicates,
                    "rejected": rejected, "unreachable": result.unreachable, "pulled": result.pulled,
                    "message": result.message, "unsynced": store.unsynced_count()})
    elif result.ok:
        print(f"Synced: {result.accepted} accepted, {result.duplicates} already held, "
              f"{result.pulled} pulled from other devices; {store.unsynced_count()} unsynced")
    if result.ok:
        return EXIT_OK
    for r in result.rejected:
        sys.stderr.write(f"supervisor-tui: rejected seq {r.seq} {r.kind} {r.id}: {r.reason}\n")
    sys.stderr.write(f"supervisor-tui: {result.message}\n")
    return EXIT_UNREACHABLE if result.unreachable else EXIT_FAILED


def _rotated_from_enrolled(store) -> bool:
    """The acting profile's device came from a key rotation of an enrolled device (sync
    enrols it on the strength of the signed key_rotated record)."""
    from storage.profiles import own_devices

    profile = store.require_profile()
    return any(d.rotated_to == profile.device and sync_state.enrolled(store, d.device)
               for d in own_devices(store, profile.supervisor))


def cmd_outbox(args: argparse.Namespace) -> int:
    store = open_store(args)
    info = sync_state.outbox(store)
    if args.json:
        print_json({"unsynced": info["unsynced"], "last_sync": info["last_sync"],
                    "profiles": info["profiles"]})
    else:
        last = info["last_sync"] or "never"
        print(f"{info['unsynced']} record(s) unsynced; last sync {last}; server {info['server'] or 'not enrolled'}")
        if len(info["profiles"]) > 1:
            for sup, p in info["profiles"].items():
                print(f"  {sup:10} {p['name']:24} {p['unsynced']} unsynced; last sync {p['last_sync'] or 'never'}")
    return EXIT_OK


class _ProgressBar:
    """A rich progress bar on the terminal, fed by ``SyncProgress`` callbacks."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(TextColumn("[bold]sync[/]"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}"), transient=True)
        self.task = self.progress.add_task("connecting", total=None)

    def __enter__(self) -> _ProgressBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, p) -> None:  # SyncProgress
        self.progress.update(self.task, total=p.total or None, completed=p.sent,
                             description=f"{p.accepted} accepted, {p.rejected} rejected  {p.message[:60]}")


