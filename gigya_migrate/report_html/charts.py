"""The report's charts: SVG drawn in Python by pygal, inlined into the page.

Why pygal: it renders complete SVG on the server side with no JavaScript and no network, so a
report stays one file that opens offline and survives being emailed (mail clients strip scripts).
pygal's own optional tooltip script would be fetched from a CDN: it is switched off (``js=[]``) and
the small inline config script pygal still writes is removed, leaving a static picture.

Every function returns an SVG string, or ``""`` when there is nothing to draw.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["cumulative_chart", "rehash_history_chart", "steps_chart", "throughput_chart", "validation_chart"]

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


def _style() -> Any:
    from pygal.style import Style

    return Style(background="white", plot_background="white", foreground="#333", foreground_strong="#111",
                 foreground_subtle="#888", opacity=".8", opacity_hover=".95",
                 colors=("#2b6cb0", "#c53030", "#2f855a", "#b7791f", "#6b46c1", "#00838f", "#d53f8c", "#4a5568"),
                 font_family="system-ui, -apple-system, 'Segoe UI', sans-serif", title_font_size=16,
                 label_font_size=11, major_label_font_size=11, legend_font_size=12)


def _chart(kind: str, title: str, **options: Any) -> Any:
    import pygal

    settings = dict(js=[], disable_xml_declaration=True, style=_style(), width=860, height=320,
                    explicit_size=False, show_legend=True, legend_at_bottom=True, print_values=False,
                    dots_size=2, truncate_legend=40, title=title)
    settings.update(options)
    return getattr(pygal, kind)(**settings)


def _count_labels(highest: int) -> list[int]:
    """Whole-number axis labels (about ten) for counts up to ``highest``."""
    step = max(1, -(-int(highest) // 10))
    return list(range(0, int(highest) + step, step))


def _svg(chart: Any) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def throughput_chart(progress: Sequence[Mapping[str, Any]]) -> str:
    """Records finished per second between successive samples of ``progress`` (the runner's series)."""
    points = [(float(p["seconds"]), int(p.get("ok", 0)) + int(p.get("failed", 0))) for p in progress]
    rates = []
    for (t0, n0), (t1, n1) in zip(points, points[1:]):
        if t1 > t0:
            rates.append((round(t1, 2), round((n1 - n0) / (t1 - t0), 1)))
    if not rates:
        return ""
    chart = _chart("XY", "Throughput over time (records per second)", show_legend=False,
                   x_title="seconds since start", y_title="records / s", range=(0, max(r for _, r in rates) * 1.1 or 1))
    chart.add("records/s", rates)
    return _svg(chart)


def cumulative_chart(progress: Sequence[Mapping[str, Any]]) -> str:
    """Records ok and failed so far, over the run's seconds."""
    if len(progress) < 2:
        return ""
    highest = max(int(p.get("ok", 0)) + int(p.get("failed", 0)) for p in progress)
    chart = _chart("XY", "Records finished so far", x_title="seconds since start", y_title="records",
                   y_labels=_count_labels(highest))
    chart.add("ok", [(float(p["seconds"]), int(p.get("ok", 0))) for p in progress])
    chart.add("failed", [(float(p["seconds"]), int(p.get("failed", 0))) for p in progress])
    return _svg(chart)


def steps_chart(steps: Sequence[Mapping[str, Any]]) -> str:
    """Seconds spent per step (summed over worker threads)."""
    if not steps:
        return ""
    chart = _chart("HorizontalBar", "Time per step (seconds, summed over workers)", show_legend=False,
                   height=max(160, 50 + 34 * len(steps)))
    chart.x_labels = [str(s["step"]) for s in steps]
    chart.add("seconds", [float(s.get("durationSeconds", 0)) for s in steps])
    return _svg(chart)


def validation_chart(algorithms: Mapping[str, Mapping[str, int]]) -> str:
    """Sample users passed and failed, per hash algorithm (validate-hashes)."""
    if not algorithms:
        return ""
    names = list(algorithms)
    chart = _chart("StackedBar", "Sample users per algorithm: passed / failed",
                   height=max(260, 40 + 26 * len(names)), x_label_rotation=20 if len(names) > 6 else 0,
                   y_labels=_count_labels(max(int(a.get("rows", 0)) for a in algorithms.values())))
    chart.x_labels = names
    chart.add("passed", [int(algorithms[n].get("passed", 0)) for n in names])
    chart.add("failed", [int(algorithms[n].get("rows", 0)) - int(algorithms[n].get("passed", 0)) for n in names])
    return _svg(chart)


def rehash_history_chart(series: Mapping[str, Iterable[tuple[datetime, float]]]) -> str:
    """Share re-hashed (0-100 %) per algorithm over days (``status`` history)."""
    drawn = {name: list(points) for name, points in series.items() if points}
    if max((len(points) for points in drawn.values()), default=0) < 2:
        return ""  # one run gives one dot per algorithm, not a line: the page says "one run so far"
    chart = _chart("DateTimeLine", "Share of imported users re-hashed, per legacy algorithm (%)",
                   range=(0, 100), y_title="% re-hashed", x_label_rotation=25,
                   x_value_formatter=lambda when: when.strftime("%Y-%m-%d"))
    for name, points in drawn.items():
        chart.add(name, [(when, round(share * 100, 1)) for when, share in points])
    return _svg(chart)
