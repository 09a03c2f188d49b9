"""Print the safety texts of SAFETY.md sections 2 and 5, English and Spanish side by side, as
Markdown: `docs/safety-texts.md` is this command's output (tests/i18n/test_safety_texts.py keeps
the two in step), for a clinician to review both languages in one place."""

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from programs.safety import ACTIVITIES_TO_AVOID, HEAT_ADVICE, POSITION_ADVICE, WARNING_SIGNS
from tracker import safety, scoring


def sections() -> list[tuple[str, str, list[tuple[str, object]]]]:
    """(title, where the texts live, [(what, lazy text)]) for each part of the document."""
    tiers = safety.TIER_MESSAGES
    return [
        (
            "Section 2: the message for each tier of warning sign",
            "tracker/safety.py (TIER_MESSAGES), shown on the stop page, home and in the API",
            [
                ("Emergency tier", tiers[safety.EMERGENCY]),
                ("Nerve red flags", tiers[safety.URGENT_CARE]),
                ("New leg weakness", tiers[safety.ASAP]),
                ("Other ACOG warning signs, a swollen calf", tiers[safety.TODAY]),
            ],
        ),
        (
            "Section 2: who was told",
            "tracker/safety.py",
            [
                ("She has no PT", safety.NOBODY_TOLD),
                ("Offline, before anything is sent", safety.OFFLINE_NOT_TOLD),
                (
                    "She has a PT (%(name)s is the PT's name)",
                    _("Your physical therapist %(name)s has been alerted in Prenafit."),
                ),
            ],
        ),
        (
            "Section 2: the signs, as she ticks them",
            "tracker/safety.py (SIGN_LABELS), programs/safety.py (WARNING_SIGNS)",
            [(key, label) for key, label in safety.SIGN_LABELS.items()]
            + [
                (f"{key} (session log)", label)
                for key, label in WARNING_SIGNS
                if str(label) != str(safety.SIGN_LABELS.get(key, ""))
            ],
        ),
        (
            "Section 2 and 5: what a check-in's answers say",
            "tracker/scoring.py",
            [
                ("Emergency signs", scoring.TRIAGE_EMERGENCY),
                ("Nerve red flags", scoring.TRIAGE_NERVE_RED_FLAG),
                ("New leg weakness", scoring.TRIAGE_WEAKNESS),
                ("Swollen, red or warm calf", scoring.TRIAGE_CLOT),
                ("Calf pain", scoring.TRIAGE_CALF),
                ("Buttock, back of the thigh, foot", scoring.TRIAGE_SCIATICA),
                ("Front of the thigh", scoring.TRIAGE_FRONT_THIGH),
                ("Pins and needles, numbness", scoring.TRIAGE_NERVE),
            ],
        ),
        (
            "Section 5: heart rate, heat, position",
            "programs/templatetags/program_tags.py, programs/safety.py",
            [
                (
                    "Heart rate (%(bpm)s: 140; %(a)s-%(b)s: the RPE range)",
                    _(
                        "Keep your heart rate under about %(bpm)s beats a minute (ACOG); RPE "
                        "%(a)s-%(b)s and the talk test guide you."
                    ),
                ),
                ("Heat and water", HEAT_ADVICE),
                ("Lying on her back", POSITION_ADVICE),
            ]
            + [("Activity to avoid", activity) for activity in ACTIVITIES_TO_AVOID],
        ),
        (
            "Section 5: her scores in plain words (PTs see the clinical bands)",
            "tracker/scoring.py (ODI_PLAIN, VAS_PLAIN)",
            [(f"ODI: {band}", text) for band, text in scoring.ODI_PLAIN.items()]
            + [(f"VAS: {band}", text) for band, text in scoring.VAS_PLAIN.items()],
        ),
        (
            "Section 5: the end of the pregnancy",
            "tracker/forms.py, templates/tracker/pregnancy_end.html",
            [
                ("Choice", _("My baby was born")),
                ("Choice", _("My pregnancy has ended")),
            ],
        ),
    ]


def document() -> str:
    lines = [
        "# Safety texts in English and Spanish",
        "",
        "The words Prenafit uses for SAFETY.md sections 2 and 5, as the app shows them, both",
        "languages side by side for a clinician's review. Generated: `manage.py safety_texts >",
        "docs/safety-texts.md` (a test fails when this file and the code differ). The Spanish",
        "lives in `locale/es/LC_MESSAGES/django.po`; the words we use are in `docs/i18n.md`.",
    ]
    for title, where, rows in sections():
        lines += [
            "",
            f"## {title}",
            "",
            f"From {where}.",
            "",
            "| | English | Español |",
            "|---|---|---|",
        ]
        for what, text in rows:
            with translation.override("en"):
                english = str(text)
            with translation.override("es"):
                spanish = str(text)
            lines.append(f"| {what} | {english} | {spanish} |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print SAFETY.md sections 2 and 5's texts in English and Spanish (docs/safety-texts.md)."

    def handle(self, *args, **options):
        self.stdout.write(document(), ending="")
