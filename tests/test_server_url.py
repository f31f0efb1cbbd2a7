"""The central store's address a supervisor types: what is refused, what is only warned about."""

from __future__ import annotations

import pytest

from sync.server_url import unencrypted_warning, url_problem


@pytest.mark.parametrize("url", ["https://governance.example.org", "http://127.0.0.1:8799",
                                 "http://localhost:8000", "https://10.1.2.3:8443/base"])
def test_addresses_a_laptop_accepts(url):
    assert url_problem(url) is None


@pytest.mark.parametrize("url", ["", "governance.example.org", "ftp://governance.example.org", "https://",
                                 "http://host:port", "https:///path", "http://[::1"])
def test_addresses_refused_with_a_reason_in_words(url):
    assert url_problem(url) == "give an http:// or https:// address, e.g. https://governance.example.org"


@pytest.mark.parametrize("url", ["https://governance.example.org", "http://127.0.0.1:8799", "http://[::1]:8000",
                                 "http://localhost:8000", "http://LOCALHOST", "https://10.0.0.5"])
def test_no_warning_for_encrypted_or_this_machine(url):
    assert unencrypted_warning(url) is None


@pytest.mark.parametrize("url", ["http://governance.example.org", "http://10.0.0.5:8799", "http://[2001:db8::1]"])
def test_plain_http_to_another_machine_is_warned_about(url):
    warning = unencrypted_warning(url)
    assert warning is not None and warning.startswith(f"{url} is not encrypted (http://)")
    assert "https://" in warning


def test_cli_warns_on_stderr_before_anything_else(cli):
    result = cli("enrol", "--server", "http://governance.example.org", "--token", " ")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("warning: http://governance.example.org is not encrypted (http://)")
    assert "--token must not be empty" in lines[1] and "Traceback" not in result.err
    bad = cli("enrol", "--server", "http://host:port", "--token", "abc")
    assert bad.code == 2 and "give an http:// or https:// address" in bad.err
