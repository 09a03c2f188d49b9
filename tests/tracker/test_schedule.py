from datetime import date, timedelta

from tracker.gestation import date_at
from tracker.schedule import (
    ERR_THREE_DAYS,
    PhaseSlot,
    back_to_back_warning,
    plan_sessions,
    weekdays_problem,
)

PHASES = [
    PhaseSlot(1, 17, 22, (11, 12, 13)),
    PhaseSlot(2, 23, 28, (21, 22, 23)),
    PhaseSlot(3, 29, 34, (31, 32, 33)),
    PhaseSlot(4, 35, 42, (41, 42, 43)),
]


def test_today_at_10_weeks_mon_wed_fri_gives_the_hand_counted_schedule():
    due = date(2027, 6, 2)  # a Wednesday
    today = date_at(due, 10)
    start = date_at(due, 17)  # 17+0 is a Wednesday too
    assert start.weekday() == 2

    planned = plan_sessions(due_date=due, start=today, weekdays=[0, 2, 4], phases=PHASES)

    # First session: the first Mon/Wed/Fri on or after 17+0, i.e. 17+0 itself.
    assert planned[0].date == start
    assert all(p.date.weekday() in (0, 2, 4) for p in planned)
    assert planned[-1].date <= date_at(due, 42)
    # Hand count: 17+0 (Wed) to 42+0 (Wed) is 25 weeks; each week Wed..Tue holds exactly
    # one Mon, Wed and Fri, so 25 x 3 = 75, plus 42+0 itself (a Wednesday) = 76.
    assert len(planned) == 76
    assert planned[-1].date == date_at(due, 42)


def test_each_session_gets_the_phase_of_its_week_and_templates_rotate_by_weekday():
    due = date(2027, 6, 2)
    planned = plan_sessions(due_date=due, start=date(2026, 1, 1), weekdays=[0, 2, 4], phases=PHASES)
    for p in planned:
        slot = next(s for s in PHASES if s.start_week <= p.gestational_week <= s.end_week)
        assert p.phase_id == slot.phase_id
        assert p.template_id == slot.template_ids[{0: 0, 2: 1, 4: 2}[p.date.weekday()]]


def test_starting_mid_program_starts_today():
    due = date(2027, 6, 2)
    today = date_at(due, 24, 3)
    planned = plan_sessions(due_date=due, start=today, weekdays=[1, 3, 5], phases=PHASES)
    assert planned[0].date >= today
    assert planned[0].date - today < timedelta(days=3)
    assert planned[0].gestational_week == 24


def test_an_end_date_cuts_the_plan():
    due = date(2027, 6, 2)
    planned = plan_sessions(
        due_date=due,
        start=date(2026, 1, 1),
        weekdays=[0, 2, 4],
        phases=PHASES,
        end=date_at(due, 20),
    )
    assert planned[-1].date <= date_at(due, 20)


def test_exactly_three_distinct_days_are_required():
    assert weekdays_problem([0, 2, 4]) is None
    assert weekdays_problem([0, 2]) == ERR_THREE_DAYS
    assert weekdays_problem([0, 0, 2]) == ERR_THREE_DAYS
    assert weekdays_problem([0, 2, 9]) == ERR_THREE_DAYS


def test_back_to_back_days_only_warn():
    assert back_to_back_warning([0, 2, 4]) is None
    assert "Monday and Tuesday" in back_to_back_warning([0, 1, 4])
    assert "Sunday and Monday" in back_to_back_warning([0, 3, 6])
