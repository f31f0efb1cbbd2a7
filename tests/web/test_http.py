"""The web view over real HTTP (httpx against uvicorn on 127.0.0.1): redirects to sign in,
roles enforced on the server, CSRF, cookie flags, the trusted proxy, security headers, the
slowing of failed sign-ins and the access log."""

from __future__ import annotations

import json

import pytest

from sync.web import access
from sync.web.context import CSP
from tests.web.helpers import HOSTILE_ID, PASSWORD, WebServer, form_csrf, login

PAGES = ["/web/", "/web/cohorts/overnight-float", "/web/report", "/web/report?cohort=new-starters&from=2026-09-01",
         "/web/staff/S001", "/web/staff/S001/export.json", "/web/staff/S001/export.html",
         "/web/staff/S001/export.csv", "/web/devices", "/web/quarantine", "/web/access-log",
         "/web/access-log?staff=S001"]
ADMIN = ["/web/devices", "/web/quarantine", "/web/access-log"]
HISTORY = ["/web/staff/S001", "/web/staff/S001/export.json", "/web/staff/S001/export.html", "/web/staff/S001/export.csv"]


def test_every_page_without_a_session_redirects_to_sign_in(sqlite_site):
    with sqlite_site.client() as c:
        for path in PAGES:
            r = c.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/web/login?next=%2Fweb%2F"), path
        assert c.get("/").headers["location"] == "/web/"
        c.cookies.set("gs_session", "forged", path="/web")
        r = c.get("/web/staff/S001")
        assert r.status_code == 303 and "m=expired" in r.headers["location"]


def test_roles_are_enforced_on_the_server(site):
    with site.client() as viewer, site.client() as auditor, site.client() as admin:
        for client, name in ((viewer, "viewer"), (auditor, "auditor"), (admin, "admin")):
            assert login(client, name).status_code == 303
        for path in HISTORY + ADMIN:
            r = viewer.get(path)
            assert r.status_code == 403 and "Your role (viewer)" in r.text, path
        for path in ADMIN:
            assert auditor.get(path).status_code == 403, path
        for path in HISTORY:
            assert auditor.get(path).status_code == 200, path
        for path in PAGES:
            assert admin.get(path).status_code == 200, path
        for path in ("/web/", "/web/report", "/web/cohorts/overnight-float"):
            assert viewer.get(path).status_code == 200
        assert "/web/staff/" not in viewer.get("/web/cohorts/overnight-float").text  # no links it cannot open


def test_history_views_and_downloads_are_in_the_access_log(site):
    with site.client() as c:
        login(c, "auditor")
        c.get("/web/staff/S001")
        c.get("/web/staff/S001/export.csv")
        c.get("/web/staff/S002")
    rows = access.entries(site.central, staff="S001")
    assert [(r["user"], r["action"], r["detail"]) for r in rows] == [
        ("auditor", "download", "csv export"), ("auditor", "view_staff", "history page")]
    assert all(r["address"] == "127.0.0.1" and r["at"].startswith("2026-10-20") for r in rows)
    with site.client() as c:
        login(c, "admin")
        page = c.get("/web/access-log?staff=S001").text
    assert "Who looked at S001" in page and "downloaded" in page and "viewed the history" in page
    assert "S002" not in page.split("<tbody>")[1]


def test_login_without_the_csrf_token_is_refused(sqlite_site):
    with sqlite_site.client() as c:
        c.get("/web/login")
        for data in ({"name": "admin", "password": PASSWORD},
                     {"name": "admin", "password": PASSWORD, "csrf": "guessed-token-guessed-token"}):
            r = c.post("/web/login", data=data)
            assert r.status_code == 403 and "gs_session" not in r.headers.get("set-cookie", "")
    with sqlite_site.client() as c:  # a token from the form but no cookie (another site's page)
        token = form_csrf(c.get("/web/login").text)
        c.cookies.clear()
        r = c.post("/web/login", data={"name": "admin", "password": PASSWORD, "csrf": token})
        assert r.status_code == 403
    with sqlite_site.client() as c:  # sign-out needs the session's token too
        login(c, "admin")
        assert c.post("/web/logout", data={}).status_code == 403
        assert c.get("/web/").status_code == 200


def test_session_cookie_flags_and_the_trusted_proxy(sqlite_site):
    with sqlite_site.client() as c:
        cookie = login(c, "viewer").headers["set-cookie"]
    assert "gs_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/web" in cookie and "Secure" not in cookie
    with sqlite_site.client() as c:  # the proxy on 127.0.0.1 says the request came over HTTPS
        cookie = login(c, "viewer", headers={"X-Forwarded-Proto": "https",
                                             "X-Forwarded-For": "203.0.113.9"}).headers["set-cookie"]
    assert "gs_session=" in cookie and "Secure" in cookie.split("gs_session=")[1].split(",")[0]
    assert "HttpOnly" in cookie
    assert access.entries(sqlite_site.central)[0]["address"] == "203.0.113.9"  # the client, not the proxy


def test_after_sign_in_only_pages_of_this_site_are_followed(sqlite_site):
    for target in ("https://evil.example/", "//evil.example/web/", "/web/../../x", "javascript:alert(1)"):
        with sqlite_site.client() as c:
            page = c.get("/web/login")
            r = c.post("/web/login", data={"csrf": form_csrf(page.text), "name": "viewer", "password": PASSWORD,
                                           "next": target})
            assert r.status_code == 303 and r.headers["location"] == "/web/", target


def test_a_client_that_is_not_the_trusted_proxy_cannot_claim_https(sqlite_site):
    server = WebServer(sqlite_site.central, trusted="10.9.9.9").start()
    try:
        with server.client() as c:
            cookie = login(c, "viewer", headers={"X-Forwarded-Proto": "https",
                                                 "X-Forwarded-For": "203.0.113.9"}).headers["set-cookie"]
        assert "gs_session=" in cookie and "Secure" not in cookie and "HttpOnly" in cookie
        assert access.entries(sqlite_site.central)[0]["address"] == "127.0.0.1"
    finally:
        server.stop()


def test_security_headers_on_every_page(sqlite_site):
    with sqlite_site.client() as c:
        responses = [c.get("/web/login"), c.get("/web/"), c.get("/web/static/web.css"), c.get("/web/nope")]
        login(c, "admin")
        responses += [c.get(p) for p in PAGES] + [c.get("/web/staff/NOBODY"), c.get("/web/cohorts/x'y")]
    for r in responses:
        assert r.headers["content-security-policy"] == CSP, r.url
        assert "script-src" not in CSP and "'unsafe-inline'" not in CSP
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.status_code < 500, r.url
        assert "<script" not in r.text.lower() or r.url.path.endswith(".json"), r.url


def test_failed_logins_are_slowed_and_logged(sqlite_site):
    with sqlite_site.client() as c:
        for _ in range(3):
            assert login(c, "admin", "wrong password!!").status_code == 401
        r = login(c, "admin")  # the right password, but too soon after three failures
        assert r.status_code == 429 and "Try again in 2 seconds" in r.text
        sqlite_site.clock.advance(seconds=3)
        assert login(c, "admin", "wrong again!!!!").status_code == 401
        r = login(c, "admin")
        assert r.status_code == 429 and "Try again in 4 seconds" in r.text
        sqlite_site.clock.advance(seconds=5)
        assert login(c, "admin").status_code == 303
    actions = [r["action"] for r in access.entries(sqlite_site.central)]
    assert actions.count("login_failed") == 4 and actions.count("login_slowed") == 2 and actions[0] == "login"
    assert PASSWORD not in json.dumps(access.entries(sqlite_site.central))


def test_failures_from_one_address_slow_other_names_too(sqlite_site):
    with sqlite_site.client() as c:
        for name in ("a1", "a2", "a3"):
            login(c, name, "wrong password!!")
        assert login(c, "viewer").status_code == 429


def test_set_up_page_checks_the_password_and_the_form(sqlite_site):
    from sync.web.accounts import add_user

    token = add_user(sqlite_site.central, "newbie", "viewer", now=sqlite_site.clock())
    with sqlite_site.client() as c:
        page = c.get(f"/web/setup/{token}")
        assert page.status_code == 200 and "newbie" in page.text
        csrf = form_csrf(page.text)
        r = c.post(f"/web/setup/{token}", data={"csrf": csrf, "password": "short", "repeat": "short"})
        assert r.status_code == 400 and "at least 12 characters" in r.text
        r = c.post(f"/web/setup/{token}", data={"csrf": csrf, "password": "a" * 12, "repeat": "b" * 12})
        assert r.status_code == 400 and "not the same" in r.text
        r = c.post(f"/web/setup/{token}", data={"password": PASSWORD, "repeat": PASSWORD})
        assert r.status_code == 403
        r = c.post(f"/web/setup/{token}", data={"csrf": csrf, "password": PASSWORD, "repeat": PASSWORD})
        assert r.status_code == 303 and r.headers["location"] == "/web/login?m=set"
        assert c.get(f"/web/setup/{token}").status_code == 403  # used
        assert login(c, "newbie").status_code == 303


@pytest.mark.parametrize("path", ["/web/staff/%3Cscript%3E", "/web/staff/S001/export.exe", "/web/cohorts/nope",
                                  "/web/report?from=yesterday", "/web/report?cohort=nope",
                                  "/web/access-log?before=x", "/web/staff/S001?page=-4"])
def test_odd_requests_get_a_reason_never_a_crash(sqlite_site, path):
    with sqlite_site.client() as c:
        login(c, "admin")
        r = c.get(path)
    assert r.status_code in (200, 400, 404) and "Traceback" not in r.text


def test_hostile_roster_name_is_escaped_in_the_html(sqlite_site):
    with sqlite_site.client() as c:
        login(c, "admin")
        page = c.get(f"/web/staff/{HOSTILE_ID}").text
    assert "<script>window.__pwned" not in page and "&lt;script&gt;window.__pwned=1" in page
    assert "<img src=x" not in page and "\u202e" not in page and "[U+202E]" in page


def test_the_web_bench_runs_on_a_small_store(tmp_path):
    """bench/web.py end to end on 2,000 records (SQLite): it prints its figures and JSON last."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "bench/web.py", "--records", "2000", "--staff", "30", "--backend", "sqlite",
                          "--repeat", "1", "--cache", str(tmp_path)], cwd=root, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["sqlite"]["records"] == 2074 and result["sqlite"]["staff_ms"] > 0
    assert "dashboard cold" in out.stdout and "staff page" in out.stdout


def test_a_long_timeline_is_paged(sqlite_site, store):
    import datetime as dt

    from tests.export.dataset import at, check

    for i in range(205):
        store.append("scenario_check", check(store, "S010", "new-confusion-news2", i % 2 == 0),
                     now=at(10, 1, 8) + dt.timedelta(minutes=i))
    central, device = sqlite_site.central, store.require_profile().device
    held = central.head(device)[0]
    central.push(central.device(device), sorted((r for r in store.records() if r["device"] == device
                                                 and r["seq"] > held), key=lambda r: r["seq"]))
    with sqlite_site.client() as c:
        login(c, "auditor")
        first, second = c.get("/web/staff/S010").text, c.get("/web/staff/S010?page=2").text
        last = c.get("/web/staff/S010?page=99").text
    body = lambda html: html.split("<tbody>")[-1]  # noqa: E731  (the timeline is the last table)
    assert "page 1 of 2" in first and body(first).count("<tr id=") == 200 and "Older records" in first
    assert "page 2 of 2" in second and body(second).count("<tr id=") == 5 and "Newer records" in second
    assert "page 2 of 2" in last  # past the end: the last page
    assert "2026-10-01 11:24" in first and "2026-10-01 08:00" in second  # newest first


def _seeded_and_pushed(tmp_path, roster: bool):
    """The seeded demo laptop (tests.tui) enrolled and pushed to a new central SQLite store,
    with the demo roster imported there or not."""
    from storage.demo_roster import COHORT_NAMES, demo_roster
    from storage.store import Store
    from sync.central import open_central
    from tests.tui.conftest import build_seeded

    laptop = Store(build_seeded(tmp_path / "home"))
    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    if roster:
        central.import_roster(demo_roster(24), COHORT_NAMES)
    profile = laptop.require_profile()
    info = central.enrol(central.create_token(profile.supervisor), profile.device, profile.supervisor,
                         laptop.key.public_key_hex)
    central.push(info, sorted((r for r in laptop.records() if r["device"] == profile.device), key=lambda r: r["seq"]))
    return laptop, central


def test_closures_awaiting_the_owners_approval_are_on_the_dashboard_and_cohort_page(tmp_path):
    """The demo story (owners' sign-off, issue 13): each figure opens its list."""
    import re

    from tests.tui.conftest import FIXED
    from tests.web.helpers import Clock, make_accounts

    laptop, central = _seeded_and_pushed(tmp_path, roster=True)
    make_accounts(central)
    server = WebServer(central, Clock(FIXED)).start()
    try:
        with server.client() as c:
            login(c, "viewer")
            dashboard = c.get("/web/").text
            links = re.findall(r'href="(/web/cohorts/[^"#]+)#awaiting-approval"><span class="n">(\d+)</span>', dashboard)
            assert links and all(n != "0" for _, n in links)
            for path, n in links:
                page = c.get(path).text
                section = page.split('id="awaiting-approval"')[1].split("<h2")[0]
                assert f"({n})" in section and section.count("<tr>") == int(n) + 1  # header + rows
    finally:
        server.stop()
        central.close()
        laptop.close()


def test_a_central_store_without_a_roster_says_so_and_links_no_dead_lists(tmp_path, cli):
    """An IT admin's first sync before importing the roster: the dashboard says the roster is
    empty and how to import it; the card of records about people the roster does not list is
    named in words and links nowhere (its cohort page does not exist: every figure was a 404).
    The laptop's ``roster list --csv`` is what ``governance-store roster import`` reads."""
    import csv as csv_module
    import re

    from sync.server_cli import main as gov_main
    from tests.tui.conftest import FIXED
    from tests.web.helpers import Clock, make_accounts

    laptop, central = _seeded_and_pushed(tmp_path, roster=False)
    url = f"sqlite:///{tmp_path / 'central.db'}"
    make_accounts(central)
    server = WebServer(central, Clock(FIXED)).start()
    try:
        with server.client() as c:
            login(c, "viewer")
            before = c.get("/web/").text
            assert "The central roster is empty" in before and "governance-store roster import staff.csv" in before
            assert "Not on the central roster" in before and "(not on roster)" not in before
            assert "/web/cohorts/%28not" not in before
            for path in re.findall(r'href="(/web/cohorts/[^"#]+)', before):  # every link opens a list
                assert c.get(path).status_code == 200, path

            result = cli("roster", "list", "--csv")  # (the cli fixture's home is this laptop's)
            assert result.code == 0
            rows = list(csv_module.reader(result.out.splitlines()))
            assert rows[0] == ["staff_id", "name", "role", "cohort"] and len(rows) == 1 + len(laptop.roster())
            staff_csv = tmp_path / "staff.csv"
            staff_csv.write_text(result.out, "utf-8")
            assert gov_main(["roster", "import", "--db", url, str(staff_csv)]) == 0
            after = c.get("/web/").text
            assert "The central roster is empty" not in after and "Not on the central roster" not in after
            linked = re.findall(r'href="(/web/cohorts/[^"#]+)"', after)
            assert "/web/cohorts/overnight-float" in linked
            assert all(c.get(path).status_code == 200 for path in linked)
    finally:
        server.stop()
        central.close()
        laptop.close()
