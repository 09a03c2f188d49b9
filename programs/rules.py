"""Pure rules about a program's structure (no ORM): used by the admin, publishing and loading."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .models import FIRST_WEEK, LAST_WEEK


@dataclass(frozen=True)
class PhaseRange:
    name: str
    start_week: int
    end_week: int


def phase_coverage_errors(
    phases: Iterable[PhaseRange], first: int = FIRST_WEEK, last: int = LAST_WEEK
) -> list[str]:
    """Phases must be contiguous and cover weeks `first` to `last` (inclusive), no gap or overlap.
    Each message names the phases and weeks involved."""
    ordered = sorted(phases, key=lambda p: (p.start_week, p.end_week))
    if not ordered:
        return [f"A program needs phases covering weeks {first} to {last}; it has none."]
    errors = []
    for phase in ordered:
        if phase.start_week > phase.end_week:
            errors.append(
                f"Phase “{phase.name}” ends (week {phase.end_week}) "
                f"before it starts (week {phase.start_week})."
            )
    if ordered[0].start_week != first:
        errors.append(
            f"The first phase must start at week {first}; "
            f"“{ordered[0].name}” starts at week {ordered[0].start_week}."
        )
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start_week > before.end_week + 1:
            errors.append(
                f"Gap: no phase covers weeks {before.end_week + 1}-{after.start_week - 1} "
                f"(between “{before.name}” and “{after.name}”)."
            )
        elif after.start_week <= before.end_week:
            errors.append(
                f"Overlap: “{before.name}” (weeks {before.start_week}-{before.end_week}) and "
                f"“{after.name}” (weeks {after.start_week}-{after.end_week}) both cover week "
                f"{after.start_week}."
            )
    last_end = max(p.end_week for p in ordered)
    if last_end != last:
        errors.append(
            f"The last phase must end at week {last} (until birth); "
            f"the phases end at week {last_end}."
        )
    return errors


def template_minutes_warning(name: str, block_minutes: Sequence[int], session_minutes: int):
    """A warning (not an error) when a template's blocks do not add up to the session length."""
    total = sum(block_minutes)
    if total == session_minutes:
        return None
    return (
        f"Session template “{name}” adds up to {total} minutes, "
        f"not the program's {session_minutes}."
    )


def rpe_range_error(rpe_min: int | None, rpe_max: int | None) -> str | None:
    for value in (rpe_min, rpe_max):
        if value is not None and not 6 <= value <= 20:
            return f"Borg RPE runs from 6 to 20; {value} is outside it."
    if rpe_min is not None and rpe_max is not None and rpe_min > rpe_max:
        return f"The RPE range must run from low to high; got {rpe_min}-{rpe_max}."
    return None


# Which kinds of exercise belong in which kind of block (the seed program follows it): no
# strength work in a warm-up or a cool-down, only aerobic work in the aerobic block.
BLOCK_EXERCISE_KINDS: dict[str, frozenset[str]] = {
    "warm_up": frozenset({"aerobic", "mobility", "breathing"}),
    "aerobic": frozenset({"aerobic"}),
    "resistance": frozenset({"resistance"}),
    "pelvic_floor": frozenset({"pelvic_floor", "mobility", "breathing"}),
    "cool_down": frozenset({"aerobic", "mobility", "breathing"}),
}

KIND_WORDS = {
    "aerobic": "aerobic",
    "resistance": "strength",
    "pelvic_floor": "pelvic floor",
    "mobility": "mobility or stretching",
    "breathing": "breathing",
}
BLOCK_WORDS = {
    "warm_up": "a warm-up",
    "aerobic": "an aerobic block",
    "resistance": "a resistance block",
    "pelvic_floor": "a pelvic floor and mobility block",
    "cool_down": "a cool-down",
}


def block_exercise_error(block_kind: str, exercise_name: str, exercise_kind: str) -> str | None:
    """Why an exercise does not belong in a block of this kind, or None when it does."""
    allowed = BLOCK_EXERCISE_KINDS.get(block_kind)
    if allowed is None or exercise_kind in allowed:
        return None
    fits = ", ".join(sorted(KIND_WORDS.get(k, k) for k in allowed))
    return (
        f"“{exercise_name}” is a {KIND_WORDS.get(exercise_kind, exercise_kind)} exercise and "
        f"does not belong in {BLOCK_WORDS.get(block_kind, block_kind)}, which takes {fits} "
        f"exercises."
    )
