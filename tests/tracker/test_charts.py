"""Chart text a phone can read: the SVG scales with the page, so its text does too."""

import re
from pathlib import Path

from django.conf import settings

from tracker.charts import WIDTH, Chart, Series

PHONE_COLUMN_PX = 390 - 2 * 12  # a 390 px phone less Bootstrap's container padding


def chart(x_min, x_max) -> dict:
    points = [(x_min, 10), (x_max, 20)]
    return Chart(
        "Pain", "week of pregnancy", "mm", x_min, x_max, 0, 100, [Series("a", "s", points)]
    )


def phone_font_units() -> float:
    """The chart text's size in the SVG's units before any wider-screen rule (app.css)."""
    css = (Path(settings.BASE_DIR) / "static/css/app.css").read_text()
    return float(re.search(r"\.chart-svg \.tick[^{]*\{ font-size: ([0-9.]+)px", css).group(1))


def test_chart_text_is_at_least_11_px_on_a_390_px_phone():
    assert phone_font_units() * PHONE_COLUMN_PX / WIDTH >= 11


def test_week_labels_are_few_enough_not_to_run_into_each_other():
    font = phone_font_units()
    for x_min, x_max in ((16, 34), (16, 42), (12, 40), (20, 24)):
        ticks = chart(x_min, x_max).render()["x_ticks"]
        assert 2 <= len(ticks) <= 8
        gaps = [b["x"] - a["x"] for a, b in zip(ticks, ticks[1:], strict=False)]
        assert min(gaps) >= 2.5 * font  # two digits are about 1.2 font sizes wide
    assert [t["label"] for t in chart(16, 40).render()["x_ticks"]] == [16, 20, 24, 28, 32, 36, 40]


def test_the_svg_is_kept_under_a_digest_of_its_inputs_words_and_language():
    from django.utils import translation

    key = chart(16, 34).cache_key()
    assert chart(16, 34).cache_key() == key  # the same inputs, the same key, in any process
    more = chart(16, 34)
    more.series[0].points.append((30, 50))
    retitled = chart(16, 34)
    retitled.title = "Pain (mm)"
    marked = chart(16, 34)
    marked.marks = [(16, "baseline")]
    with translation.override("es"):
        spanish = chart(16, 34).cache_key()
    assert len({key, more.cache_key(), retitled.cache_key(), marked.cache_key(), spanish}) == 5


def test_a_second_drawing_of_the_same_inputs_is_a_cache_hit(monkeypatch):
    import uuid

    drawn = []
    draw = Chart.draw
    monkeypatch.setattr(Chart, "draw", lambda self: drawn.append(self.title) or draw(self))
    title = f"Pain {uuid.uuid4()}"  # never drawn before
    first, second = chart(16, 34), chart(16, 34)
    first.title = second.title = title

    assert first.svg == second.svg
    assert drawn == [title]


def test_the_svg_escapes_its_words_and_keeps_a_decimal_point_in_coordinates():
    from django.utils import translation

    with translation.override("es"):
        svg = Chart(
            'Dolor <b>"x"</b>', "semana", "mm", 16, 34, 0, 100, [Series("a&b", "s", [(20, 12.5)])]
        ).draw()

    assert "<b>" not in svg and 'aria-label="Dolor &lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in svg
    assert "<title>a&amp;b: semana 20, 12,5</title>" in svg  # words in Spanish
    assert re.search(r'<circle class="dot s" cx="\d+\.\d" cy="\d+\.\d" r="4">', svg)
