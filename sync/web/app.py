"""The web view as an ASGI app mounted at ``/web`` by ``sync.server.app.create_app``.

Its own exception handlers answer with HTML pages (4xx with a reason; a failure of the store is
a 503 page, never a traceback), and every response carries the security headers
(``sync.web.context.SecurityHeaders``). ``/web/static`` (the style sheet) needs no session.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from supervisor_tui.model.signing import DeviceKey
from sync.central import CentralError, CentralStore
from sync.web import auth_pages, pages
from sync.web.context import HERE, SecurityHeaders, Web

log = logging.getLogger("governance_store.web")
_SETUP = re.compile(r"/web/setup/[A-Za-z0-9_-]+")


class _HideSetupTokens(logging.Filter):
    """Access-log lines show ``/web/setup/...`` instead of a set-up link's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_SETUP.sub("/web/setup/...", a) if isinstance(a, str) else a for a in record.args)
        return True


def hide_setup_tokens() -> None:
    logging.getLogger("uvicorn.access").addFilter(_HideSetupTokens())


def create_web(central: CentralStore, key: DeviceKey | None,
               clock: Callable[[], dt.datetime] | None = None) -> Starlette:
    web = Web(central, key, clock)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 404:
            return web.error(request, 404, "Page not found", "There is no such page in the governance web view.")
        if status == 405:
            return web.error(request, 405, "Not allowed", "This page cannot be used that way.")
        return web.error(request, status, "Refused", str(getattr(exc, "detail", "refused")))

    async def central_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CentralError)
        return web.error(request, exc.status, "Refused", str(exc))

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("web view error on %s %s", request.method, request.url.path)
        return web.error(request, 503, "Try again later",
                         "The store could not complete the request. Nothing was changed; try again later.")

    routes = [*auth_pages.routes(web), *pages.routes(web),
              Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static")]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={HTTPException: http_error, CentralError: central_error, Exception: crashed})
    app.state.web = web
    return app
