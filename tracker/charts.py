"""Server-rendered SVG charts (no JavaScript, no network): pure geometry for the templates."""

from dataclasses import dataclass, field

from django.utils.formats import number_format
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

    def render(self) -> dict:
        """Coordinates for the template: polylines, dots, bars, ticks, marks."""
        span = self.x_max - self.x_min
        x_step = next((n for n in (1, 2, 4, 8, 16) if span / n < MAX_X_LABELS), 32)
        x_ticks = [
            {"x": self.x(v), "label": int(v)}
            for v in range(int(self.x_min), int(self.x_max) + 1)
            if v % x_step == 0
        ]
        step = (self.y_max - self.y_min) / 4
        y_ticks = [
            {"y": self.y(self.y_min + i * step), "label": round(self.y_min + i * step)}
            for i in range(5)
        ]
        bar_width = max(
            4.0, (self.width - LEFT - RIGHT) / max(1, self.x_max - self.x_min + 1) * 0.6
        )
        series = []
        for s in self.series:
            coords = [(self.x(px), self.y(py), px, py) for px, py in s.points]
            series.append(
                {
                    "name": s.name,
                    "css": s.css,
                    "polyline": " ".join(f"{cx},{cy}" for cx, cy, _, _ in coords),
                    "dots": [
                        {
                            "x": cx,
                            "y": cy,
                            "label": gettext("%(series)s: week %(week)s, %(value)s")
                            % {"series": s.name, "week": _number(px), "value": _number(py)},
                        }
                        for cx, cy, px, py in coords
                    ],
                    "bars": [
                        {
                            "x": round(cx - bar_width / 2, 1),
                            "y": cy,
                            "w": round(bar_width, 1),
                            "h": round(self.y(self.y_min) - cy, 1),
                            "label": gettext("week %(week)s: %(value)s")
                            % {"week": _number(px), "value": _number(py)},
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
            "x_ticks": x_ticks,
            "y_ticks": y_ticks,
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
