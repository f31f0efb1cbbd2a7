"""The client API the TUI codes against, and the layer rule (sync/ never imports Textual)."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

from sync import client


def test_sync_store_signature_and_result_shapes():
    params = inspect.signature(client.sync_store).parameters
    assert list(params)[:3] == ["store", "server", "progress"]
    assert params["server"].default is None and params["progress"].default is None
    fields = {c: [f.name for f in dataclasses.fields(c)]
              for c in (client.SyncProgress, client.SyncResult, client.RejectedRecord)}
    assert fields[client.SyncProgress] == ["sent", "total", "accepted", "rejected", "message"]
    assert fields[client.SyncResult] == ["ok", "accepted", "duplicates", "rejected", "unreachable",
                                         "message", "pulled", "set_aside"]
    assert fields[client.RejectedRecord] == ["seq", "id", "kind", "reason"]
    assert inspect.signature(client.server_reachable).parameters["timeout"].default == 2.0


def test_server_reachable(server):
    from tests.pg import free_port

    assert client.server_reachable(server.url)
    assert not client.server_reachable(f"http://127.0.0.1:{free_port()}", timeout=0.5)


def test_sync_and_storage_modules_do_not_import_textual():
    code = ("import sys, sync.client, sync.server.app, sync.server_cli, sync.central, "
            "sync.central.postgres_backend, storage.sync_state, supervisor_tui.shell.commands.sync_cmd; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sync_store_without_a_server_reports_it_in_the_result(tmp_path):
    from tests.sync.helpers import make_laptop

    store = make_laptop(tmp_path / "l", records=2)
    result = client.sync_store(store)
    assert not result.ok and not result.unreachable and result.message == client.NOT_ENROLLED
    assert store.unsynced_count() == 2
