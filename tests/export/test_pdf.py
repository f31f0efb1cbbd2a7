"""The HTML evidence pack printed by headless Chromium: the PDF's text holds every record."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from storage.export import export_staff
from tests.export.conftest import chromium_path, need_tool

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-pdf-header-footer"]


def print_pdf(html: Path, tmp: Path) -> str:
    chromium = need_tool(chromium_path(), "chromium")
    pdftotext = need_tool(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    pdf = tmp / (html.stem + ".pdf")
    subprocess.run([chromium, *FLAGS, f"--user-data-dir={tmp / 'profile'}", f"--print-to-pdf={pdf}",
                    html.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    assert pdf.exists() and pdf.stat().st_size > 1000
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def test_pdf_of_the_html_export_holds_every_record(store, data, tmp_path):
    html = export_staff(store, "S006", "html", tmp_path / "s006.html")
    text = print_pdf(html, tmp_path)
    records = store.records_touching("S006")
    assert len(records) == 5
    for record in records:
        assert record["hash"][:12] in text, record["kind"]
    assert "Re-validation history: Farid Haddad (S006)" in text
    assert "Restriction RS-D lifted" in text and "Pathway PW-A" in text
    assert "All 5 records: hash and signature verified." in text


def test_pdf_holds_checks_notes_and_amendments(store, data, tmp_path):
    for staff in ("S002", "S008"):
        html = export_staff(store, staff, "html", tmp_path / f"{staff}.html")
        text = print_pdf(html, tmp_path)
        for record in store.records_touching(staff):
            assert record["hash"][:12] in text, (staff, record["kind"])
    assert "Amendment to: Note assessment" in text and "Changed timely" in text
