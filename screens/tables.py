"""Column widths for DataTables filled in one go.

A DataTable measures the cells of new rows only when it next goes idle, so the frame drawn
right after a fill (or a screen pushed on top at once, like the command palette, which freezes
the table behind it) shows columns as narrow as their headers. ``fit_columns`` measures the
auto-sized columns at once and fixes their widths; call it after every fill.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable


def fit_columns(table: DataTable) -> None:
    """Give each column that was added without a width the width of its widest cell/header."""
    keys = getattr(table, "_fitted_keys", None)
    if keys is None:
        keys = [key for key, column in table.columns.items() if column.auto_width]
        table._fitted_keys = keys  # type: ignore[attr-defined]
    for key in keys:
        column = table.columns[key]
        width = column.label.cell_len
        for cell in table.get_column(key):
            width = max(width, cell.cell_len if isinstance(cell, Text) else cell_len(str(cell)))
        column.auto_width = False
        column.width = width
    table.refresh()
