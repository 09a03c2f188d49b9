"""Hand-made cases for the scoring rules of PROGRAM.md."""

from datetime import date

import pytest

from tracker.scoring import (
    SYMPTOMS,
    TRIAGE_CALF,
    TRIAGE_CLOT,
    TRIAGE_EMERGENCY,
    TRIAGE_FRONT_THIGH,
    TRIAGE_NERVE,
    TRIAGE_NERVE_RED_FLAG,
    TRIAGE_SCIATICA,
    TRIAGE_WEAKNESS,
    SessionRecord,
    adherence,
    adherence_by_week,
    change,
    counts_as_measure,
    in_follow_up_window,
    odi_answered,
    odi_band,
    odi_percent,
    odi_plain,
    triage_messages,
    vas_band,
    vas_plain,
    week_34_pick,
)
from tracker.services.assessments import assessment_kind


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


def test_triage_follows_the_seed_article_without_diagnosing():
    assert triage_messages(["back_of_thigh"], []) == [TRIAGE_SCIATICA]
    assert triage_messages(["buttock"], []) == [TRIAGE_SCIATICA]
    assert triage_messages(["foot"], []) == [TRIAGE_SCIATICA]
    assert triage_messages(["front_of_thigh"], []) == [TRIAGE_FRONT_THIGH]
    assert triage_messages(["low_back"], ["numbness"]) == [TRIAGE_NERVE]
    assert triage_messages(["calf"], ["weakness", "pins_and_needles"]) == [
        TRIAGE_WEAKNESS,
        TRIAGE_NERVE,
        TRIAGE_CALF,
    ]
    assert triage_messages(["low_back"], ["burning"]) == []


def test_triage_words_are_guidance_and_never_claim_who_was_told():
    assert "fits the path of the sciatic nerve" in TRIAGE_SCIATICA
    assert "buttock" in TRIAGE_SCIATICA and "foot" in TRIAGE_SCIATICA
    assert TRIAGE_FRONT_THIGH.endswith(
        "does not follow the sciatic nerve's path: mention it to your PT."
    )
    every = triage_messages(
        ["buttock", "back_of_thigh", "front_of_thigh", "calf", "foot", "low_back"],
        [key for key, _ in SYMPTOMS],
    )
    words = " ".join(every).lower()
    assert "pinched nerve" not in words
    assert "alerted" not in words and "has been told" not in words
    assert "is not sciatica" not in words and "fits sciatica" not in words


def test_a_ticked_calf_is_never_called_sciatic_without_the_clot_question():
    (calf,) = triage_messages(["calf"], [])
    assert calf == TRIAGE_CALF
    assert "swollen, red or warm" in calf and "today" in calf
    # With the follow-up answered yes, it is the clot message, never the nerve's path.
    swollen = triage_messages(["calf"], ["calf_swelling"])
    assert swollen == [TRIAGE_CLOT]
    assert all("sciatic" not in m for m in swollen)


def test_red_flags_get_their_own_words_most_urgent_first():
    assert triage_messages([], ["chest_pain", "saddle_numbness", "weakness"]) == [
        TRIAGE_EMERGENCY,
        TRIAGE_NERVE_RED_FLAG,
        TRIAGE_WEAKNESS,
    ]
    assert triage_messages([], ["bladder_bowel_change"]) == [TRIAGE_NERVE_RED_FLAG]
    assert triage_messages([], ["both_legs"]) == [TRIAGE_NERVE_RED_FLAG]


@pytest.mark.parametrize(
    ("percent", "words"),
    [
        (0, "little effect on daily life"),
        (20, "little effect on daily life"),
        (20.1, "some effect on daily life"),
        (40, "some effect on daily life"),
        (50, "a large effect on daily life"),
        (70, "a very large effect on daily life"),
        (90, "affects almost everything in daily life"),
        (None, None),
    ],
)
def test_odi_plain_words_for_clients(percent, words):
    assert odi_plain(percent) == words


def test_clients_never_read_the_clinical_odi_labels():
    for percent in range(0, 101):
        words = odi_plain(percent)
        assert "crippling" not in words and "bed-bound" not in words and "bed" not in words
    # PTs keep Fairbank's labels.
    assert odi_band(70) == "crippling" and odi_band(90) == "bed-bound"


@pytest.mark.parametrize(
    ("mm", "words"),
    [(0, "no pain"), (4, "no pain"), (5, "mild pain"), (45, "moderate pain"), (75, "strong pain")],
)
def test_vas_plain_words_for_clients(mm, words):
    assert vas_plain(mm) == words
    assert vas_plain(None) is None


FULL = [1] * 10
SEVEN = [1] * 7 + [None] * 3
WEEK = 7


@pytest.mark.parametrize(
    ("kinds", "ga_days", "answers", "follow_up_days", "expected"),
    [
        # The first check-in with >= 8 sections is the baseline; with fewer, it is not.
        (set(), 16 * WEEK, FULL, None, "baseline"),
        (set(), 16 * WEEK, SEVEN, None, "check_in"),
        (set(), 16 * WEEK, [1] * 7 + [None, 1, None], None, "baseline"),  # 8 answered
        ({"check_in"}, 18 * WEEK, FULL, None, "baseline"),
        # Week 34: within 33+0 to 35+6 only.
        ({"baseline"}, 33 * WEEK - 1, FULL, None, "check_in"),  # 32+6
        ({"baseline"}, 33 * WEEK, FULL, None, "follow_up"),  # 33+0
        ({"baseline"}, 35 * WEEK + 6, FULL, None, "follow_up"),  # 35+6
        ({"baseline"}, 36 * WEEK, FULL, None, "check_in"),  # 36+0
        ({"baseline"}, 38 * WEEK, FULL, None, "check_in"),
        ({"baseline"}, 34 * WEEK, SEVEN, None, "check_in"),  # too few sections
        # A nearer one takes the place of the current week-34 measure; a farther one does not.
        ({"baseline", "follow_up"}, 34 * WEEK, FULL, 33 * WEEK + 2, "follow_up"),
        ({"baseline", "follow_up"}, 35 * WEEK, FULL, 34 * WEEK + 1, "check_in"),
        ({"baseline", "follow_up"}, 34 * WEEK + 3, FULL, 34 * WEEK - 3, "check_in"),  # a tie
        # An old follow-up outside the window gives way to one inside it.
        ({"baseline", "follow_up"}, 35 * WEEK, FULL, 37 * WEEK, "follow_up"),
    ],
)
def test_assessment_kind(kinds, ga_days, answers, follow_up_days, expected):
    kind = assessment_kind(
        existing_kinds=kinds,
        ga_days=ga_days,
        answered=odi_answered(answers),
        follow_up_days=follow_up_days,
    )
    assert kind == expected


def test_week_34_is_the_measure_nearest_to_34_plus_0_within_the_window():
    assert in_follow_up_window(33 * WEEK) and in_follow_up_window(35 * WEEK + 6)
    assert not in_follow_up_window(33 * WEEK - 1) and not in_follow_up_window(36 * WEEK)
    taken = [(32 * WEEK, "a"), (33 * WEEK + 1, "b"), (34 * WEEK + 2, "c"), (35 * WEEK, "d")]
    assert week_34_pick(taken) == "c"
    assert week_34_pick([(34 * WEEK - 2, "early"), (34 * WEEK + 2, "late")]) == "early"
    assert week_34_pick([(31 * WEEK, "x"), (36 * WEEK, "y")]) is None
    assert counts_as_measure([1] * 8 + [None] * 2) and not counts_as_measure(SEVEN)


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
