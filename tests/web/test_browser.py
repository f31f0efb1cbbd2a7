"""The web view in a real Chromium (Debian's, driven by Playwright): sign in, dashboard, follow a
figure to its list, open a person, download the JSON pack and verify it with ``verify-export``,
sign out; the session expiring; a viewer's 403s; hostile text inert in the DOM; axe-core on
every page; every control reachable by keyboard."""

from __future__ import annotations

import json

import pytest

from sync.server_cli import main as gov_main
from tests.web.helpers import HOSTILE_ID, HOSTILE_NAME, PASSWORD, WebServer

PAGES = ["/web/", "/web/cohorts/overnight-float", "/web/cohorts/new-starters", "/web/report",
         "/web/staff/S001", f"/web/staff/{HOSTILE_ID}", "/web/staff/S008", "/web/devices", "/web/quarantine",
         "/web/access-log", "/web/access-log?staff=S001"]


def sign_in(page, server: WebServer, name: str, path: str = "/web/") -> None:
    page.goto(server.url + path)
    assert "/web/login" in page.url
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_the_auditor_flow(site, page, tmp_path, cli, capsys):
    sign_in(page, site, "auditor")
    assert page.url == site.url + "/web/"
    assert page.locator("h1").inner_text() == "Dashboard"
    card = page.locator("section.card", has=page.locator("h2", has_text="Overnight float staff"))
    figure = card.locator("a", has_text="overdue pathways")
    assert figure.locator(".n").inner_text() == "1"
    figure.click()
    assert page.url.endswith("/web/cohorts/overnight-float#pathways-overdue")
    overdue = page.locator("#pathways-overdue + div table tbody tr")
    assert overdue.count() == 1 and "PW-A" in overdue.first.inner_text() and "OVERDUE" in overdue.first.inner_text()
    page.click("#staff + div a[href='/web/staff/S001']")
    assert "/web/staff/S001" in page.url
    assert "(S001," in page.locator("h1").inner_text()
    rows = page.locator("#timeline ~ div table tbody tr")
    assert rows.count() >= 3 and "✓ verified" in rows.first.inner_text()
    with page.expect_download() as info:
        page.click("a[href$='export.json']")
    pack_path = tmp_path / "S001.json"
    info.value.save_as(pack_path)
    result = cli("verify-export", str(pack_path))
    assert result.code == 0 and result.out.startswith("OK:"), result.err
    pack = json.loads(pack_path.read_text())
    assert pack["manifest"]["signed_by"]["public_key"] == site.key.public_key_hex
    capsys.readouterr()  # the same pack as `governance-store export` writes (here unsigned: no key file)
    assert gov_main(["export", "--db", site.central.url, "--staff", "S001", "--format", "json",
                     "--out", str(tmp_path / "cli.json"), "--key", str(tmp_path / "absent.key")]) == 0
    cli_pack = json.loads((tmp_path / "cli.json").read_text())
    assert cli_pack["manifest"]["records"] == pack["manifest"]["records"]
    assert cli_pack["records"] == pack["records"]
    page.click("text=Sign out")
    assert "/web/login" in page.url and "You are signed out" in page.inner_text("main")
    page.goto(site.url + "/web/staff/S001")
    assert "/web/login" in page.url


def test_the_session_expires_after_30_idle_minutes(sqlite_site, page):
    sign_in(page, sqlite_site, "viewer")
    sqlite_site.clock.advance(minutes=29)
    page.goto(sqlite_site.url + "/web/report")
    assert page.locator("h1").inner_text() == "Governance report"
    sqlite_site.clock.advance(minutes=31)
    page.goto(sqlite_site.url + "/web/report")
    assert "/web/login" in page.url
    assert "30 minutes without activity" in page.inner_text("main")
    page.fill("#name", "viewer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    assert page.url == sqlite_site.url + "/web/report"  # back where they were


def test_a_viewer_gets_403_on_histories_and_admin_pages(sqlite_site, page):
    sign_in(page, sqlite_site, "viewer")
    for path in ("/web/staff/S001", "/web/staff/S001/export.json", "/web/devices", "/web/access-log"):
        response = page.goto(sqlite_site.url + path)
        assert response.status == 403, path
        assert "Your role (viewer)" in page.inner_text("main")
    assert page.locator("nav a", has_text="Access log").count() == 0


def test_an_unauthenticated_browser_is_sent_to_sign_in(sqlite_site, page):
    for path in PAGES:
        page.goto(sqlite_site.url + path)
        assert "/web/login" in page.url and page.locator("h1").inner_text() == "Sign in", path


def test_hostile_text_is_inert_in_the_dom(sqlite_site, page):
    sign_in(page, sqlite_site, "admin", f"/web/staff/{HOSTILE_ID}")
    for path in (f"/web/staff/{HOSTILE_ID}", "/web/cohorts/overnight-float", "/web/report", "/web/"):
        page.goto(sqlite_site.url + path)
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("main script").count() == 0 and page.locator("main img").count() == 0, path
        text = page.inner_text("main")
        assert "\u202e" not in text, path
        if path != "/web/":
            assert '<script>window.__pwned=1</script>Eve "><img src=x onerror=' in text, path
            assert "[U+202E]evil" in text, path
    page.goto(sqlite_site.url + f"/web/staff/{HOSTILE_ID}")
    heading = page.locator("h1").inner_text()
    assert "<script>window.__pwned=1</script>Eve" in heading and '"><img src=x onerror=' in heading
    assert "\u202e" not in heading and "[U+202E]evil" in heading
    row = page.locator("#timeline ~ div tr", has_text="Shadow escalation")
    row.locator("details summary").click()
    text = row.inner_text()
    assert "<script>window.__pwned=3</script>" in text and "[U+202E]txt.exe" in text
    assert HOSTILE_NAME not in page.content()


def test_a_login_post_without_the_token_is_refused_in_the_browser(sqlite_site, page):
    page.goto(sqlite_site.url + "/web/login")
    page.evaluate("document.querySelector('input[name=csrf]').value = 'forged-forged-forged-forged'")
    page.fill("#name", "admin")
    page.fill("#password", PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.click("button[type=submit]")
    assert info.value.status == 403
    assert "did not come from this site" in page.inner_text("main")
    assert not [c for c in page.context.cookies() if c["name"] == "gs_session"]


def test_session_cookie_flags_in_the_browser(sqlite_site, page):
    sign_in(page, sqlite_site, "viewer")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "gs_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/web"
    assert page.evaluate("document.cookie") == ""  # not readable by scripts


def _axe(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_or_critical_violations_on_any_page(sqlite_site, page):
    page.goto(sqlite_site.url + "/web/login")
    found = {"/web/login": _axe(page)}
    sign_in(page, sqlite_site, "admin")
    for path in PAGES:
        page.goto(sqlite_site.url + path)
        found[path] = _axe(page)
    page.goto(sqlite_site.url + "/web/staff/NOBODY")
    found["404"] = _axe(page)
    problems = {p: [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in vs]
                for p, vs in found.items() if vs}
    assert not problems


CONTROLS = "a[href], button, input:not([type=hidden]):not([hidden]), select, summary"


@pytest.mark.parametrize("path", ["/web/", "/web/report", "/web/access-log", "/web/cohorts/overnight-float",
                                  "/web/staff/S001"])
def test_every_control_is_reachable_by_keyboard(sqlite_site, page, path):
    sign_in(page, sqlite_site, "admin")
    page.goto(sqlite_site.url + path)
    controls = page.evaluate(f"() => document.querySelectorAll('{CONTROLS}').length")
    assert controls > 5
    for _ in range(4 * controls + 10):  # a date field takes a Tab per part
        page.keyboard.press("Tab")
        page.evaluate("() => { if (document.activeElement) document.activeElement.dataset.kb = '1'; }")
    missed = page.evaluate(f"""() => Array.from(document.querySelectorAll('{CONTROLS}'))
        .filter(e => e.dataset.kb !== '1').map(e => e.outerHTML.slice(0, 80))""")
    assert missed == []


def test_a_new_account_chooses_its_password_through_the_set_up_link(sqlite_site, page):
    from sync.web.accounts import add_user

    token = add_user(sqlite_site.central, "new.director", "viewer", now=sqlite_site.clock())
    page.goto(f"{sqlite_site.url}/web/setup/{token}")
    assert "new.director" in page.inner_text("main")
    assert not _axe(page)
    page.fill("#password", "too short")
    page.fill("#repeat", "too short")
    page.evaluate("document.querySelectorAll('input[minlength]').forEach(e => e.removeAttribute('minlength'))")
    page.click("button[type=submit]")
    assert "at least 12 characters" in page.inner_text("[role=alert]")
    page.fill("#password", "three unrelated words")
    page.fill("#repeat", "three unrelated words")
    page.click("button[type=submit]")
    assert "/web/login" in page.url and "Your password is set" in page.inner_text("main")
    page.fill("#name", "new.director")
    page.fill("#password", "three unrelated words")
    page.click("button[type=submit]")
    assert page.url == sqlite_site.url + "/web/" and "new.director (viewer)" in page.inner_text("header")
    page.goto(f"{sqlite_site.url}/web/setup/{token}")  # used once
    assert "not valid any more" in page.inner_text("main") and not _axe(page)
