"""The export and report code never imports Textual (the central store uses it headless)."""

from __future__ import annotations

import subprocess
import sys


def test_export_package_does_not_import_textual():
    code = ("import sys; import storage.export, supervisor_tui.reports.evidence, sync.central.export, "
            "sync.export_cmd, storage.report_local, "
            "supervisor_tui.shell.commands.export_cmd; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
