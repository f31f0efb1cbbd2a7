"""Sign in, sign out and the one-time set-up page where a person chooses their password.

The sign-in and set-up forms carry a CSRF token that must match the ``gs_form`` cookie (set
with the form, ``SameSite=Strict``); sign-out posts the session's own token. Failed sign-ins
are written to the access log; after 3 in 15 minutes for a name or from an address, each further
attempt must wait twice as long as the last (2, 4, 8 ... seconds, at most 15 minutes).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sync.central import CentralError
from sync.web import access, sessions
from sync.web.accounts import (
    MAX_PASSWORD,
    authenticate,
    complete_setup,
    link_account,
    password_problem,
)
from sync.web.context import COOKIE, FORM_COOKIE, Web, client_address, page, safe_next, set_cookie

MAX_FORM = 16 * 1024


async def _form(request: Request) -> dict[str, str]:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM:
        return {}
    form = await request.form(max_files=0, max_fields=20)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def routes(web: Web) -> list[Route]:
    central = web.central

    def login_page(request: Request, status: int = 200, message: str = "", name: str = "",
                   notice: str = "") -> Response:
        token = web.form_token(request)
        response = web.render(request, "login.html", status, title="Sign in", csrf=token, message=message,
                              name=name, notice=notice, next=safe_next(request.query_params.get("next")))
        set_cookie(response, request, FORM_COOKIE, token)
        return response

    async def login_get(request: Request) -> Response:
        notices = {"out": "You are signed out.", "set": "Your password is set: sign in with it.",
                   "expired": "Your session ended after 30 minutes without activity: sign in again."}
        return login_page(request, notice=notices.get(request.query_params.get("m", ""), ""))

    async def login_post(request: Request) -> Response:
        form = await _form(request)
        name = form.get("name", "").strip()[:64]
        if not web.form_token_ok(request, form.get("csrf")):
            return login_page(request, 403, "This sign-in form has expired or did not come from this"
                              " site. Sign in again from this page.", name)
        address, now = client_address(request), web.clock()
        wait = await run_in_threadpool(sessions.login_wait, central, name, address, now)
        if wait:
            await run_in_threadpool(access.write, central, now, name, "", address, "login_slowed")
            return login_page(request, 429, f"Too many failed sign-ins for this name or from this"
                              f" address. Try again in {wait} seconds.", name)
        account = await run_in_threadpool(authenticate, central, name, form.get("password", "")[:MAX_PASSWORD])
        if account is None:
            await run_in_threadpool(access.write, central, now, name, "", address, "login_failed")
            return login_page(request, 401, "The name or the password is not right (or the account is"
                              " disabled).", name)
        token, _ = await run_in_threadpool(sessions.create, central, account.name, address, now)
        await run_in_threadpool(access.write, central, now, account.name, account.role, address, "login")
        response = RedirectResponse(safe_next(form.get("next")), status_code=303)
        set_cookie(response, request, COOKIE, token)
        response.delete_cookie(FORM_COOKIE, path="/web")
        return response

    @page(web, "viewer")
    async def logout(request: Request, session: sessions.Session) -> Response:
        form = await _form(request)
        if not web.form_token_ok_session(session, form.get("csrf")):
            return web.error(request, 403, "Not signed out", "The sign-out form did not come from this"
                             " site. Use the Sign out button at the top of a page.")
        now = web.clock()
        await run_in_threadpool(sessions.end, central, session.token, now)
        await run_in_threadpool(access.write, central, now, session.name, session.role, client_address(request),
                                "logout")
        response = RedirectResponse("/web/login?m=out", status_code=303)
        response.delete_cookie(COOKIE, path="/web")
        return response

    def setup_page(request: Request, account_name: str, status: int = 200, message: str = "") -> Response:
        token = web.form_token(request)
        response = web.render(request, "setup.html", status, title="Choose your password", csrf=token,
                              name=account_name, message=message, min_length=12)
        set_cookie(response, request, FORM_COOKIE, token)
        return response

    def invalid_link(request: Request) -> Response:
        return web.error(request, 403, "Set-up link not valid",
                         "This set-up link is not valid any more (used, replaced or older than 72 hours)."
                         " Ask an administrator for a new one.")

    async def setup_get(request: Request) -> Response:
        found = await run_in_threadpool(link_account, central, request.path_params["token"], web.clock())
        return invalid_link(request) if found is None else setup_page(request, found.name)

    async def setup_post(request: Request) -> Response:
        link = request.path_params["token"]
        found = await run_in_threadpool(link_account, central, link, web.clock())
        if found is None:
            return invalid_link(request)
        form = await _form(request)
        if not web.form_token_ok(request, form.get("csrf")):
            return setup_page(request, found.name, 403, "This form has expired or did not come from this"
                              " site. Choose your password again on this page.")
        problem = password_problem(form.get("password", ""), form.get("repeat", ""))
        if problem:
            return setup_page(request, found.name, 400, problem)
        try:
            await run_in_threadpool(complete_setup, central, link, form["password"], web.clock())
        except CentralError:
            return invalid_link(request)
        await run_in_threadpool(access.write, central, web.clock(), found.name, found.role,
                                client_address(request), "password_set")
        response = RedirectResponse("/web/login?m=set", status_code=303)
        response.delete_cookie(FORM_COOKIE, path="/web")
        return response

    return [
        Route("/login", login_get, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/setup/{token}", setup_get, methods=["GET"]),
        Route("/setup/{token}", setup_post, methods=["POST"]),
    ]
