"""How a dose and a duration read on a page: "2 x 9 min", "45 s", "rest 2 min".

Pure functions (no ORM), registered as template filters; every template that shows a dose or
a rest loads this module (`{% load program_tags %}`), so all pages say it the same way."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# Up to 90 s a duration reads in seconds ("45 s", "90 s"); above it in minutes ("2 min",
# "2 min 30 s", "9 min"), never "540 s".
SECONDS_UP_TO = 90


@register.filter
def duration(seconds) -> str:
    """45 -> "45 s", 90 -> "90 s", 120 -> "2 min", 150 -> "2 min 30 s", 540 -> "9 min".
    Nothing (None, "", 0 or less, not a number) -> ""."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    if seconds <= 0:
        return ""
    if seconds <= SECONDS_UP_TO:
        return _("%(s)d s") % {"s": seconds}
    minutes, rest = divmod(seconds, 60)
    if rest:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": rest}
    return _("%(m)d min") % {"m": minutes}


def dose_text(*, sets: int | None, reps: int | None, seconds: int | None) -> str:
    """ "3 x 12", "2 x 9 min", "45 s" or "10 min": the sets (when more than one) and the
    repetitions or the duration of each."""
    count = sets or 1
    if reps:
        return f"{count} x {reps}"
    each = duration(seconds)
    if not each:
        return ""
    return f"{count} x {each}" if count > 1 else each


@register.filter
def dose(prescription) -> str:
    """The dose of anything with `sets`, `reps` and `seconds` (a prescription or a swapped
    line): `{{ rx|dose }}`."""
    return dose_text(
        sets=getattr(prescription, "sets", None),
        reps=getattr(prescription, "reps", None),
        seconds=getattr(prescription, "seconds", None),
    )


@register.filter
def rest(prescription) -> str:
    """ "rest 1 min" between sets, or "" without a rest: `{{ rx|rest }}`."""
    each = duration(getattr(prescription, "rest_seconds", None))
    return _("rest %(s)s") % {"s": each} if each else ""


@register.filter
def effort(prescription) -> str:
    """ "Effort 12-14 on the 6-20 scale", or "" without an RPE range: `{{ rx|effort }}`."""
    low, high = getattr(prescription, "rpe_min", None), getattr(prescription, "rpe_max", None)
    if not low:
        return ""
    return _("Effort %(a)s-%(b)s on the 6-20 scale") % {"a": low, "b": high}


@register.filter
def heart_rate_ceiling(prescription) -> str:
    """The heart-rate ceiling in words (a ceiling, never a target: SAFETY.md section 5), or ""
    without one: `{{ rx|heart_rate_ceiling }}` (`hr_ceiling` in beats a minute, as
    `tracker.selectors.session_with_content` sets it)."""
    bpm = getattr(prescription, "hr_ceiling", None)
    if not bpm:
        return ""
    low, high = getattr(prescription, "rpe_min", None), getattr(prescription, "rpe_max", None)
    if low:
        return _(
            "Keep your heart rate under about %(bpm)s beats a minute (ACOG); RPE %(a)s-%(b)s "
            "and the talk test guide you."
        ) % {"bpm": bpm, "a": low, "b": high}
    return _(
        "Keep your heart rate under about %(bpm)s beats a minute (ACOG); the talk test guides you."
    ) % {"bpm": bpm}


@register.filter
def fact(item: dict, field: str) -> str:
    """A program fact's label or value in the active language (`label_es` beside `label`),
    the English when there is no translation."""
    from django.utils.translation import get_language

    language = (get_language() or "en").split("-")[0]
    if language != "en":
        translated = item.get(f"{field}_{language}")
        if translated:
            return translated
    return item.get(field, "")
