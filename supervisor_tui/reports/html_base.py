"""Shared HTML page shell: self-contained (no scripts, fonts or fetches) with print CSS."""

from __future__ import annotations

from html import escape

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; color: #111; margin: 2em; max-width: 60em; }
h1 { font-size: 18pt; margin-bottom: .2em; } h2 { font-size: 14pt; border-bottom: 2px solid #333; margin-top: 1.6em; }
h3 { font-size: 12pt; margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0; width: 100%; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
table.kv th { width: 11em; text-align: left; font-weight: bold; }
.muted { color: #555; font-size: 9pt; }
.ok { color: #1b5e20; font-weight: bold; } .bad { color: #b71c1c; font-weight: bold; }
.box { border: 2px solid #333; padding: .6em 1em; margin: 1em 0; }
.entry { border: 1px solid #bbb; border-left: 5px solid #5b7fa6; padding: .4em .8em; margin: .6em 0; break-inside: avoid; }
.entry.fail, .entry.rework, .entry.disagreed { border-left-color: #c0392b; }
.entry.pass, .entry.compliant, .entry.agreed, .entry.closed, .entry.lifted { border-left-color: #2e7d32; }
.entry.amendment { margin-left: 2em; border-left-color: #8e44ad; background: #faf5fc; }
.entry dl { display: grid; grid-template-columns: 12em 1fr; margin: .3em 0; gap: 1px 8px; }
.entry dt { font-weight: bold; } .entry dd { margin: 0; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
svg.chart { max-width: 100%; height: auto; display: block; margin: .5em 0; }
.chart .ct { font-size: 12px; font-weight: bold; } .chart .cl { font-size: 10px; }
.pathway { break-before: page; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  @page { size: A4; margin: 15mm; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } .entry, tr, .box { break-inside: avoid; }
}
"""


def page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def kv_table(rows: list[tuple[str, str]]) -> str:
    """A two-column label/value table without a header; values are raw HTML."""
    body = "".join(f'<tr><th scope="row">{escape(k)}</th><td>{v}</td></tr>' for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def table(headers: list[str], rows: list[list[str]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw``."""
    cell = (lambda v: v) if raw else (lambda v: escape(str(v)))
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
