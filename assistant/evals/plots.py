"""Inline SVG plots for the HTML report: no external asset, so the page can be attached to a CI run
or mailed. Each plot scales to the page's width (a viewBox, no fixed size), is labelled for screen
readers, and writes its numbers as text beside the bars, so colour is never the only cue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

CURRENT, BASELINE, MARK, TRACK, INK = "#1f5f99", "#6e7781", "#1b1b1b", "#e8ebef", "#1b1b1b"
"""Bar colours: this run in blue, the baseline in grey (both >= 4.5:1 on white), threshold marks
in near-black."""
WIDTH, PLOT_W, LEFT = 400, 290, 4
FONT = 'font-family="system-ui,sans-serif"'


@dataclass(frozen=True)
class BarRow:
    """One labelled pair of bars: a share now, the baseline's, and the threshold (all in [0, 1])."""

    label: str
    current: float | None
    baseline: float | None = None
    bar: float | None = None
    bar_text: str = ""


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _svg_open(height: float, title: str) -> str:
    return (
        f'<svg class="plot" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>'
    )


def _legend(baseline: bool, with_bar: bool) -> str:
    items = [(CURRENT, "this run")] + ([(BASELINE, "baseline")] if baseline else [])
    out, x = [], LEFT
    for color, text in items:
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{x + 16}" y="14" font-size="12" fill="{INK}">{escape(text)}</text>')
        x += 24 + 7 * len(text)
    if with_bar:
        out.append(f'<rect x="{x + 4}" y="2" width="3" height="16" fill="{MARK}"/>')
        out.append(f'<text x="{x + 12}" y="14" font-size="12" fill="{INK}">threshold</text>')
    return "".join(out)


def _bar(y: float, value: float | None, color: str, who: str, row: BarRow) -> str:
    h = 11
    track = f'<rect x="{LEFT}" y="{y}" width="{PLOT_W}" height="{h}" fill="{TRACK}"/>'
    if value is None:
        text = f'<text x="{LEFT + 4}" y="{y + 9.5}" font-size="11" fill="{INK}">{who}: not measured</text>'
        return track + text
    w = PLOT_W * max(0.0, min(1.0, value))
    return (
        f'{track}<rect x="{LEFT}" y="{y}" width="{w:.1f}" height="{h}" fill="{color}">'
        f"<title>{escape(row.label)}, {who}: {value:.1%}</title></rect>"
        f'<text x="{LEFT + PLOT_W + 6}" y="{y + 9.5}" font-size="12" fill="{INK}">{value:.1%}</text>'
    )


def paired_bars(rows: Sequence[BarRow], *, title: str, baseline: bool = False) -> str:
    """Horizontal bars, one labelled row per metric (or tag, or suite): this run's share, below it
    the baseline's (when `baseline`) and the threshold as a vertical mark."""
    pair = 2 if baseline else 1
    row_h = 16 + 13 * pair + 10
    top = 24
    out = [_svg_open(top + row_h * len(rows), title)]
    out.append(_legend(baseline, any(r.bar is not None for r in rows)))
    for i, row in enumerate(rows):
        y = top + i * row_h
        name = _short(row.label, 40) + (f"  (threshold {row.bar_text})" if row.bar_text else "")
        out.append(
            f'<text x="{LEFT}" y="{y + 12}" font-size="13" fill="{INK}">{escape(name)}</text>'
        )
        out.append(_bar(y + 16, row.current, CURRENT, "this run", row))
        if baseline:
            out.append(_bar(y + 29, row.baseline, BASELINE, "baseline", row))
        if row.bar is not None:
            x = LEFT + PLOT_W * max(0.0, min(1.0, row.bar))
            out.append(
                f'<rect x="{x - 1:.1f}" y="{y + 14}" width="3" height="{13 * pair + 3}" '
                f'fill="{MARK}"><title>threshold {escape(row.bar_text)}</title></rect>'
            )
    out.append("</svg>")
    return "".join(out)


def histogram(values: Sequence[float], marks: Mapping[str, float | None], bins: int = 20) -> str:
    """Latency distribution: counts per time bin, with p50/p95 marked as vertical lines."""
    height, left, top, bottom = 150, 36, 10, 30
    if not values:
        return "<p>No latencies.</p>"
    hi = max(values) or 1.0
    step = hi / bins
    counts = [0] * bins
    for v in values:
        counts[min(int(v / step), bins - 1)] += 1
    peak = max(counts)
    bw = (WIDTH - left - 10) / bins
    title = f"Latency of {len(values)} questions, 0 to {hi:.3f} s, in {bins} bins"
    out = [_svg_open(top + height + bottom, title)]
    for i, n in enumerate(counts):
        h = height * n / peak
        out.append(
            f'<rect x="{left + i * bw:.1f}" y="{top + height - h:.1f}" width="{bw - 1:.1f}" '
            f'height="{h:.1f}" fill="{CURRENT}"><title>{i * step:.3f}–{(i + 1) * step:.3f} s: '
            f"{n}</title></rect>"
        )
    out.append(
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end" font-size="11">{peak}</text>'
    )
    out.append(f'<text x="{left}" y="{top + height + 16}" font-size="11">0 s</text>')
    out.append(
        f'<text x="{WIDTH - 10}" y="{top + height + 16}" text-anchor="end" font-size="11">'
        f"{hi:.3f} s</text>"
    )
    for name, mark in marks.items():
        if mark is None:
            continue
        x = left + (WIDTH - left - 10) * mark / hi
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + height}" stroke="#b3261e"/>'
        )
        out.append(
            f'<text x="{x + 3:.1f}" y="{top + 22}" font-size="11" fill="#b3261e">'
            f"{escape(name)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
