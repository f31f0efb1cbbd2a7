"""httpx for the sync client, loaded lean: without its command-line client, and with no CA
bundle read for a plain-http server.

Every ``supervisor-tui sync`` pays its imports before the first batch leaves, so they count.
"""

from __future__ import annotations

import ssl
import sys

# httpx's own command-line client (``httpx._main``: rich, click and pygments, about 60 ms of
# imports) is never used here: marked absent, httpx skips it (its ``main`` then only says so).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpcore  # noqa: E402,F401 - httpx imports it at the first Client(); here it loads with the rest
import httpx  # noqa: E402

__all__ = ["httpx", "tls_context"]


def tls_context(url: str) -> ssl.SSLContext | bool:
    """Verify an https server against the usual CA bundle; a plain-http URL (a loopback or test
    server) gets a context that trusts no certificate at all, which saves reading the bundle
    (about 30 ms). Redirects are not followed, so such a client never reaches an https server;
    were it to, no certificate would pass."""
    if url.strip().lower().startswith("https://"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # checks certificates and host names, trusts none
