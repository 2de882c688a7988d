"""Charts as inline SVG, drawn in Python: a report opened from mail or chat runs no script and loads nothing.

Written by hand because the three shapes needed (waterfall, line, bars) take a few lines each, while a
plotting library (matplotlib) would add a large dependency and its own fonts to every installation.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from junshi.formats import format_value
from junshi.metrics.model import Unit

FONT = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif"
UP, DOWN, TOTAL, LINE, GRID, INK = "#2e9e5b", "#d64545", "#4a6fa5", "#3b7dd8", "#e3e6eb", "#333"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text: str, *, anchor: str = "middle", fill: str = INK, size: int = 11) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}">'
            f"{escape(text)}</text>")


def waterfall(items: Sequence[tuple[str, float]], currency: str, title: str, *, width: int = 640,
              height: int = 260) -> str:
    """Baseline, each effect (green up, red down) and the current total, as floating bars."""
    if len(items) < 2:
        return ""
    levels, run = [], 0.0
    for i, (_, amount) in enumerate(items):
        if i == 0 or i == len(items) - 1:
            levels.append((0.0, amount))
            run = amount
        else:
            levels.append((run, run + amount))
            run += amount
    top = max(max(a, b) for a, b in levels) or 1.0
    bottom = min(min(a, b) if i not in (0, len(items) - 1) else b for i, (a, b) in enumerate(levels))
    # effects are small against the totals: start the axis below the lowest level (the totals are marked)
    low = max(0.0, bottom - (top - bottom)) if bottom > 0 else bottom
    levels = [(max(a, low) if i in (0, len(levels) - 1) else a, b) for i, (a, b) in enumerate(levels)]
    pad_top, pad_bottom, left = 28, 36, 10
    plot_h = height - pad_top - pad_bottom
    slot = (width - 2 * left) / len(items)

    def y(v: float) -> float:
        return pad_top + (top - v) / (top - low) * plot_h

    body = [f'<line x1="{left}" x2="{width - left}" y1="{y(low):.1f}" y2="{y(low):.1f}" stroke="{GRID}"/>']
    for i, ((label, amount), (a, b)) in enumerate(zip(items, levels, strict=True)):
        total = i in (0, len(items) - 1)
        colour = TOTAL if total else UP if amount >= 0 else DOWN
        x = left + i * slot + slot * 0.2
        y1, y2 = sorted((y(a), y(b)))
        body.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{slot * 0.6:.1f}" height="{max(y2 - y1, 1):.1f}" '
                    f'fill="{colour}"/>')
        shown = format_value(amount, "money", currency, change=not total)
        body.append(_text(x + slot * 0.3, y1 - 5, shown, size=10))
        body.append(_text(x + slot * 0.3, height - pad_bottom + 16, label))
    return _svg(width, height, body, title)


def line(days: Sequence[str], values: Sequence[float | None], unit: Unit, currency: str, title: str, *,
         width: int = 640, height: int = 180) -> str:
    """One daily series as a line with its title, first and last day, and the high and low values."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        return ""
    high, low_v = max(v for _, v in points), min(v for _, v in points)
    span = (high - low_v) or 1.0
    left, right, pad_top, pad_bottom = 70, 10, 24, 24
    plot_w, plot_h = width - left - right, height - pad_top - pad_bottom
    step = plot_w / max(len(values) - 1, 1)

    def xy(i: int, v: float) -> str:
        return f"{left + i * step:.1f},{pad_top + (high - v) / span * plot_h:.1f}"

    body = [_text(left, 14, title, anchor="start", size=12)]
    for v in (high, low_v):
        yy = pad_top + (high - v) / span * plot_h
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, yy + 4, format_value(v, unit, currency), anchor="end", size=10))
    body.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="2" '
                f'points="{" ".join(xy(i, v) for i, v in points)}"/>')
    body.append(_text(left, height - 6, days[0], anchor="start", size=10))
    body.append(_text(width - right, height - 6, days[-1], anchor="end", size=10))
    return _svg(width, height, body, title)


def bars(labels: Sequence[str], values: Sequence[float | None], unit: Unit, currency: str, title: str, *,
         width: int = 640) -> str:
    """Horizontal bars, one per label, largest first as given."""
    pairs = [(label, v) for label, v in zip(labels, values, strict=True) if v is not None]
    if not pairs:
        return ""
    row, left, right, top = 22, 110, 90, 22
    height = top + row * len(pairs) + 6
    most = max(abs(v) for _, v in pairs) or 1.0
    body = [_text(0, 14, title, anchor="start", size=12)]
    for i, (label, v) in enumerate(pairs):
        yy = top + i * row
        w = abs(v) / most * (width - left - right)
        body.append(_text(left - 6, yy + 14, label[:14], anchor="end"))
        body.append(f'<rect x="{left}" y="{yy + 3}" width="{max(w, 1):.1f}" height="{row - 8}" '
                    f'fill="{TOTAL if v >= 0 else DOWN}"/>')
        body.append(_text(left + w + 6, yy + 14, format_value(v, unit, currency), anchor="start", size=10))
    return _svg(width, height, body, title)
