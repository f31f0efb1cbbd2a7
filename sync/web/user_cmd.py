"""``governance-store user add|list|disable|reset``: accounts of the web view.

``add`` and ``reset`` print a one-time set-up link (valid 72 hours, stored only as a hash) where
the person chooses their password. The link starts with ``--url`` (default
``$GOVERNANCE_STORE_URL``, else ``http://127.0.0.1:8765``): the address people reach the
server at, normally the TLS proxy's ``https://`` address.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from sync.web.accounts import (
    LINK_HOURS,
    ROLES,
    add_user,
    disable_user,
    iso,
    list_users,
    now_utc,
    reset_user,
)

ENV_URL = "GOVERNANCE_STORE_URL"
EXIT_OK = 0


def setup_link(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/web/setup/{token}"


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None],
             open_store: Callable[[argparse.Namespace], Any]) -> None:
    p = sub.add_parser("user", help="accounts of the web view (viewer, auditor, admin)")
    usub = p.add_subparsers(dest="user_command", required=True, metavar="{add,list,disable,reset}",
                            parser_class=type(p))

    def url(q: argparse.ArgumentParser) -> None:
        q.add_argument("--url", metavar="URL", default=None,
                       help=f"address people open the web view at (default: ${ENV_URL} or http://127.0.0.1:8765)")

    a = usub.add_parser("add", help="create an account and print its one-time set-up link")
    add_db(a)
    a.add_argument("--name", required=True, metavar="NAME", help="the account's sign-in name")
    a.add_argument("--role", required=True, choices=ROLES, help="viewer: figures; auditor: also histories; admin: also devices and logs")
    url(a)
    a.set_defaults(handler=lambda args: cmd_add(args, open_store))
    lst = usub.add_parser("list", help="every account with its role and state")
    add_db(lst)
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=lambda args: cmd_list(args, open_store))
    d = usub.add_parser("disable", help="disable an account (its sessions end at once)")
    add_db(d)
    d.add_argument("--name", required=True, metavar="NAME", help="the account to disable")
    d.set_defaults(handler=lambda args: cmd_disable(args, open_store))
    r = usub.add_parser("reset", help="a new set-up link (the old password stops working)")
    add_db(r)
    r.add_argument("--name", required=True, metavar="NAME", help="the account to reset")
    url(r)
    r.set_defaults(handler=lambda args: cmd_reset(args, open_store))


def _base(args: argparse.Namespace) -> str:
    return args.url or os.environ.get(ENV_URL) or "http://127.0.0.1:8765"


def _print_link(name: str, role: str, link: str) -> None:
    print(f"Set-up link for {name} ({role}), valid {LINK_HOURS} h and usable once; send it to them"
          " by a channel you trust. They choose their password there:")
    print(link)


def cmd_add(args: argparse.Namespace, open_store: Callable) -> int:
    token = add_user(open_store(args), args.name, args.role)
    _print_link(args.name, args.role, setup_link(_base(args), token))
    return EXIT_OK


def cmd_reset(args: argparse.Namespace, open_store: Callable) -> int:
    central = open_store(args)
    token = reset_user(central, args.name)
    role = next(a.role for a in list_users(central) if a.name == args.name)
    _print_link(args.name, role, setup_link(_base(args), token))
    return EXIT_OK


def cmd_disable(args: argparse.Namespace, open_store: Callable) -> int:
    found = disable_user(open_store(args), args.name)
    print(f"Account {found.name} ({found.role}) is disabled; its sessions have ended")
    return EXIT_OK


def cmd_list(args: argparse.Namespace, open_store: Callable) -> int:
    now = iso(now_utc())
    accounts = [a.as_json(now) for a in list_users(open_store(args))]
    if args.json:
        sys.stdout.write(json.dumps(accounts, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    for a in accounts:
        until = f" (until {a['link_expires_at'][:16].replace('T', ' ')} UTC)" if a["link_expires_at"] else ""
        print(f"{a['name']:24} {a['role']:8} {a['state']}{until}")
    print(f"{len(accounts)} account(s)")
    return EXIT_OK
