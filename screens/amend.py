"""Amend: correct a record by signing an amendment (the corrected body and a reason); the
original stays, and the timeline shows both."""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Static

from screens.describe import KIND_LABELS, summarise
from screens.footer import AppFooter
from screens.form import FormScreen, make_input, make_textarea
from screens.header import AppHeader
from supervisor_tui.rules import RecordInvalid

DERIVED = ("outcome", "expected_endpoint", "failed_critical", "agreed", "missing_elements")


class AmendScreen(FormScreen):
    KIND = "amendment"
    CSS_PATH = "amend.tcss"

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(f"amendment:{record['hash']}")
        self.record = record

    def compose(self) -> ComposeResult:
        app: Any = self.app
        record = self.record
        editable = {k: v for k, v in record["body"].items() if k not in DERIVED}
        yield AppHeader(f"amend {KIND_LABELS[record['kind']]}")
        with VerticalScroll(classes="form"):
            yield Static(f"{KIND_LABELS[record['kind']]} of {record['created_at'][:16]} by "
                         f"{record['author']} (seq {record['seq']})\n"
                         f"{summarise(record)}", classes="hint")
            yield Label("Corrected body (JSON; derived fields are recomputed)", classes="section-title")
            yield make_textarea(app, id="body", text=json.dumps(editable, indent=2, ensure_ascii=False),
                                language=None, classes="field")
            with Horizontal(classes="row"):
                yield Label("Reason", classes="label")
                yield make_input(app, id="reason", placeholder="why the record is corrected",
                                 classes="field")
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        problems = []
        try:
            body = json.loads(values.get("body") or "")
        except json.JSONDecodeError as exc:
            problems.append(f"body: not valid JSON (line {exc.lineno}: {exc.msg})")
            body = None
        if not (values.get("reason") or "").strip():
            problems.append("reason: required")
        if problems:
            raise RecordInvalid(problems)
        return {"amends": self.record["hash"], "reason": values["reason"].strip(), "body": body}
