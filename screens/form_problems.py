"""A form's problems in its own words: each problem line uses the label the form shows beside
the field (or the checklist's wording), the fields are marked (a "✗ fix" border title as
well as the colour), a one-line summary stays visible above the keys, a refused save focuses the
first invalid field, and while problems are listed each change re-checks them."""

from __future__ import annotations

import re
from typing import Any

from textual.widgets import Checkbox, Label, Select, Static

from supervisor_tui.model.rules import RecordInvalid


class ProblemsMixin:
    """Mixed into ``FormScreen`` (which supplies ``build_body``, ``collect`` and ``KIND``)."""

    FIELD_LABELS: dict[str, str] = {}  # labels for fields the form shows without a Label

    def field_label(self, field_id: str) -> str | None:
        """The words the form shows for a field: its own label on the row, the section title
        above it, a checkbox's text."""
        if field_id in self.FIELD_LABELS:
            return self.FIELD_LABELS[field_id]
        found = list(self.query(f"#{field_id}")) if field_id.isidentifier() else []
        if not found:
            return None
        widget = found[0]
        if isinstance(widget, Checkbox):
            return str(widget.label)
        siblings = list(widget.parent.children) if widget.parent else []
        for sibling in reversed(siblings[:siblings.index(widget)] if widget in siblings else []):
            if isinstance(sibling, Label | Static) and {"label", "section-title"} & set(sibling.classes):
                text = str(sibling.render()).strip()
                return re.sub(r"\s*\(.*\)$", "", text)
        return None

    def item_words(self, item_id: str) -> str:
        """A checklist item's or element's wording (forms with checklists override)."""
        return item_id

    def in_words(self, problems: list[str]) -> list[str]:
        """Problem lines in the form's labels and the checklist's words."""
        from screens.wording import in_words

        return [line for _field, line in in_words(problems, self.field_label, self.item_words)]

    def form_problems(self) -> list[str]:
        """What is wrong with the form as it stands, without the store (build and preview)."""
        from screens.preview import preview

        app: Any = self.app
        values = self.collect()
        try:
            body = self.build_body(values)
        except RecordInvalid as exc:  # and the dates the rules would refuse: all at once
            named = {p.split(":", 1)[0] for p in exc.problems}
            return exc.problems + [p for p in _date_problems(values) if p.split(":", 1)[0] not in named]
        return preview(self.KIND, body, app.store.library, app.today())[1]

    def show_problems(self, problems: list[str], focus: bool = False) -> None:
        """List every problem in the form's words, mark the fields (a ✗ in the border title as
        well as the colour), keep a one-line summary always visible; ``focus`` moves to the
        first invalid field (a refused Ctrl+S)."""
        from screens.wording import in_words, summary

        box = self.query_one("#problems", Static)
        for widget in self.query(".-problem"):
            widget.remove_class("-problem")
            _titled(widget).border_title = None
        lines = in_words(problems, self.field_label, self.item_words)
        self._problem_lines = lines
        bar = self._summary_bar()
        if not lines:
            box.update("")
            box.display = False
            if bar is not None:
                bar.display = False
            return
        box.display = True
        box.update("\n".join(f"✗ {line}" for _field, line in lines))
        first = None
        for field, _line in lines:
            for widget in self.query(f"#{field}") if field and field.isidentifier() else []:
                widget.add_class("-problem")
                _titled(widget).border_title = "✗ fix"
                first = first or widget
        if bar is not None:
            bar.update(f"✗ {summary(lines)}")
            bar.display = True
        if focus:
            target = first if first is not None and first.focusable else box
            if first is not None and first.focusable:
                first.focus(scroll_visible=False)
            # Scroll once the problem list and the fields' borders are laid out: measured before,
            # the distance depended on how far the layout had got (a screen that varied run to run).
            self.call_after_refresh(target.scroll_visible, animate=False)

    def _summary_bar(self) -> Static | None:
        found = self.query("#problem-summary")
        return found.first(Static) if found else None

    def _recheck(self) -> None:
        """While problems are listed, each change re-checks them: a fixed one disappears."""
        if getattr(self, "_problem_lines", None):
            self.show_problems(self.form_problems())

def _date_problems(values: dict[str, Any]) -> list[str]:
    """A date field (``…_date``, ``…_on``) typed but not a date."""
    import datetime as dt

    problems = []
    for key, value in values.items():
        if (key.endswith("_date") or key.endswith("_on")) and isinstance(value, str) and value.strip():
            try:
                dt.date.fromisoformat(value.strip())
            except ValueError:
                problems.append(f"{key}: must be a date written YYYY-MM-DD")
    return problems


def _titled(widget: Any) -> Any:
    """The widget that draws a field's border (a Select's is its current-value box)."""
    if isinstance(widget, Select):
        from textual.widgets._select import SelectCurrent

        found = widget.query(SelectCurrent)
        return found.first() if found else widget
    return widget
