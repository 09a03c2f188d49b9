"""Gestational age: pure functions, no ORM. Used everywhere a week or a day is shown.

GA on date D = 280 - (EDD - D).days days; week N begins at GA day 7N; shown as "17+3"."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

TERM_DAYS = 280
PROGRAM_START_WEEK = 17
LAST_WEEK = 42
MAX_DAYS_AHEAD = TERM_DAYS  # further ahead, the pregnancy would not have started (GA < 0+0)

ERR_DUE_DATE_PAST = _(
    "Your due date is in the past. Enter the estimated due date of this pregnancy."
)
ERR_DUE_DATE_TOO_FAR = _(
    "That due date is more than 40 weeks away, so the pregnancy would not have started yet. "
    "Check the year."
)
ERR_LMP_FUTURE = _("The first day of your last period cannot be in the future.")


@dataclass(frozen=True, order=True)
class GestationalAge:
    total_days: int

    @property
    def weeks(self) -> int:
        return self.total_days // 7

    @property
    def days(self) -> int:
        return self.total_days % 7

    def __str__(self) -> str:
        return f"{self.weeks}+{self.days}"

    @property
    def trimester(self) -> int:
        if self.weeks < 14:
            return 1
        return 2 if self.weeks < 28 else 3


def due_date_from_lmp(lmp: date) -> date:
    return lmp + timedelta(days=TERM_DAYS)


def gestational_age(due_date: date, on: date) -> GestationalAge:
    return GestationalAge(TERM_DAYS - (due_date - on).days)


def date_at(due_date: date, weeks: int, days: int = 0) -> date:
    """The calendar date on which the pregnancy reaches weeks+days."""
    return due_date - timedelta(days=TERM_DAYS - (7 * weeks + days))


def due_date_problem(due_date: date, today: date) -> str | None:
    """Why a due date is implausible for enrolment today, or None."""
    if due_date < today:
        return ERR_DUE_DATE_PAST
    if (due_date - today).days > MAX_DAYS_AHEAD:
        return ERR_DUE_DATE_TOO_FAR
    return None


def program_window(due_date: date, today: date) -> tuple[date, date]:
    """First and last possible session dates: from the later of 17+0 and today, to 42+0."""
    return max(date_at(due_date, PROGRAM_START_WEEK), today), date_at(due_date, LAST_WEEK)
