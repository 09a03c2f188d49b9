"""Safety facts from ACOG Committee Opinion 804 (2020) and the 2019 Canadian guideline.
Keys are stable (logs store them); the wording may change."""

from django.utils.translation import gettext_lazy as _

WARNING_SIGNS: list[tuple[str, str]] = [
    ("vaginal_bleeding", _("Vaginal bleeding")),
    ("contractions", _("Regular painful contractions")),
    ("fluid_leaking", _("Fluid leaking from the vagina")),
    ("breathless_before_exertion", _("Shortness of breath before exertion")),
    ("dizziness", _("Dizziness")),
    ("headache", _("Headache")),
    ("chest_pain", _("Chest pain")),
    ("muscle_weakness_balance", _("Muscle weakness affecting balance")),
    ("calf_pain_swelling", _("Calf pain or swelling")),
]

ACTIVITIES_TO_AVOID: list[str] = [
    _("Contact sports"),
    _("Activities with a high risk of falling"),
    _("Scuba diving"),
    _("Sky diving"),
    _("Hot yoga or hot pilates"),
    _("High altitude without acclimatisation"),
]

POSITION_ADVICE = _(
    "If lying on your back makes you light-headed or nauseous, change position: "
    "the program offers side-lying or inclined versions."
)
