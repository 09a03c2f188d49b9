"""Scores and summaries: pure functions, no ORM, the most tested code here.

ODI and VAS follow PROGRAM.md; adherence follows SPEC section 5."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

ODI_SECTIONS = 10
ODI_MIN_ANSWERED = 8
ODI_MDC_POINTS = 10.0  # minimal detectable change
PARTIAL_COUNTS_AT = 0.5  # a partial session counts when at least half the minutes were done

LOCATIONS = [
    ("low_back", _("Low back")),
    ("buttock", _("Buttock")),
    ("back_of_thigh", _("Back of the thigh")),
    ("front_of_thigh", _("Front of the thigh")),
    ("calf", _("Calf")),
    ("foot", _("Foot")),
]
SYMPTOMS = [
    ("shooting", _("Shooting pain")),
    ("burning", _("Burning")),
    ("pins_and_needles", _("Pins and needles")),
    ("numbness", _("Numbness")),
    ("weakness", _("New weakness in the leg")),
    # Red flags (SAFETY.md section 2): each opens a safety hold.
    ("calf_swelling", _("One calf is swollen, red or warm")),
    ("saddle_numbness", _("New numbness between your legs or around your back passage")),
    (
        "bladder_bowel_change",
        _(
            "You cannot pass urine, cannot feel when your bladder is full, or cannot control "
            "your bowel (not the small leaks on coughing or sneezing that are common in "
            "pregnancy)"
        ),
    ),
    ("both_legs", _("New numbness or weakness in both legs")),
    ("vaginal_bleeding", _("Bleeding from your vagina")),
    ("fluid_leaking", _("Fluid leaking from your vagina")),
    ("contractions", _("Regular, painful contractions")),
    ("chest_pain", _("Chest pain")),
]
RED_FLAGS = {
    "weakness",
    "calf_swelling",
    "saddle_numbness",
    "bladder_bowel_change",
    "both_legs",
    "vaginal_bleeding",
    "fluid_leaking",
    "contractions",
    "chest_pain",
}

# Guidance, never a diagnosis (SAFETY.md section 5). None of these says who was told: after a
# red flag the page shows the hold's own message and exactly who was told (HoldResult.told).
SCIATIC_PATH = {"buttock", "back_of_thigh", "foot"}  # the calf: see TRIAGE_CALF
TRIAGE_SCIATICA = _(
    "Pain in the buttock, down the back of the thigh or in the foot fits the path of the "
    "sciatic nerve, which runs from the low back through the buttock and down the back of the "
    "leg to the foot. This is guidance, not a diagnosis: the program's exercises may help, and "
    "your PT can suggest others."
)
TRIAGE_CALF = _(
    "Calf pain can fit the path of the sciatic nerve, but a swollen, red or warm calf is "
    "different: if one calf is like that, stop exercising and contact your care provider "
    "today. Ordinary cramps at night that pass are not this sign."
)
TRIAGE_FRONT_THIGH = _(
    "Pain down the front of the thigh does not follow the sciatic nerve's path: "
    "mention it to your PT."
)
TRIAGE_NERVE = _(
    "Pins and needles or numbness in the leg or foot: mention it to your PT or your doctor, "
    "who can check it and choose exercises for you."
)
TRIAGE_WEAKNESS = _("New leg weakness: call your doctor as soon as possible.")
TRIAGE_CLOT = _(
    "A swollen, red or warm calf needs checking: contact your midwife, obstetrician or doctor "
    "today, and do not exercise until you have been seen."
)
TRIAGE_NERVE_RED_FLAG = _(
    "New numbness between the legs, a change in bladder or bowel control, or numbness or "
    "weakness in both legs needs urgent medical care now."
)
TRIAGE_EMERGENCY = _(
    "Bleeding, fluid leaking, regular painful contractions or chest pain: stop and call your "
    "maternity unit or the emergency number now."
)
NERVE_RED_FLAGS = {"saddle_numbness", "bladder_bowel_change", "both_legs"}
EMERGENCY_SIGNS = {"vaginal_bleeding", "fluid_leaking", "contractions", "chest_pain"}


def odi_percent(answers: Sequence[int | None]) -> float | None:
    """Sum of answered sections / (5 x answered) x 100, one decimal; None under 8 answered.

    Each item is 0-5 or None (skipped, e.g. sex life); skipped items leave the denominator."""
    if len(answers) != ODI_SECTIONS:
        raise ValueError(f"The ODI has {ODI_SECTIONS} sections; got {len(answers)} answers.")
    answered = [a for a in answers if a is not None]
    for a in answered:
        if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= 5:
            raise ValueError(f"ODI answers are whole numbers from 0 to 5; got {a!r}.")
    if len(answered) < ODI_MIN_ANSWERED:
        return None
    return round(sum(answered) / (5 * len(answered)) * 100, 1)


def odi_band(percent: float | None) -> str | None:
    """minimal (<= 20), moderate (<= 40), severe (<= 60), crippling (<= 80), bed-bound."""
    if percent is None:
        return None
    for limit, band in ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippling")):
        if percent <= limit:
            return band
    return "bed-bound"


# What clients read (SAFETY.md section 5): plain words, never "crippling" or "bed-bound".
# PTs keep the clinical bands (odi_band, Fairbank's labels; vas_band).
ODI_PLAIN = {
    "minimal": _("little effect on daily life"),
    "moderate": _("some effect on daily life"),
    "severe": _("a large effect on daily life"),
    "crippling": _("a very large effect on daily life"),
    "bed-bound": _("affects almost everything in daily life"),
}
VAS_PLAIN = {
    "none": _("no pain"),
    "mild": _("mild pain"),
    "moderate": _("moderate pain"),
    "severe": _("strong pain"),
}


def odi_plain(percent: float | None) -> str | None:
    """The ODI score in plain words for her (the same cut-offs as odi_band)."""
    band = odi_band(percent)
    return str(ODI_PLAIN[band]) if band else None


def vas_plain(mm: int | None) -> str | None:
    """A VAS score in plain words for her (the same cut-offs as vas_band)."""
    band = vas_band(mm)
    return str(VAS_PLAIN[band]) if band else None


def vas_band(mm: int | None) -> str | None:
    """0-4 none, 5-44 mild, 45-74 moderate, 75-100 severe."""
    if mm is None:
        return None
    if not 0 <= mm <= 100:
        raise ValueError(f"A VAS score runs from 0 to 100 mm; got {mm}.")
    if mm <= 4:
        return "none"
    if mm <= 44:
        return "mild"
    if mm <= 74:
        return "moderate"
    return "severe"


def triage_messages(locations: Iterable[str], symptoms: Iterable[str]) -> list[str]:
    """Guidance from the seed article and SAFETY.md, never a diagnosis; the most urgent first.

    The calf is on the sciatic nerve's path, but calf pain is also a possible clot: the calf is
    only said to fit the nerve's path beside the question about a swollen, red or warm calf,
    and never when that answer was yes."""
    locations, symptoms = set(locations), set(symptoms)
    messages = []
    if EMERGENCY_SIGNS & symptoms:
        messages.append(TRIAGE_EMERGENCY)
    if NERVE_RED_FLAGS & symptoms:
        messages.append(TRIAGE_NERVE_RED_FLAG)
    if "weakness" in symptoms:
        messages.append(TRIAGE_WEAKNESS)
    if "calf_swelling" in symptoms:
        messages.append(TRIAGE_CLOT)
    if {"pins_and_needles", "numbness"} & symptoms:
        messages.append(TRIAGE_NERVE)
    if SCIATIC_PATH & locations:
        messages.append(TRIAGE_SCIATICA)
    if "calf" in locations and "calf_swelling" not in symptoms:
        messages.append(TRIAGE_CALF)
    if "front_of_thigh" in locations:
        messages.append(TRIAGE_FRONT_THIGH)
    return [str(m) for m in messages]


# Baseline and week 34 (SAFETY.md section 6): a measure needs >= 8 ODI sections answered; week 34
# is the check-in nearest to 34+0 within 33+0 to 35+6 (gestational days).
FOLLOW_UP_TARGET_DAYS = 34 * 7
FOLLOW_UP_FIRST_DAY = 33 * 7
FOLLOW_UP_LAST_DAY = 35 * 7 + 6


def odi_answered(answers: Sequence[int | None]) -> int:
    return sum(a is not None for a in answers)


def counts_as_measure(answers: Sequence[int | None]) -> bool:
    """Enough ODI sections answered to be a baseline or a week-34 measure."""
    return odi_answered(answers) >= ODI_MIN_ANSWERED


def in_follow_up_window(ga_days: int) -> bool:
    return FOLLOW_UP_FIRST_DAY <= ga_days <= FOLLOW_UP_LAST_DAY


def nearer_to_week_34(ga_days: int, than_days: int | None) -> bool:
    """Is a check-in at `ga_days` a better week-34 measure than one at `than_days` (None: none
    yet)? Only inside the window; on a tie the earlier one stays."""
    if not in_follow_up_window(ga_days):
        return False
    if than_days is None or not in_follow_up_window(than_days):
        return True
    return abs(ga_days - FOLLOW_UP_TARGET_DAYS) < abs(than_days - FOLLOW_UP_TARGET_DAYS)


def week_34_pick(candidates: Iterable[tuple[int, object]]):
    """From (gestational days, check-in) pairs of check-ins that count as measures, in the
    order they were taken: the week-34 measure, or None."""
    best, best_days = None, None
    for days, item in candidates:
        if nearer_to_week_34(days, best_days):
            best, best_days = item, days
    return best


def trial_measures(check_ins: Iterable[tuple[int | None, Sequence[int | None], object]]):
    """Her baseline and week-34 measure (SAFETY.md section 6), the one rule for the cohort
    CSV, the charts' "since week N" and the PT's pages. `check_ins`: her check-ins in the order
    taken, each as (gestational days on that day, None without a due date; ODI answers; the
    check-in). Only one with >= 8 ODI sections answered is a measure, whatever it was stored
    as: the baseline is the first; week 34 the later one nearest to 34+0 within 33+0 to 35+6
    (on a tie, the earlier). Returns (baseline, week 34), either None."""
    measures = [(days, item) for days, answers, item in check_ins if counts_as_measure(answers)]
    if not measures:
        return None, None
    follow_up = week_34_pick((days, item) for days, item in measures[1:] if days is not None)
    return measures[0][1], follow_up


def is_urgent(symptoms: Iterable[str]) -> bool:
    """A red flag: the check-in opens a safety hold (tracker.safety.SIGN_TIERS)."""
    return bool(RED_FLAGS & set(symptoms))


@dataclass(frozen=True)
class SessionRecord:
    """What adherence needs to know about one scheduled session."""

    date: date
    week: int
    cancelled: bool
    log_status: str | None  # completed, partial, skipped or None
    minutes: int
    planned_minutes: int


def attended(record: SessionRecord) -> bool:
    if record.log_status == "completed":
        return True
    if record.log_status == "partial":
        return record.minutes >= record.planned_minutes * PARTIAL_COUNTS_AT
    return False


def counts_as_scheduled(record: SessionRecord, today: date) -> bool:
    """Sessions before today, and today's once logged (so the day is not held against her)."""
    if record.cancelled:
        return False
    return record.date < today or (record.date == today and record.log_status is not None)


@dataclass(frozen=True)
class Adherence:
    attended: int
    scheduled: int
    threshold: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.attended / self.scheduled, 1) if self.scheduled else None

    @property
    def adherent(self) -> bool | None:
        return None if self.percent is None else self.percent >= self.threshold


def adherence(records: Iterable[SessionRecord], today: date, threshold: int = 80) -> Adherence:
    due = [r for r in records if counts_as_scheduled(r, today)]
    return Adherence(
        attended=sum(attended(r) for r in due), scheduled=len(due), threshold=threshold
    )


def adherence_by_week(
    records: Iterable[SessionRecord], today: date, threshold: int = 80
) -> list[tuple[int, Adherence]]:
    weeks: dict[int, list[SessionRecord]] = {}
    for record in records:
        if counts_as_scheduled(record, today):
            weeks.setdefault(record.week, []).append(record)
    return [(week, adherence(weeks[week], today, threshold)) for week in sorted(weeks)]


def change(baseline: float | None, latest: float | None) -> float | None:
    if baseline is None or latest is None:
        return None
    return round(latest - baseline, 1)
