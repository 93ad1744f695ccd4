"""Inline SVG plots for the HTML report: no JavaScript, no external asset, so the page can be
attached to a CI run or mailed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2")


def bar_chart(groups: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> str:
    """Grouped vertical bars (one group per tag, one bar per metric), values in [0, 1]."""
    names = list(series)
    bar_w, gap, height, top, left, bottom = 12, 18, 160, 10, 36, 90
    group_w = bar_w * len(names) + gap
    width = left + group_w * len(groups) + 10 + 150
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + bottom}" role="img">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top + height * (1 - tick)
        out.append(f'<line x1="{left}" x2="{width - 150}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        out.append(
            f'<text x="{left - 4}" y="{y + 4}" text-anchor="end" font-size="10">{tick:.0%}</text>'
        )
    for g, group in enumerate(groups):
        x0 = left + g * group_w + gap / 2
        for i, name in enumerate(names):
            value = series[name][g]
            if value is None:
                continue
            h = height * value
            out.append(
                f'<rect x="{x0 + i * bar_w}" y="{top + height - h:.1f}" width="{bar_w - 1}" '
                f'height="{h:.1f}" fill="{COLORS[i % len(COLORS)]}"><title>{escape(group)} '
                f"{escape(name)}: {value:.1%}</title></rect>"
            )
        cx = x0 + bar_w * len(names) / 2
        out.append(
            f'<text transform="translate({cx},{top + height + 8}) rotate(40)" font-size="11">'
            f"{escape(group[:24])}</text>"
        )
    for i, name in enumerate(names):
        y = top + 12 + i * 16
        lx = width - 140
        out.append(
            f'<rect x="{lx}" y="{y - 9}" width="10" height="10" fill="{COLORS[i % len(COLORS)]}"/>'
        )
        out.append(f'<text x="{lx + 14}" y="{y}" font-size="11">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def histogram(values: Sequence[float], marks: Mapping[str, float | None], bins: int = 20) -> str:
    """Latency distribution: counts per time bin, with p50/p95 marked as vertical lines."""
    width, height, left, top, bottom = 520, 150, 36, 10, 30
    if not values:
        return "<p>no latencies</p>"
    hi = max(values) or 1.0
    step = hi / bins
    counts = [0] * bins
    for v in values:
        counts[min(int(v / step), bins - 1)] += 1
    peak = max(counts)
    bw = (width - left - 10) / bins
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + bottom}" role="img">'
    ]
    for i, n in enumerate(counts):
        h = height * n / peak
        out.append(
            f'<rect x="{left + i * bw:.1f}" y="{top + height - h:.1f}" width="{bw - 1:.1f}" height="{h:.1f}" '
            f'fill="#4c78a8"><title>{i * step:.3f}–{(i + 1) * step:.3f} s: {n}</title></rect>'
        )
    out.append(
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end" font-size="10">{peak}</text>'
    )
    out.append(f'<text x="{left}" y="{top + height + 14}" font-size="10">0 s</text>')
    out.append(
        f'<text x="{width - 10}" y="{top + height + 14}" text-anchor="end" font-size="10">{hi:.3f} s</text>'
    )
    for label, mark in marks.items():
        if mark is None:
            continue
        x = left + (width - left - 10) * mark / hi
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + height}" stroke="#e45756"/>'
        )
        out.append(
            f'<text x="{x + 3:.1f}" y="{top + 22}" font-size="10" fill="#e45756">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
