"""Scores and summaries: pure functions, no ORM, the most tested code here.

ODI and VAS follow PROGRAM.md; adherence follows SPEC section 5."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

ODI_SECTIONS = 10
ODI_MIN_ANSWERED = 8
ODI_MDC_POINTS = 10.0  # minimal detectable change
PARTIAL_COUNTS_AT = 0.5  # a partial session counts when at least half the minutes were done

LOCATIONS = [
    ("low_back", "Low back"),
    ("buttock", "Buttock"),
    ("back_of_thigh", "Back of the thigh"),
    ("front_of_thigh", "Front of the thigh"),
    ("calf", "Calf"),
    ("foot", "Foot"),
]
SYMPTOMS = [
    ("shooting", "Shooting pain"),
    ("burning", "Burning"),
    ("pins_and_needles", "Pins and needles"),
    ("numbness", "Numbness"),
    ("weakness", "New weakness in the leg"),
    # Red flags (SAFETY.md section 2): each opens a safety hold.
    ("calf_swelling", "Pain with swelling, redness or warmth in one calf"),
    ("saddle_numbness", "New numbness between the legs or around the back passage"),
    (
        "bladder_bowel_change",
        "Cannot pass urine, cannot feel a full bladder, or lost control of the bowel",
    ),
    ("both_legs", "New numbness or weakness in both legs"),
    ("vaginal_bleeding", "Vaginal bleeding"),
    ("fluid_leaking", "Fluid leaking from the vagina"),
    ("contractions", "Regular painful contractions"),
    ("chest_pain", "Chest pain"),
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

TRIAGE_SCIATICA = (
    "Pain down the back of the thigh or calf fits sciatica-like pain. "
    "The program's exercises may help; your PT can suggest alternatives."
)
TRIAGE_FRONT_THIGH = "Pain down the front of the thigh is not sciatica. Mention it to your PT."
TRIAGE_NERVE = (
    "Pins and needles or numbness in the leg or foot can mean a pinched nerve: "
    "see a doctor or your PT for exercises chosen for you."
)
TRIAGE_WEAKNESS = (
    "New leg weakness: call your doctor as soon as possible. Your PT has been alerted."
)


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
    """Guidance from the seed article, never a diagnosis. The most urgent comes first."""
    locations, symptoms = set(locations), set(symptoms)
    messages = []
    if "weakness" in symptoms:
        messages.append(TRIAGE_WEAKNESS)
    if {"pins_and_needles", "numbness"} & symptoms:
        messages.append(TRIAGE_NERVE)
    if {"back_of_thigh", "calf"} & locations:
        messages.append(TRIAGE_SCIATICA)
    if "front_of_thigh" in locations:
        messages.append(TRIAGE_FRONT_THIGH)
    return messages


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
