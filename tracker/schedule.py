"""Planning a schedule: pure functions, no ORM.

One session on each chosen weekday from the later of 17+0 and the start date up to 42+0.
Each session takes the phase covering its gestational week; templates rotate by the rank of
the weekday among the chosen ones (with Mon/Wed/Fri: Monday A, Wednesday B, Friday C), so
rebuilding part of a schedule never reshuffles the rest."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .gestation import LAST_WEEK, PROGRAM_START_WEEK, date_at, gestational_age

# Their English names (tests); what a page shows is django.utils.dates.WEEKDAYS, translated.
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEFAULT_WEEKDAYS = [0, 2, 4]

ERR_THREE_DAYS = _("Choose exactly three days a week.")
WARN_BACK_TO_BACK = _(
    "{days} are back to back. A rest day between sessions is recommended, but it is your choice."
)


@dataclass(frozen=True)
class PhaseSlot:
    phase_id: int
    start_week: int
    end_week: int
    template_ids: tuple[int, ...]


@dataclass(frozen=True)
class PlannedSession:
    date: date
    gestational_week: int
    phase_id: int
    template_id: int


def weekdays_problem(weekdays: Sequence[int], sessions_per_week: int = 3) -> str | None:
    if len(set(weekdays)) != sessions_per_week or any(not 0 <= d <= 6 for d in weekdays):
        return ERR_THREE_DAYS
    return None


def back_to_back_warning(weekdays: Sequence[int]) -> str | None:
    """A warning naming consecutive chosen days (Sunday and Monday count as consecutive)."""
    days = sorted(set(weekdays))
    pairs = [(a, b) for a in days for b in days if (b - a) % 7 == 1]
    if not pairs:
        return None
    names = ", ".join(
        # Translators: two weekdays next to each other, e.g. "Monday and Tuesday".
        gettext("%(first)s and %(second)s") % {"first": WEEKDAYS[a], "second": WEEKDAYS[b]}
        for a, b in pairs
    )
    return WARN_BACK_TO_BACK.format(days=names)


def plan_sessions(
    *,
    due_date: date,
    start: date,
    weekdays: Sequence[int],
    phases: Sequence[PhaseSlot],
    end: date | None = None,
) -> list[PlannedSession]:
    """Sessions from max(start, 17+0) to min(end, 42+0), inclusive."""
    first = max(start, date_at(due_date, PROGRAM_START_WEEK))
    last = date_at(due_date, LAST_WEEK)
    if end is not None:
        last = min(last, end)
    chosen = sorted(set(weekdays))
    rank = {day: i for i, day in enumerate(chosen)}
    planned = []
    day = first
    while day <= last:
        if day.weekday() in rank:
            week = gestational_age(due_date, day).weeks
            slot = phase_for_week(phases, week)
            if slot is not None and slot.template_ids:
                template = slot.template_ids[rank[day.weekday()] % len(slot.template_ids)]
                planned.append(PlannedSession(day, week, slot.phase_id, template))
        day += timedelta(days=1)
    return planned


def phase_for_week(phases: Sequence[PhaseSlot], week: int) -> PhaseSlot | None:
    for slot in phases:
        if slot.start_week <= week <= slot.end_week:
            return slot
    return None


def same_week(a: date, b: date) -> bool:
    return a.isocalendar()[:2] == b.isocalendar()[:2]
