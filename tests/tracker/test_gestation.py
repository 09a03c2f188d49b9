from datetime import date, timedelta

import pytest

from tracker.gestation import (
    ERR_DUE_DATE_PAST,
    ERR_DUE_DATE_TOO_FAR,
    GestationalAge,
    date_at,
    due_date_from_lmp,
    due_date_problem,
    gestational_age,
    program_window,
)

EDD = date(2027, 6, 1)


def test_lmp_plus_280_days_is_the_due_date():
    assert due_date_from_lmp(date(2026, 8, 25)) == date(2027, 6, 1)


@pytest.mark.parametrize(
    ("on", "shown"),
    [
        (EDD, "40+0"),
        (EDD - timedelta(days=280), "0+0"),
        (EDD - timedelta(days=280 - 7 * 17), "17+0"),
        (EDD - timedelta(days=280 - 7 * 17 - 3), "17+3"),
        (EDD - timedelta(days=280 - 7 * 17 + 1), "16+6"),
        (EDD + timedelta(days=14), "42+0"),
    ],
)
def test_gestational_age_is_shown_as_weeks_plus_days(on, shown):
    assert str(gestational_age(EDD, on)) == shown


def test_date_at_is_the_inverse_of_gestational_age():
    for weeks in range(0, 43):
        for days in range(7):
            assert gestational_age(EDD, date_at(EDD, weeks, days)) == GestationalAge(
                7 * weeks + days
            )


def test_trimesters():
    assert GestationalAge(13 * 7 + 6).trimester == 1
    assert GestationalAge(14 * 7).trimester == 2
    assert GestationalAge(27 * 7 + 6).trimester == 2
    assert GestationalAge(28 * 7).trimester == 3


def test_due_date_plausibility():
    today = date(2026, 11, 26)
    assert due_date_problem(today - timedelta(days=1), today) == ERR_DUE_DATE_PAST
    assert due_date_problem(today + timedelta(days=42 * 7 + 1), today) == ERR_DUE_DATE_TOO_FAR
    assert due_date_problem(today + timedelta(days=281), today) == ERR_DUE_DATE_TOO_FAR  # -0+1
    assert due_date_problem(today, today) is None  # 40+0 today
    assert due_date_problem(today + timedelta(days=280), today) is None  # 0+0 today


def test_program_window_starts_at_17_weeks_or_today_and_ends_at_42_weeks():
    today = date_at(EDD, 10)
    assert program_window(EDD, today) == (date_at(EDD, 17), date_at(EDD, 42))
    later = date_at(EDD, 24, 3)
    assert program_window(EDD, later) == (later, date_at(EDD, 42))


def test_there_is_no_age_predicted_heart_rate_any_more():
    # Heart rate is a ceiling from the program data (SAFETY.md section 5), not 220 - age.
    import tracker.gestation

    assert not hasattr(tracker.gestation, "max_heart_rate")
