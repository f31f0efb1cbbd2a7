"""profile add/list, passphrase set/change, key rotate: who signs on this laptop, and how."""

from __future__ import annotations

import argparse
import sys

from storage import sync_state
from supervisor_tui.shell.commands.common import (
    CliError,
    add_home,
    add_json,
    open_store,
    print_json,
)
from supervisor_tui.shell.commands.passphrase import (
    ENV_NEW_PASSPHRASE,
    add_passphrase_file,
    new_passphrase,
    passphrase,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("profile", help="the supervisors who sign on this laptop (several may share it)")
    add_home(p)
    psub = p.add_subparsers(dest="profile_command", required=True, metavar="{add,list}")
    a = psub.add_parser("add", help="add a supervisor with their own key, chain and passphrase")
    add_home(a)
    a.add_argument("--supervisor", required=True, metavar="ID", help="their supervisor id")
    a.add_argument("--name", required=True, help="their name as it appears on records")
    add_json(a)
    add_passphrase_file(a)
    a.set_defaults(handler=cmd_profile_add)
    ls = psub.add_parser("list", help="profiles on this laptop (no passphrase needed)")
    add_home(ls)
    add_json(ls)
    ls.set_defaults(handler=cmd_profile_list)

    p = sub.add_parser("passphrase", help="protect a plaintext key (set) or change your passphrase")
    add_home(p)
    psub = p.add_subparsers(dest="passphrase_command", required=True, metavar="{set,change}")
    s = psub.add_parser("set", help="seal an old store's plaintext device.key under a passphrase")
    add_home(s)
    add_passphrase_file(s)
    s.set_defaults(handler=cmd_passphrase_set)
    c = psub.add_parser("change", help="re-seal your key under a new passphrase")
    add_home(c)
    add_passphrase_file(c)
    c.add_argument("--new-passphrase-file", metavar="FILE", default=None,
                   help=f"the new passphrase (default: ${ENV_NEW_PASSPHRASE}, else a prompt)")
    c.set_defaults(handler=cmd_passphrase_change)

    p = sub.add_parser("key", help="key rotation")
    add_home(p)
    ksub = p.add_subparsers(dest="key_command", required=True, metavar="{rotate}")
    r = ksub.add_parser("rotate", help="new key pair and device; the old chain is closed by a signed"
                                       " key_rotated record")
    add_home(r)
    add_json(r)
    add_passphrase_file(r)
    r.add_argument("--reason", help="why (kept in the key_rotated record)")
    r.add_argument("--forgotten", action="store_true",
                   help="the passphrase is forgotten: new key under a new passphrase, no key_rotated"
                        " record; needs a new enrolment token")
    r.set_defaults(handler=cmd_key_rotate)

    p = sub.add_parser("idle-lock", help="show or set the app's idle lock (minutes without input, 1-120)")
    add_home(p)
    add_json(p)
    p.add_argument("--minutes", type=int, metavar="N", help="lock after N idle minutes (1-120; default 10)")
    p.set_defaults(handler=cmd_idle_lock)


def _profile_rows(store) -> list[dict]:
    keys = store.public_keys()
    active = store.profile
    return [{"supervisor": p.supervisor, "name": p.name, "device": p.device,
             "public_key": keys.get(p.device), "created_at": p.created_at,
             "enrolled": sync_state.enrolled(store, p.device) is not None,
             "unsynced": store.unsynced_count(p.supervisor),
             "active": active is not None and active.supervisor == p.supervisor}
            for p in store.profiles()]


def cmd_profile_add(args: argparse.Namespace) -> int:
    from supervisor_tui.shell.commands.core import _valid_id

    supervisor = _valid_id(args.supervisor, "--supervisor")
    name = args.name.strip()
    if not name:
        raise CliError("--name must not be empty")
    store = open_store(args)
    if store.legacy_key_path.exists():
        raise CliError("protect this store's plaintext key first: 'supervisor-tui passphrase set'")
    if not store.profiles():
        raise CliError("this store has no profile yet: start with 'supervisor-tui init'")
    if any(p.supervisor == supervisor for p in store.profiles()):
        raise CliError(f"supervisor {supervisor} already has a profile on this laptop")
    profile = store.add_profile(supervisor, name, new_passphrase(args))
    row = next(r for r in _profile_rows(store) if r["supervisor"] == profile.supervisor)
    if args.json:
        print_json(row)
    else:
        print(f"Added {profile.name} ({profile.supervisor}) on device {profile.device}; their key is"
              f" sealed under their own passphrase. Enrol it: supervisor-tui enrol --as {supervisor} ...")
    return 0


def cmd_profile_list(args: argparse.Namespace) -> int:
    rows = _profile_rows(open_store(args))
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No profiles yet: run 'supervisor-tui init --supervisor ID --name NAME'.")
    for r in rows:
        mark = "*" if r["active"] and len(rows) > 1 else " "
        enrolled = "enrolled" if r["enrolled"] else "not enrolled"
        print(f"{mark} {r['supervisor']:10} {r['name']:24} {r['device']:18} {enrolled:12} {r['unsynced']} unsynced")
    return 0


def cmd_passphrase_set(args: argparse.Namespace) -> int:
    from storage.profiles import migrate_legacy_key

    store = open_store(args)
    if not store.legacy_key_path.exists():
        raise CliError("this store's keys are already sealed under a passphrase; use 'supervisor-tui"
                       " passphrase change' to change it")
    profile = store.require_profile()
    key = migrate_legacy_key(store, new_passphrase(args))
    store.remember_key(profile.device, key)
    print(f"The key of {profile.name} ({profile.supervisor}) is now sealed under your passphrase;"
          " the plaintext device.key was overwritten and removed. Same device, same chain.")
    return 0


def cmd_passphrase_change(args: argparse.Namespace) -> int:
    from storage.keyfile import BadPassphrase
    from storage.profiles import change_passphrase

    store = open_store(args)
    profile = store.require_profile()
    if store.legacy_key_path.exists():
        raise CliError("this store's key is still plaintext: use 'supervisor-tui passphrase set'")
    old = passphrase(args, f"Current passphrase for {profile.name} ({profile.supervisor}): ")
    new = new_passphrase(args, file_attr="new_passphrase_file", env=ENV_NEW_PASSPHRASE)
    try:
        count = change_passphrase(store, profile.supervisor, old, new)
    except BadPassphrase as exc:
        raise CliError(f"wrong passphrase for {profile.supervisor}: nothing was changed") from exc
    print(f"Passphrase changed for {profile.name} ({profile.supervisor}): {count} key file(s) re-sealed.")
    return 0


def cmd_key_rotate(args: argparse.Namespace) -> int:
    from storage.profiles import reset_forgotten, rotate_key

    store = open_store(args)
    profile = store.require_profile()
    old_device = profile.device
    if args.forgotten:
        unsent = store.unsynced_count(profile.supervisor)
        new = reset_forgotten(store, profile.supervisor, new_passphrase(args))
        record = None
        sys.stderr.write(f"{unsent} record(s) of the old key are not synced and wait until its"
                         " passphrase is remembered; ask the IT admin for an enrolment token for"
                         f" the new device {new.device}\n" if unsent else "")
    else:
        from storage.keyfile import BadPassphrase

        if store.legacy_key_path.exists():
            raise CliError("this store's key is still plaintext: run 'supervisor-tui passphrase set' first")
        secret = passphrase(args, f"Passphrase for {profile.name} ({profile.supervisor}): ")
        try:
            record, new = rotate_key(store, profile.supervisor, secret, args.reason)
        except BadPassphrase as exc:
            raise CliError(f"wrong passphrase for {profile.supervisor}: nothing was signed or written") from exc
    info = {"supervisor": new.supervisor, "old_device": old_device, "device": new.device,
            "public_key": store.public_keys().get(new.device),
            "key_rotated": {"id": record["id"], "hash": record["hash"], "seq": record["seq"]} if record else None}
    if args.json:
        print_json(info)
    else:
        print(f"New key for {new.name} ({new.supervisor}): device {new.device}.")
        if record and sync_state.enrolled(store, old_device):
            print(f"Old device {old_device} closed by key_rotated record seq {record['seq']};"
                  " the next 'supervisor-tui sync' sends it and enrols the new device.")
        elif record:
            print(f"Old device {old_device} closed by key_rotated record seq {record['seq']}; it was"
                  " never enrolled, so enrol the new device with a token from the IT admin.")
    return 0


def cmd_idle_lock(args: argparse.Namespace) -> int:
    from supervisor_tui.shell.idle import IDLE_RANGE, IDLE_SETTING, idle_minutes

    store = open_store(args)
    if args.minutes is not None:
        if not IDLE_RANGE[0] <= args.minutes <= IDLE_RANGE[1]:
            raise CliError(f"--minutes must be between {IDLE_RANGE[0]} and {IDLE_RANGE[1]}")
        store.set_setting(IDLE_SETTING, str(args.minutes))
    minutes = idle_minutes(store.get_setting(IDLE_SETTING))
    if args.json:
        print_json({"idle_lock_minutes": minutes})
    else:
        print(f"The app locks after {minutes} minute(s) without input (Ctrl+L locks at once).")
    return 0
