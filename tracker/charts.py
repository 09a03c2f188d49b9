"""Server-rendered SVG charts (no JavaScript, no network): pure geometry, and the SVG markup
built here as one string (a few thousand template nodes otherwise), cached under a digest of
everything it is drawn from."""

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

# The SVG scales with the page, and its text with it: a 400-unit-wide chart is about as wide as
# a phone's column (some 366 px at 390 px), so the 13-unit text of app.css shows at about 12 px
# there; app.css sets smaller units where the chart is drawn wider. Room is kept for that text.
WIDTH, HEIGHT = 400, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 22, 46
# Week labels at most this often (fewer, so they never run into each other on a phone).
MAX_X_LABELS = 8


def _number(value: float) -> str:
    """A value in a label as people read it: "12.5" in English, "12,5" in Spanish, "40" for
    40.0 (never in a coordinate: those stay plain numbers)."""
    return number_format(f"{value:g}")


def _dot_label(series: str, week: float, value: float) -> str:
    return gettext("%(series)s: week %(week)s, %(value)s") % {
        "series": series,
        "week": _number(week),
        "value": _number(value),
    }


def _bar_label(week: float, value: float) -> str:
    return gettext("week %(week)s: %(value)s") % {"week": _number(week), "value": _number(value)}


@dataclass
class Series:
    name: str
    css: str  # a class name: the colours live in app.css (strict CSP, no inline style)
    points: list[tuple[float, float]]


@dataclass
class Chart:
    title: str
    x_label: str
    y_label: str
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    series: list[Series]
    marks: list[tuple[float, str]] = field(default_factory=list)  # vertical lines (x, label)
    threshold: tuple[float, str] | None = None  # a horizontal line (y, label)
    bars: bool = False
    width: int = WIDTH
    height: int = HEIGHT
    # (cache key, SVG) of the last drawing, so a page fetching all its charts at once
    # (`draw_all`) does not ask again; the key says which language and data it was for.
    _drawn: tuple[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def x(self, value: float) -> float:
        span = (self.x_max - self.x_min) or 1
        return round(LEFT + (value - self.x_min) / span * (self.width - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        span = (self.y_max - self.y_min) or 1
        return round(
            self.height - BOTTOM - (value - self.y_min) / span * (self.height - TOP - BOTTOM), 1
        )

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    def _mark(self, value: float, label: str) -> dict:
        x = self.x(value)
        left_half = x < self.width / 2
        return {
            "x": x,
            "label": label,
            "tx": x + 4 if left_half else x - 4,
            "anchor": "start" if left_half else "end",
        }

    def _x_ticks(self) -> list[dict]:
        span = self.x_max - self.x_min
        x_step = next((n for n in (1, 2, 4, 8, 16) if span / n < MAX_X_LABELS), 32)
        return [
            {"x": self.x(v), "label": int(v)}
            for v in range(int(self.x_min), int(self.x_max) + 1)
            if v % x_step == 0
        ]

    def _y_ticks(self) -> list[dict]:
        step = (self.y_max - self.y_min) / 4
        return [
            {"y": self.y(self.y_min + i * step), "label": round(self.y_min + i * step)}
            for i in range(5)
        ]

    def _bar_width(self) -> float:
        return max(4.0, (self.width - LEFT - RIGHT) / max(1, self.x_max - self.x_min + 1) * 0.6)

    def render(self) -> dict:
        """Coordinates: polylines, dots, bars, ticks, marks, as plain data (`draw` writes the
        same geometry as SVG)."""
        bar_width = self._bar_width()
        series = []
        for s in self.series:
            coords = [(self.x(px), self.y(py), px, py) for px, py in s.points]
            series.append(
                {
                    "name": s.name,
                    "css": s.css,
                    "polyline": " ".join(f"{cx},{cy}" for cx, cy, _, _ in coords),
                    "dots": [
                        {"x": cx, "y": cy, "label": _dot_label(s.name, px, py)}
                        for cx, cy, px, py in coords
                    ],
                    "bars": [
                        {
                            "x": round(cx - bar_width / 2, 1),
                            "y": cy,
                            "w": round(bar_width, 1),
                            "h": round(self.y(self.y_min) - cy, 1),
                            "label": _bar_label(px, py),
                        }
                        for cx, cy, px, py in coords
                    ],
                }
            )
        return {
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "width": self.width,
            "height": self.height,
            "left": LEFT,
            "right": self.width - RIGHT,
            "top": TOP,
            "bottom": self.height - BOTTOM,
            "x_ticks": self._x_ticks(),
            "y_ticks": self._y_ticks(),
            "series": series,
            "marks": [self._mark(v, label) for v, label in self.marks],
            "threshold": (
                {"y": self.y(self.threshold[0]), "label": self.threshold[1]}
                if self.threshold
                else None
            ),
            "bars": self.bars,
            "empty": self.empty,
        }

    # --- the SVG element, as charts.html shows it ------------------------------------------

    def cache_key(self) -> str:
        """A digest of everything the SVG is drawn from: the data and the words, plus (as for
        every cached part: `tracker.fragments.key`) the active language, the URL prefix and
        the code and catalogues that draw it."""
        from .fragments import key

        inputs = (
            str(self.title),
            str(self.x_label),
            str(self.y_label),
            self.x_min,
            self.x_max,
            self.y_min,
            self.y_max,
            [(str(s.name), str(s.css), [tuple(p) for p in s.points]) for s in self.series],
            [(v, str(label)) for v, label in self.marks],
            (self.threshold[0], str(self.threshold[1])) if self.threshold else None,
            self.bars,
            self.width,
            self.height,
        )
        return key("chart-svg", inputs)

    @property
    def svg(self) -> SafeString:
        """The `<svg>` element: from the cache when these exact inputs were drawn before (in
        any process), else drawn now and kept. A cache that fails only costs the drawing."""
        from .fragments import kept_under

        key = self.cache_key()
        if self._drawn is not None and self._drawn[0] == key:
            return mark_safe(self._drawn[1])  # noqa: S308  (built by `draw`)
        markup = kept_under(key, lambda: str(self.draw()))
        self._drawn = (key, markup)
        return mark_safe(markup)  # noqa: S308  (built by `draw`, every text escaped)

    def draw(self) -> SafeString:
        """The `<svg>` element, every text escaped. Coordinates are SVG numbers, written as
        Python writes them (a decimal point in every language); `int()` where the template
        this replaces used `|add` (which truncates)."""
        esc = conditional_escape
        left, right, top, bottom = LEFT, self.width - RIGHT, TOP, self.height - BOTTOM
        out = [
            f'<svg viewBox="0 0 {self.width} {self.height}" class="chart-svg" role="img" '
            f'aria-label="{esc(self.title)}">\n    '
        ]
        out += [
            f'<line class="grid" x1="{left}" x2="{right}" y1="{t["y"]}" y2="{t["y"]}"/>'
            f'<text class="tick" x="{left - 6}" y="{t["y"]}" text-anchor="end" '
            f'dominant-baseline="middle">{t["label"]}</text>'
            for t in self._y_ticks()
        ]
        out.append("\n    ")
        out += [
            f'<text class="tick" x="{t["x"]}" y="{bottom + 16}" text-anchor="middle">'
            f"{t['label']}</text>"
            for t in self._x_ticks()
        ]
        out.append(
            f'\n    <text class="axis-label" x="{right}" y="{self.height - 6}" '
            f'text-anchor="end">{esc(self.x_label)}</text>\n    '
        )
        for value, label in self.marks:
            m = self._mark(value, label)
            out.append(
                f'<line class="mark" x1="{m["x"]}" x2="{m["x"]}" y1="{top}" y2="{bottom}"/>'
                f'<text class="mark-label" x="{m["tx"]}" y="{top - 6}" '
                f'text-anchor="{m["anchor"]}">{esc(label)}</text>'
            )
        out.append("\n    ")
        if self.threshold:
            ty = self.y(self.threshold[0])
            out.append(
                f'<line class="threshold" x1="{left}" x2="{right}" y1="{ty}" y2="{ty}"/>'
                f'<text class="mark-label" x="{right}" y="{int(ty) - 4}" text-anchor="end">'
                f"{esc(self.threshold[1])}</text>"
            )
        out.append("\n    ")
        bar_width = self._bar_width()
        for s in self.series:
            css = esc(s.css)
            coords = [(self.x(px), self.y(py), px, py) for px, py in s.points]
            out.append("\n      ")
            if self.bars:
                out.append("\n        ")
                base = self.y(self.y_min)
                out += [
                    f'<rect class="bar {css}" x="{round(cx - bar_width / 2, 1)}" y="{cy}" '
                    f'width="{round(bar_width, 1)}" height="{round(base - cy, 1)}">'
                    f"<title>{esc(_bar_label(px, py))}</title></rect>"
                    for cx, cy, px, py in coords
                ]
            else:
                points = " ".join(f"{cx},{cy}" for cx, cy, _, _ in coords)
                out.append(f'\n        <polyline class="line {css}" points="{points}"/>\n        ')
                out += [
                    f'<circle class="dot {css}" cx="{cx}" cy="{cy}" r="4">'
                    f"<title>{esc(_dot_label(s.name, px, py))}</title></circle>"
                    for cx, cy, px, py in coords
                ]
            out.append("\n      \n    ")
        out.append("\n  </svg>")
        return mark_safe("".join(out))  # noqa: S308  (every text above is escaped)


def draw_all(charts: list[Chart]) -> list[Chart]:
    """Fetch the SVGs of a page's charts in one cache round trip (`svg` then finds them);
    those missing are drawn and kept together. Returns `charts`."""
    from .fragments import kept_all

    wanted = {c.cache_key(): c for c in charts if not c.empty}
    if wanted:
        found = kept_all({k: (lambda c=c: str(c.draw())) for k, c in wanted.items()})
        for k, chart in wanted.items():
            chart._drawn = (k, found[k])
    return charts
