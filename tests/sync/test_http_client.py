"""The sync client's httpx is loaded lean (sync.http_client) and still verifies https servers."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path

from sync.http_client import tls_context

ROOT = Path(__file__).resolve().parents[2]


def test_https_servers_are_verified_against_the_ca_bundle() -> None:
    assert tls_context("https://governance.example.org") is True
    assert tls_context("HTTPS://governance.example.org") is True


def test_a_plain_http_client_trusts_no_certificate() -> None:
    context = tls_context("http://127.0.0.1:8765")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs() == []  # nothing loaded: no certificate could pass


def test_the_sync_client_does_not_load_httpx_command_line_client() -> None:
    code = ("import sys, sync.client\n"
            "print(sorted(m for m in ('click', 'rich.console', 'pygments') if m in sys.modules))\n"
            "import httpx\n"
            "print(callable(httpx.main), callable(httpx.Client))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "True True"]
