"""Server-rendered SVG charts: no script, no chart library, nothing the CSP has to allow.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; the
page shows the same figures in a table next to it, which is what screen readers use.
Colours are presentation attributes (the CSP forbids inline style attributes).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 70
ROW = 28
BAR = 18
# Bootstrap's blue, then a palette that stays apart for colour-blind readers (Okabe-Ito).
COLOURS = ("#0d6efd", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")


def _n(number: float) -> str:
    """Coordinates with one decimal (format_html escapes its arguments into strings first)."""
    return f"{number:.1f}"


def _frame(chart_id: str, title: str, desc: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        # Drawn at its natural size; img-fluid shrinks it on a narrow screen.
        '<svg class="dashboard-chart img-fluid" role="img" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" aria-labelledby="{id}-title {id}-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        w=WIDTH,
        h=height,
        id=chart_id,
        title=title,
        desc=desc,
        body=body,
    )


def bar_chart(
    *, chart_id: str, title: str, desc: str, bars: Sequence[tuple[str, float, str]]
) -> SafeString:
    """Horizontal bars: (label, value, value as shown)."""
    top = max((value for _label, value, _shown in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for index, (label, value, shown) in enumerate(bars):
        y = index * ROW + 4
        rows.append(
            format_html(
                '<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#212529">{label}</text>'
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colour}"></rect>'
                '<text x="{vx}" y="{ty}" font-size="13" fill="#212529">{shown}</text>',
                lx=LABEL_WIDTH - 8,
                ty=y + BAR - 4,
                label=label,
                x=LABEL_WIDTH,
                y=y,
                w=_n(span * value / top),
                h=BAR,
                colour=COLOURS[0],
                vx=_n(LABEL_WIDTH + span * value / top + 6),
                shown=shown,
            )
        )
    return _frame(chart_id, title, desc, max(len(bars), 1) * ROW + 8, mark_safe("".join(rows)))  # noqa: S308  # nosec B308, B703  # each row built by format_html, which escapes


def stacked_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    series: Sequence[str],
    rows: Sequence[tuple[str, Sequence[int]]],
) -> SafeString:
    """One horizontal bar per row, split into the series' shares (counts), with a legend."""
    top = max((sum(values) for _label, values in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = []
    for index, (label, values) in enumerate(rows):
        y = index * ROW + 4
        parts.append(
            format_html(
                '<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#212529">{label}</text>',
                lx=LABEL_WIDTH - 8,
                ty=y + BAR - 4,
                label=label,
            )
        )
        x = float(LABEL_WIDTH)
        for colour, value in zip(COLOURS, values, strict=False):
            width = span * value / top
            if width > 0:
                parts.append(
                    format_html(
                        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"></rect>',
                        x=_n(x),
                        y=y,
                        w=_n(width),
                        h=BAR,
                        c=colour,
                    )
                )
            x += width
        parts.append(
            format_html(
                '<text x="{x}" y="{ty}" font-size="13" fill="#212529">{total}</text>',
                x=_n(x + 6),
                ty=y + BAR - 4,
                total=sum(values),
            )
        )
    legend_y = len(rows) * ROW + 10
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="12" fill="#212529">{}</text>',
        (
            (
                LABEL_WIDTH + i * 140,
                legend_y,
                colour,
                LABEL_WIDTH + i * 140 + 16,
                legend_y + 11,
                name,
            )
            for i, (colour, name) in enumerate(zip(COLOURS, series, strict=False))
        ),
    )
    body = mark_safe("".join(parts) + legend)  # noqa: S308  # nosec B308, B703  # parts and legend built by format_html, which escapes
    return _frame(chart_id, title, desc, legend_y + 22, body)
