"""Hand-made cases for the scoring rules of PROGRAM.md."""

from datetime import date

import pytest

from tracker.scoring import (
    TRIAGE_FRONT_THIGH,
    TRIAGE_NERVE,
    TRIAGE_SCIATICA,
    TRIAGE_WEAKNESS,
    SessionRecord,
    adherence,
    adherence_by_week,
    change,
    odi_band,
    odi_percent,
    triage_messages,
    vas_band,
)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([0] * 10, 0.0),
        ([5] * 10, 100.0),
        ([1, 2, 3, 0, 1, 2, 3, 1, 0, 2], 30.0),  # 15 / 50
        ([2, 2, 2, 2, 2, 2, 2, None, 2, 2], 40.0),  # sex life skipped: 18 / 45
        ([1, 1, 1, 1, 1, 1, 1, None, 1, 1], 20.0),  # 9 / 45: the minimal/moderate boundary
        ([1, 1, 1, 1, 1, 1, 1, None, 1, 0], 17.8),  # 8 / 45
        ([3, 1, 1, 1, 1, 1, 1, None, None, 2], 27.5),  # two skipped: 11 / 40
        ([1, 2, 0, 0, 0, 0, 0, 0, 0, 0], 6.0),  # 3 / 50
        ([1, 1, 1, 0, 0, 0, 0, 0, 0, 1], 8.0),
        ([2, 3, 1, 1, 1, 1, 1, 1, 1, 1], 26.0),
        ([1, 1, 1, 1, 1, 1, 1, 0, 0, 0], 14.0),
        ([4, 4, 4, 4, 4, 4, 4, 4, 4, 3], 78.0),
        ([1, 0, 0, 0, 0, 0, 0, None, None, None], None),  # only 7 answered
        ([None] * 10, None),
    ],
)
def test_odi_percent(answers, expected):
    assert odi_percent(answers) == expected


def test_odi_percent_rounds_to_one_decimal():
    # 13 / 45 = 28.888...
    assert odi_percent([2, 2, 2, 1, 1, 1, 1, None, 1, 2]) == 28.9


@pytest.mark.parametrize(
    "bad", [[6] + [0] * 9, [-1] + [0] * 9, ["2"] + [0] * 9, [True] + [0] * 9, [0] * 9]
)
def test_odi_percent_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        odi_percent(bad)


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        (0, "minimal"),
        (20, "minimal"),
        (20.1, "moderate"),
        (40, "moderate"),
        (40.1, "severe"),
        (60, "severe"),
        (60.1, "crippling"),
        (80, "crippling"),
        (80.1, "bed-bound"),
        (100, "bed-bound"),
        (None, None),
    ],
)
def test_odi_band_boundaries(percent, band):
    assert odi_band(percent) == band


@pytest.mark.parametrize(
    ("mm", "band"),
    [
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (44, "mild"),
        (45, "moderate"),
        (74, "moderate"),
        (75, "severe"),
        (100, "severe"),
    ],
)
def test_vas_band_boundaries(mm, band):
    assert vas_band(mm) == band


def test_vas_out_of_range_is_refused():
    with pytest.raises(ValueError):
        vas_band(101)


def test_triage_follows_the_seed_article():
    assert triage_messages(["back_of_thigh"], []) == [TRIAGE_SCIATICA]
    assert triage_messages(["front_of_thigh"], []) == [TRIAGE_FRONT_THIGH]
    assert triage_messages(["low_back"], ["numbness"]) == [TRIAGE_NERVE]
    assert triage_messages(["calf"], ["weakness", "pins_and_needles"]) == [
        TRIAGE_WEAKNESS,
        TRIAGE_NERVE,
        TRIAGE_SCIATICA,
    ]
    assert triage_messages(["low_back"], ["burning"]) == []


TODAY = date(2027, 1, 20)


def rec(day, status=None, minutes=0, week=20, cancelled=False, planned=60):
    return SessionRecord(date(2027, 1, day), week, cancelled, status, minutes, planned)


def test_adherence_counts_partial_sessions_of_at_least_half_the_minutes():
    records = [
        rec(4, "completed", 60),
        rec(6, "partial", 30),  # half: counts
        rec(8, "partial", 29),  # under half: does not
        rec(11, "skipped"),
        rec(13),  # missed
        rec(15, cancelled=True),  # cancelled: not scheduled
        rec(20),  # today, not logged yet: not held against her
        rec(22),  # future
    ]
    result = adherence(records, TODAY, threshold=80)
    assert (result.attended, result.scheduled, result.percent, result.adherent) == (
        2,
        5,
        40.0,
        False,
    )


def test_adherence_counts_todays_session_once_logged_and_handles_nothing_due():
    assert adherence([rec(20, "completed", 60)], TODAY).percent == 100.0
    empty = adherence([rec(22)], TODAY)
    assert (empty.scheduled, empty.percent, empty.adherent) == (0, None, None)


def test_adherence_threshold_is_inclusive():
    records = [rec(d, "completed", 60) for d in (1, 2, 3, 4)] + [rec(5)]
    assert adherence(records, TODAY, threshold=80).adherent is True


def test_adherence_by_week():
    records = [rec(4, "completed", 60, week=19), rec(6, week=19), rec(11, "completed", 60, week=20)]
    weeks = adherence_by_week(records, TODAY)
    assert [(w, a.percent) for w, a in weeks] == [(19, 50.0), (20, 100.0)]


def test_change_from_baseline():
    assert change(20, 35) == 15
    assert change(30.0, 22.5) == -7.5
    assert change(None, 10) is None
