"""Checks on the central store's address a supervisor types when enrolling (CLI and app alike)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a central store's address (None when it can)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "give an http:// or https:// address, e.g. https://governance.example.org"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "give an http:// or https:// address, e.g. https://governance.example.org"
    return None


def unencrypted_warning(url: str) -> str | None:
    """A warning for an ``http://`` address of another machine: names and notes would cross the
    network unencrypted and the enrolment token could be read on the way (the records stay
    signed, so they cannot be altered unseen). ``http://`` to this machine is fine (a server
    behind a TLS proxy on the same host, tests, a trial)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host in _LOCAL_NAMES:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (f"{url} is not encrypted (http://): staff names and notes would cross the network"
            " readable by anyone on the way; ask the IT admin for the https:// address")
