"""Accounts on both central backends: the ``governance-store user`` commands, set-up links
(hashed, 72 h, once), Argon2id hashes, reset and disable, and the append-only tables."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sync.central import CentralError, open_central
from sync.server_cli import main as gov_main
from sync.web import access
from sync.web.accounts import (
    add_user,
    authenticate,
    complete_setup,
    disable_user,
    link_account,
    list_users,
    reset_user,
    secret_hash,
)
from sync.web.sessions import create, load, wait_seconds
from tests.web.helpers import NOW, PASSWORD


@pytest.fixture
def central(web_url):
    c = open_central(web_url)
    yield c
    c.close()


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = gov_main(list(args))
    except SystemExit as exc:  # argparse refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_user_commands_as_written_in_the_issue(web_url, capsys):
    code, out, _ = run(capsys, "user", "add", "--db", web_url, "--name", "dana", "--role", "auditor",
                       "--url", "https://governance.example.org")
    assert code == 0
    link = out.strip().splitlines()[-1]
    assert link.startswith("https://governance.example.org/web/setup/")
    token = link.rsplit("/", 1)[1]
    code, out, _ = run(capsys, "user", "list", "--db", web_url, "--json")
    (row,) = json.loads(out)
    assert row["name"] == "dana" and row["role"] == "auditor" and row["state"] == "set-up link sent"
    central = open_central(web_url)
    try:
        with central.reading() as tx:  # only the link's hash is stored
            stored = [r[0] for r in tx.all("SELECT secret FROM web_user_events")]
        assert stored == [secret_hash(token)] and token not in json.dumps(stored)
        complete_setup(central, token, PASSWORD)
        assert authenticate(central, "dana", PASSWORD).role == "auditor"
        with central.reading() as tx:
            hashed = tx.one("SELECT secret FROM web_user_events WHERE event = 'password'")[0]
        assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    finally:
        central.close()
    code, out, _ = run(capsys, "user", "reset", "--db", web_url, "--name", "dana")
    assert code == 0 and "/web/setup/" in out
    code, out, _ = run(capsys, "user", "disable", "--db", web_url, "--name", "dana")
    assert code == 0 and "disabled" in out
    code, out, _ = run(capsys, "user", "list", "--db", web_url)
    assert "dana" in out and "disabled" in out and "1 account(s)" in out


def test_user_commands_refuse_bad_input_with_one_line(web_url, capsys):
    assert run(capsys, "user", "add", "--db", web_url, "--name", "ok", "--role", "viewer")[0] == 0
    for args, words in ((("add", "--name", "ok", "--role", "viewer"), "already exists"),
                        (("add", "--name", "bad name", "--role", "viewer"), "--name"),
                        (("add", "--name", "x", "--role", "king"), "--role"),
                        (("disable", "--name", "nobody"), "no account named"),
                        (("reset", "--name", "nobody"), "no account named")):
        code, _, err = run(capsys, "user", args[0], "--db", web_url, *args[1:])
        assert code == 2 and words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_set_up_link_expires_after_72_hours_and_works_once(central):
    token = add_user(central, "eve", "viewer", now=NOW)
    assert link_account(central, token, NOW + dt.timedelta(hours=71)) is not None
    assert link_account(central, token, NOW + dt.timedelta(hours=72, seconds=1)) is None
    with pytest.raises(CentralError):
        complete_setup(central, token, PASSWORD, NOW + dt.timedelta(hours=73))
    complete_setup(central, token, PASSWORD, NOW + dt.timedelta(hours=1))
    with pytest.raises(CentralError):  # used once
        complete_setup(central, token, "another long password", NOW + dt.timedelta(hours=2))
    assert authenticate(central, "eve", PASSWORD) is not None


def test_reset_stops_the_old_password_and_disable_ends_sessions(central):
    complete_setup(central, add_user(central, "finn", "admin", now=NOW), PASSWORD, NOW)
    cookie, _ = create(central, "finn", "127.0.0.1", NOW)
    assert load(central, cookie, NOW).role == "admin"
    disable_user(central, "finn", NOW)
    assert load(central, cookie, NOW) is None and authenticate(central, "finn", PASSWORD) is None
    token = reset_user(central, "finn", NOW)
    assert authenticate(central, "finn", PASSWORD) is None  # a reset link, no password yet
    complete_setup(central, token, "a brand new password", NOW)
    assert authenticate(central, "finn", PASSWORD) is None
    assert authenticate(central, "finn", "a brand new password").name == "finn"
    assert [a.state("") for a in list_users(central)] == ["active"]


def test_wrong_password_unknown_name_and_wrong_case_are_refused(central):
    complete_setup(central, add_user(central, "gus", "viewer", now=NOW), PASSWORD, NOW)
    assert authenticate(central, "gus", PASSWORD.upper()) is None
    assert authenticate(central, "nobody", PASSWORD) is None
    assert authenticate(central, "", "") is None


def test_session_idles_out_after_30_minutes(central):
    complete_setup(central, add_user(central, "hal", "viewer", now=NOW), PASSWORD, NOW)
    cookie, _ = create(central, "hal", "127.0.0.1", NOW)
    assert load(central, cookie, NOW + dt.timedelta(minutes=29)) is not None  # moves last_seen on
    assert load(central, cookie, NOW + dt.timedelta(minutes=58)) is not None
    assert load(central, cookie, NOW + dt.timedelta(minutes=88, seconds=1)) is None
    assert load(central, cookie, NOW + dt.timedelta(minutes=89)) is None  # ended for good


def test_access_log_and_account_events_are_append_only(central):
    add_user(central, "ida", "viewer", now=NOW)
    access.write(central, NOW, "ida", "viewer", "127.0.0.1", "view_staff", "S001", "history page")
    for sql in ("UPDATE access_log SET user_name = 'x'", "DELETE FROM access_log",
                "UPDATE web_user_events SET event = 'password'", "DELETE FROM web_user_events",
                "UPDATE web_users SET role = 'admin'", "DELETE FROM web_users"):
        with pytest.raises(Exception, match="append-only"):
            with central.transaction() as tx:
                tx.execute(sql)
    (row,) = access.entries(central, staff="S001")
    assert (row["user"], row["action"], row["address"]) == ("ida", "view_staff", "127.0.0.1")


def test_the_wait_after_failed_logins_grows():
    assert [wait_seconds(n) for n in range(7)] == [0, 0, 0, 2, 4, 8, 16]
    assert wait_seconds(100) == 15 * 60


def test_a_store_made_before_the_web_view_gets_its_tables_on_open(web_url):
    central = open_central(web_url)
    with central.transaction() as tx:  # as a store made before this issue: no web tables
        for table in ("access_log", "web_sessions", "web_user_events", "web_users"):
            tx.execute(f"DROP TABLE {table}")
    central.close()
    central = open_central(web_url)
    try:
        token = add_user(central, "late", "viewer", now=NOW)
        complete_setup(central, token, PASSWORD, NOW)
        access.write(central, NOW, "late", "viewer", "127.0.0.1", "login")
        with pytest.raises(Exception, match="append-only"):
            with central.transaction() as tx:
                tx.execute("DELETE FROM access_log")
    finally:
        central.close()
