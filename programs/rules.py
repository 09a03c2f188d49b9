"""Pure rules about a program's structure (no ORM): used by the admin, publishing and loading."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

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
        return [
            _("A program needs phases covering weeks %(first)s to %(last)s; it has none.")
            % {"first": first, "last": last}
        ]
    errors = []
    for phase in ordered:
        if phase.start_week > phase.end_week:
            errors.append(
                _("Phase “%(name)s” ends (week %(end)s) before it starts (week %(start)s).")
                % {"name": phase.name, "end": phase.end_week, "start": phase.start_week}
            )
    if ordered[0].start_week != first:
        errors.append(
            _("The first phase must start at week %(first)s; “%(name)s” starts at week %(start)s.")
            % {"first": first, "name": ordered[0].name, "start": ordered[0].start_week}
        )
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start_week > before.end_week + 1:
            errors.append(
                _("Gap: no phase covers weeks %(from)s-%(to)s (between “%(a)s” and “%(b)s”).")
                % {
                    "from": before.end_week + 1,
                    "to": after.start_week - 1,
                    "a": before.name,
                    "b": after.name,
                }
            )
        elif after.start_week <= before.end_week:
            errors.append(
                _(
                    "Overlap: “%(a)s” (weeks %(a_start)s-%(a_end)s) and “%(b)s” (weeks "
                    "%(b_start)s-%(b_end)s) both cover week %(week)s."
                )
                % {
                    "a": before.name,
                    "a_start": before.start_week,
                    "a_end": before.end_week,
                    "b": after.name,
                    "b_start": after.start_week,
                    "b_end": after.end_week,
                    "week": after.start_week,
                }
            )
    last_end = max(p.end_week for p in ordered)
    if last_end != last:
        errors.append(
            _(
                "The last phase must end at week %(last)s (until birth); the phases end at "
                "week %(end)s."
            )
            % {"last": last, "end": last_end}
        )
    return errors


def template_minutes_warning(name: str, block_minutes: Sequence[int], session_minutes: int):
    """A warning (not an error) when a template's blocks do not add up to the session length."""
    total = sum(block_minutes)
    if total == session_minutes:
        return None
    return _(
        "Session template “%(name)s” adds up to %(total)s minutes, not the program's %(minutes)s."
    ) % {"name": name, "total": total, "minutes": session_minutes}


def rpe_range_error(rpe_min: int | None, rpe_max: int | None) -> str | None:
    for value in (rpe_min, rpe_max):
        if value is not None and not 6 <= value <= 20:
            return _("Borg RPE runs from 6 to 20; %(value)s is outside it.") % {"value": value}
    if rpe_min is not None and rpe_max is not None and rpe_min > rpe_max:
        return _("The RPE range must run from low to high; got %(low)s-%(high)s.") % {
            "low": rpe_min,
            "high": rpe_max,
        }
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

# The words for a kind of exercise and a kind of block inside the sentences below (and in
# tracker's swap messages): lazy, so each is said in the language of the moment.
KIND_WORDS = {
    "aerobic": pgettext_lazy("kind of exercise, in “a … exercise”", "aerobic"),
    "resistance": pgettext_lazy("kind of exercise, in “a … exercise”", "strength"),
    "pelvic_floor": pgettext_lazy("kind of exercise, in “a … exercise”", "pelvic floor"),
    "mobility": pgettext_lazy("kind of exercise, in “a … exercise”", "mobility or stretching"),
    "breathing": pgettext_lazy("kind of exercise, in “a … exercise”", "breathing"),
}
BLOCK_WORDS = {
    "warm_up": pgettext_lazy("a block of a session, in “does not belong in …”", "a warm-up"),
    "aerobic": pgettext_lazy("a block of a session, in “does not belong in …”", "an aerobic block"),
    "resistance": pgettext_lazy(
        "a block of a session, in “does not belong in …”", "a resistance block"
    ),
    "pelvic_floor": pgettext_lazy(
        "a block of a session, in “does not belong in …”", "a pelvic floor and mobility block"
    ),
    "cool_down": pgettext_lazy("a block of a session, in “does not belong in …”", "a cool-down"),
}


def block_exercise_error(block_kind: str, exercise_name: str, exercise_kind: str) -> str | None:
    """Why an exercise does not belong in a block of this kind, or None when it does."""
    allowed = BLOCK_EXERCISE_KINDS.get(block_kind)
    if allowed is None or exercise_kind in allowed:
        return None
    fits = ", ".join(sorted(str(KIND_WORDS.get(k, k)) for k in allowed))
    # Translators: kind and fits are the words for kinds of exercise ("strength", "aerobic,
    # breathing, mobility or stretching"); block is "a warm-up", "a cool-down"...
    return _(
        "“%(exercise)s” is a %(kind)s exercise and does not belong in %(block)s, which takes "
        "%(fits)s exercises."
    ) % {
        "exercise": exercise_name,
        "kind": KIND_WORDS.get(exercise_kind, exercise_kind),
        "block": BLOCK_WORDS.get(block_kind, block_kind),
        "fits": fits,
    }
