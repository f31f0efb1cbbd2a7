"""What every page shares: the Jinja2 environment (autoescaping, bidi controls made visible),
the security headers, the session cookie, and the role check in front of each page.

Cookies are ``HttpOnly``, ``SameSite=Strict``, path ``/web``, and ``Secure`` when the request
came over HTTPS: uvicorn sets the scheme from ``X-Forwarded-Proto`` only for a proxy address
listed in ``governance-store serve --trusted-proxy`` (default 127.0.0.1), so a client cannot
claim HTTPS by sending the header itself.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from checklists.names import restrictions_in_words, shipped_names
from supervisor_tui.model.signing import DeviceKey
from sync.central import CentralStore
from sync.web import sessions
from sync.web.accounts import RANK, now_utc
from sync.web.figures import ReportCache

HERE = Path(__file__).resolve().parent
COOKIE = "gs_session"
FORM_COOKIE = "gs_form"  # CSRF token of the sign-in and set-up forms (before there is a session)
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]
# bidi controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM) shown as visible marks
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_NEXT = re.compile(r"^/web/[A-Za-z0-9/_.?=&%:+-]*$")


class SecurityHeaders:
    """ASGI middleware: the security headers on every response of the web view."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in HEADERS if k not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def visible_bidi(text: str) -> str:
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return visible_bidi(value)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             finalize=_finalize, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["when"] = lambda s: (s or "")[:16].replace("T", " ")
    env.filters["rate"] = lambda v: "n/a" if v is None else f"{v:g}%"
    env.filters["q"] = lambda s: quote(str(s), safe="")
    # People's words for checklist ids: a scenario's title, a restriction's text (code kept).
    env.filters["scenario"] = lambda s: shipped_names().scenario(s)
    env.filters["restrictions"] = lambda codes: restrictions_in_words(codes)
    return env


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/web", httponly=True, samesite="strict",
                        secure=is_https(request))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this web view only (never another site)."""
    if (target and _NEXT.match(target) and "//" not in target and ".." not in target
            and not target.startswith("/web/login")):
        return target
    return "/web/"


class Web:
    """The web view bound to one central store and the server's receipt key."""

    def __init__(self, central: CentralStore, key: DeviceKey | None,
                 clock: Callable[[], dt.datetime] | None = None):
        self.central = central
        self.key = key
        self.clock = clock or now_utc
        self.env = environment()
        self.reports = ReportCache(central)

    def today(self) -> dt.date:
        return self.clock().date()

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        session = getattr(request.state, "session", None)
        html = self.env.get_template(template).render(
            session=session, path=request.url.path, is_admin=bool(session and session.role == "admin"),
            can_open=bool(session and RANK[session.role] >= RANK["auditor"]), **values)
        return HTMLResponse(html, status_code=status)

    def error(self, request: Request, status: int, title: str, message: str) -> HTMLResponse:
        return self.render(request, "error.html", status, title=title, message=message)

    def form_token(self, request: Request) -> str:
        """The sign-in/set-up form's CSRF token: the cookie's, or a new one."""
        current = request.cookies.get(FORM_COOKIE, "")
        return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)

    @staticmethod
    def form_token_ok_session(session: sessions.Session, sent: Any) -> bool:
        return isinstance(sent, str) and secrets.compare_digest(session.csrf, sent)

    @staticmethod
    def form_token_ok(request: Request, sent: Any) -> bool:
        expected = request.cookies.get(FORM_COOKIE, "")
        return bool(expected) and isinstance(sent, str) and secrets.compare_digest(expected, sent)


Handler = Callable[[Request, sessions.Session], Awaitable[Response]]


def page(web: Web, role: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a page handler: no live session redirects to the sign-in page (coming back here
    afterwards); a role below ``role`` gets 403."""
    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            cookie = request.cookies.get(COOKIE)
            session = await run_in_threadpool(sessions.load, web.central, cookie, web.clock())
            if session is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                expired = "&m=expired" if cookie else ""
                response = RedirectResponse(f"/web/login?next={quote(target, safe='')}{expired}", status_code=303)
                if cookie:
                    response.delete_cookie(COOKIE, path="/web")
                return response
            request.state.session = session
            if RANK[session.role] < RANK[role]:
                return web.error(request, 403, "Not allowed",
                                 f"Your role ({session.role}) does not open this page; it needs the {role}"
                                 " role. Ask an administrator if you need it.")
            return await handler(request, session)

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap
