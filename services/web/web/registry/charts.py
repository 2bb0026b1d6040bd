"""Bar charts drawn on the server as SVG: readable without scripts, with a title and description for
screen readers (the page shows the same numbers in a table beside each chart)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from web.labels import is_maori_text

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 230
CHART_WIDTH = 560
# Longer labels are cut in the drawing; the description and the table beside it hold them whole.
LABEL_CHARACTERS = 30


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def bar_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    """A horizontal bar chart, one bar per value, largest scaled to the chart's width."""
    top = max((b.value for b in bars), default=0) or 1
    height = max(len(bars), 1) * (BAR_HEIGHT + GAP) + GAP
    room = CHART_WIDTH - LABEL_WIDTH - 50
    rows = []
    for i, bar in enumerate(bars):
        y = GAP + i * (BAR_HEIGHT + GAP)
        width = max(round(room * bar.value / top), 1 if bar.value else 0)
        shown = bar.label if len(bar.label) <= LABEL_CHARACTERS else bar.label[:LABEL_CHARACTERS - 1] + "…"
        lang = ' lang="mi"' if is_maori_text(bar.label) else ""
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" class="chart-label"{lang}>{escape(shown)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 16}" class="chart-value">{bar.value}</text>')
    summary = ", ".join(f"{b.label}: {b.value}" for b in bars) or "no data"
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(summary)}</desc>{"".join(rows)}</svg>')
