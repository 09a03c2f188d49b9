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

# Heart rate is a ceiling, not a target (SAFETY.md section 5): RPE and the talk test guide.
HR_CEILING_BPM = 140
HR_CEILING_SOURCE = "ACOG CO 804 (2020)"

# Heat and water (ACOG CO 804): in every aerobic block's notes and on the About page.
HEAT_ADVICE = _(
    "Exercise in a cool, airy place, drink water before, during and after, and avoid heat and "
    "humidity (ACOG)."
)
