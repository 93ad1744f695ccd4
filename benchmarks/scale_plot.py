"""The scale figures as one SVG (no plotting library needed): one panel per figure, passages on a
log x axis, the value on a log y axis, a line per mode and the target as a dashed line.

    .venv/bin/python benchmarks/scale_plot.py docs/scale.svg benchmarks/results/scale.json [more.json]

Several result files (points measured in separate runs) are drawn together.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

PANEL_W, PANEL_H, PAD_L, PAD_B, PAD_T, PAD_R = 310, 220, 58, 38, 30, 30
COLOURS = {"embedded": "#1f77b4", "server": "#d62728"}
TITLES = {
    "retrieve_p95_ms": "retrieval p95",
    "answer_p95_ms": "offline answer p95",
    "cli_ask_cold_start_s": "cold `assistant ask`",
    "first_open_ever_s": "first open ever",
    "peak_rss_mb": "peak RSS (query process)",
}


def _ticks(lo: float, hi: float) -> list[float]:
    """Decades from below `lo` to above `hi` (at least two, so one point still has an axis)."""
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return [10.0**e for e in range(first, max(last, first + 1) + 1)]


def _label(v: float) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:g}"


def _panel(
    x0: float, y0: float, figure: str, limit: float, unit: str, series: dict[str, list[Any]]
) -> list[str]:
    """One figure: axes, decade grid, the target line and a polyline per mode."""
    xs = [n for pts in series.values() for n, _ in pts]
    ys = [v for pts in series.values() for _, v in pts if v > 0] + [limit]
    xt, yt = _ticks(min(xs), max(xs)), _ticks(min(ys), max(ys))
    w, h = PANEL_W - PAD_L - PAD_R, PANEL_H - PAD_T - PAD_B

    def px(n: float) -> float:
        return x0 + PAD_L + w * (math.log10(n) - math.log10(xt[0])) / math.log10(xt[-1] / xt[0])

    def py(v: float) -> float:
        return (
            y0 + PAD_T + h * (1 - (math.log10(v) - math.log10(yt[0])) / math.log10(yt[-1] / yt[0]))
        )

    out = [
        f'<text x="{x0 + PANEL_W / 2}" y="{y0 + 18}" text-anchor="middle" font-weight="bold">'
        f"{TITLES.get(figure, figure)} ({unit})</text>",
        f'<rect x="{x0 + PAD_L}" y="{y0 + PAD_T}" width="{w}" height="{h}" fill="none" stroke="#888"/>',
    ]
    for t in xt:
        out.append(
            f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{y0 + PAD_T}" y2="{y0 + PAD_T + h}" stroke="#eee"/>'
        )
        out.append(
            f'<text x="{px(t):.1f}" y="{y0 + PANEL_H - 22}" text-anchor="middle">{_label(t)}</text>'
        )
    for t in yt:
        out.append(
            f'<line x1="{x0 + PAD_L}" x2="{x0 + PAD_L + w}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>'
        )
        out.append(
            f'<text x="{x0 + PAD_L - 4}" y="{py(t) + 4:.1f}" text-anchor="end">{_label(t)}</text>'
        )
    out.append(
        f'<line x1="{x0 + PAD_L}" x2="{x0 + PAD_L + w}" y1="{py(limit):.1f}" y2="{py(limit):.1f}" '
        f'stroke="#2ca02c" stroke-dasharray="5,4"/>'
        f'<text x="{x0 + PAD_L + 4}" y="{py(limit) - 4:.1f}" fill="#2ca02c">target {_label(limit)}</text>'
    )
    for mode, pts in series.items():
        pts = sorted((n, v) for n, v in pts if v > 0)
        line = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in pts)
        out.append(
            f'<polyline points="{line}" fill="none" stroke="{COLOURS.get(mode, "#000")}" stroke-width="2"/>'
        )
        out += [
            f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3" fill="{COLOURS.get(mode, "#000")}"/>'
            for n, v in pts
        ]
    out.append(
        f'<text x="{x0 + PAD_L + w / 2}" y="{y0 + PANEL_H - 6}" text-anchor="middle">passages</text>'
    )
    return out


def write_svg(
    points: dict[Any, dict[str, dict[str, Any]]],
    targets: dict[str, tuple[float, str]],
    path: Path,
) -> None:
    """Every target figure against passages, for each mode measured."""
    cols = 3
    rows = math.ceil(len(targets) / cols)
    width, height = cols * PANEL_W, rows * PANEL_H + 30
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for i, (figure, (limit, unit)) in enumerate(targets.items()):
        series: dict[str, list[Any]] = {}
        for n, modes in points.items():
            for mode, got in modes.items():
                series.setdefault(mode, []).append((int(n), float(got[figure])))
        body += _panel((i % cols) * PANEL_W, (i // cols) * PANEL_H, figure, limit, unit, series)
    legend_y = rows * PANEL_H + 18
    for j, (mode, colour) in enumerate(COLOURS.items()):
        x = 20 + j * 160
        body.append(
            f'<line x1="{x}" x2="{x + 24}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"/>'
        )
        body.append(f'<text x="{x + 30}" y="{legend_y}">{mode}</text>')
    body.append(
        f'<text x="{20 + 2 * 160}" y="{legend_y}" fill="#2ca02c">- - target (issue 13)</text>'
    )
    body.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(body) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_scale import TARGETS

    merged: dict[str, Any] = {}
    for name in sys.argv[2:]:
        for n, modes in json.loads(Path(name).read_text())["points"].items():
            merged.setdefault(n, {}).update(modes)
    write_svg(merged, TARGETS, Path(sys.argv[1]))
