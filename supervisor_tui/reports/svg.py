"""Tiny inline SVG charts and text sparklines (no scripts, no network, print friendly)."""

from __future__ import annotations

from html import escape

BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """One character per value (None shows as a space)."""
    present = [v for v in values if v is not None]
    top = max(present) if present else 0
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif top <= 0 or v <= 0:
            out.append(BLOCKS[1])
        else:
            out.append(BLOCKS[max(2, round(v / top * (len(BLOCKS) - 1)))])
    return "".join(out)


def text_bar(value: float, total: float, width: int = 20) -> str:
    filled = 0 if total <= 0 else round(width * min(value, total) / total)
    return "█" * filled + "░" * (width - filled)


def bar_chart(labels: list[str], values: list[float], title: str, unit: str = "",
              width: int = 640, height: int = 180, line: list[float | None] | None = None,
              line_label: str = "") -> str:
    """Vertical bars (counts) with an optional 0-100 % line on the same x axis."""
    n = max(len(values), 1)
    left, bottom, top_pad = 36, 34, 22
    plot_w, plot_h = width - left - 44, height - bottom - top_pad
    top = max(values + [1])
    step = plot_w / n
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="chart"><title>{escape(title)}</title>',
             f'<text x="{left}" y="14" class="ct">{escape(title)}</text>',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#444"/>',
             f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" class="cl">{top:g}{escape(unit)}</text>',
             f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" class="cl">0</text>']
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        h = 0 if top <= 0 else plot_h * value / top
        bar = min(step * 0.7, 48.0)  # one or two weeks: a bar, not a block across the chart
        x = left + i * step + (step - bar) / 2
        parts.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar:.1f}" '
                     f'height="{h:.1f}" fill="#5b7fa6"><title>{escape(label)}: {value:g}</title></rect>')
        if n <= 16 or i % max(1, n // 8) == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                         f'class="cl">{escape(label)}</text>')
    if line:
        points = [(left + i * step + step / 2, top_pad + plot_h - plot_h * v / 100)
                  for i, v in enumerate(line) if v is not None]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#c0392b" stroke-width="2"/>')
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#c0392b"/>' for x, y in points]
            parts.append(f'<text x="{left + plot_w + 4}" y="{top_pad + 8}" class="cl" fill="#c0392b">100%</text>')
            parts.append(f'<text x="{left + plot_w - 4}" y="{height - 4}" text-anchor="end" class="cl" '
                         f'fill="#c0392b">line: {escape(line_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def progress_bar(done: int, required: int, width: int = 160) -> str:
    frac = 1.0 if required <= 0 else min(done, required) / required
    colour = "#2e7d32" if frac >= 1 else "#e0a800"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="12" class="pbar">'
            f'<rect width="{width}" height="12" fill="#eee" stroke="#999"/>'
            f'<rect width="{width * frac:.1f}" height="12" fill="{colour}"/></svg>')
