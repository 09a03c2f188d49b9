"""Pain and disability check-ins: VAS, ODI, where it hurts; a red flag opens a safety hold."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from ..gestation import gestational_age
from ..models import Alert, Assessment, PregnancyProfile
from ..safety import hold_signs
from ..scoring import (
    FOLLOW_UP_TARGET_DAYS,
    LOCATIONS,
    ODI_MIN_ANSWERED,
    ODI_SECTIONS,
    SYMPTOMS,
    is_urgent,
    nearer_to_week_34,
    odi_answered,
    odi_percent,
)
from .safety import hold_open

ERR_NO_PREGNANCY = "Tell us your due date first."
ERR_VAS = "Choose a number from 0 (no pain) to 100 (worst pain imaginable)."
ERR_ODI = "Each section takes one answer from 0 to 5, or none."
ERR_LOCATION = "Unknown body area."
ERR_SYMPTOM = "Unknown symptom."
FOLLOW_UP_WEEK = 34
BASELINE_WEEK = 16


def assessment_kind(
    *,
    existing_kinds: set[str],
    ga_days: int,
    answered: int,
    follow_up_days: int | None = None,
) -> str:
    """What a new check-in is (SAFETY.md section 6). Only one with >= 8 ODI sections answered
    is a baseline (the first such) or the week-34 measure: the one nearest to 34+0 within
    33+0 to 35+6 (`follow_up_days`: gestational days of the current week-34 measure, if any;
    a nearer one takes its place). Anything else is a weekly check-in."""
    if answered < ODI_MIN_ANSWERED:
        return Assessment.Kind.CHECK_IN
    if Assessment.Kind.BASELINE not in existing_kinds:
        return Assessment.Kind.BASELINE
    if nearer_to_week_34(ga_days, follow_up_days):
        return Assessment.Kind.FOLLOW_UP
    return Assessment.Kind.CHECK_IN


def assessment_problems(
    *, vas_low_back_mm, vas_sciatic_mm, odi_answers, pain_locations, symptoms
) -> dict:
    problems = {}
    for name, value in (("vas_low_back_mm", vas_low_back_mm), ("vas_sciatic_mm", vas_sciatic_mm)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            problems[name] = ERR_VAS
    if not isinstance(odi_answers, list) or len(odi_answers) != ODI_SECTIONS:
        problems["odi_answers"] = ERR_ODI
    else:
        try:
            odi_percent(odi_answers)
        except ValueError:
            problems["odi_answers"] = ERR_ODI
    if not set(pain_locations) <= {k for k, _ in LOCATIONS}:
        problems["pain_locations"] = ERR_LOCATION
    if not set(symptoms) <= {k for k, _ in SYMPTOMS}:
        problems["symptoms"] = ERR_SYMPTOM
    return problems


@transaction.atomic
def assessment_record(
    *,
    client,
    vas_low_back_mm: int,
    vas_sciatic_mm: int,
    odi_answers: list[int | None],
    pain_locations: list[str],
    symptoms: list[str],
    today: dt.date,
) -> Assessment:
    profile = PregnancyProfile.objects.filter(client=client).first()
    if profile is None:
        raise ValidationError(ERR_NO_PREGNANCY)
    problems = assessment_problems(
        vas_low_back_mm=vas_low_back_mm,
        vas_sciatic_mm=vas_sciatic_mm,
        odi_answers=odi_answers,
        pain_locations=pain_locations,
        symptoms=symptoms,
    )
    if problems:
        raise ValidationError(problems)
    ga = gestational_age(profile.due_date, today)
    week = ga.weeks
    earlier = list(Assessment.objects.filter(client=client).values_list("pk", "kind", "taken_on"))
    follow_ups = [(pk, day) for pk, kind, day in earlier if kind == Assessment.Kind.FOLLOW_UP]
    follow_up_days = min(
        (gestational_age(profile.due_date, day).total_days for _, day in follow_ups),
        key=lambda days: abs(days - FOLLOW_UP_TARGET_DAYS),
        default=None,
    )
    kind = assessment_kind(
        existing_kinds={k for _, k, _ in earlier},
        ga_days=ga.total_days,
        answered=odi_answered(odi_answers),
        follow_up_days=follow_up_days,
    )
    if kind == Assessment.Kind.FOLLOW_UP and follow_ups:
        # A check-in nearer to 34+0 becomes the week-34 measure; the earlier one is a check-in.
        Assessment.objects.filter(pk__in=[pk for pk, _ in follow_ups]).update(
            kind=Assessment.Kind.CHECK_IN
        )
    assessment = Assessment.objects.create(
        client=client,
        kind=kind,
        taken_on=today,
        gestational_week=max(week, 0),
        vas_low_back_mm=vas_low_back_mm,
        vas_sciatic_mm=vas_sciatic_mm,
        odi_answers=list(odi_answers),
        odi_percent=odi_percent(odi_answers),
        pain_locations=sorted(set(pain_locations)),
        symptoms=sorted(set(symptoms)),
        urgent=is_urgent(symptoms),
    )
    # A red flag opens a safety hold and alerts her PT, in any state (SAFETY.md section 2).
    signs = hold_signs(assessment.symptoms)
    alert_kind = Alert.Kind.LEG_WEAKNESS if signs == ["weakness"] else Alert.Kind.RED_FLAG
    assessment.hold = hold_open(
        client=client, signs=signs, by=client, alert_kind=alert_kind, assessment=assessment
    )
    return assessment
