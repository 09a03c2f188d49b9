"""Pain and disability check-ins: VAS, ODI, where it hurts; a red flag opens a safety hold.
She may correct or withdraw one within 7 days (the earlier version is kept for her PT)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..gestation import gestational_age
from ..models import Alert, Assessment, AssessmentRevision, PregnancyProfile
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
    trial_measures,
)
from .logs import correction_problem
from .safety import hold_open

ERR_NO_PREGNANCY = _("Tell us your due date first.")
ERR_VAS = _("Choose a number from 0 (no pain) to 100 (worst pain imaginable).")
ERR_ODI = _("Each section takes one answer from 0 to 5, or none.")
ERR_LOCATION = _("Unknown body area.")
ERR_SYMPTOM = _("Unknown symptom.")
FOLLOW_UP_WEEK = 34
BASELINE_WEEK = 16
# She may correct or withdraw a check-in for 7 days after saving it, like a log (SPEC 6).
ERR_CHECK_IN_TOO_LATE = _(
    "A check-in can be changed or withdrawn for 7 days after you save it. This one was saved "
    "on {day}, so it stays as it is."
)
ERR_CHECK_IN_WITHDRAWN = _("You withdrew this check-in, so it can no longer be changed.")


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
    earlier = list(
        Assessment.objects.filter(client=client, withdrawn_at__isnull=True).values_list(
            "pk", "kind", "taken_on"
        )
    )
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


def assessment_snapshot(assessment: Assessment) -> dict:
    return {
        "kind": assessment.kind,
        "taken_on": assessment.taken_on.isoformat(),
        "vas_low_back_mm": assessment.vas_low_back_mm,
        "vas_sciatic_mm": assessment.vas_sciatic_mm,
        "odi_answers": list(assessment.odi_answers),
        "odi_percent": assessment.odi_percent,
        "pain_locations": list(assessment.pain_locations),
        "symptoms": list(assessment.symptoms),
    }


def check_in_correction_problem(assessment: Assessment, now: dt.datetime) -> str | None:
    """Why a check-in can no longer be corrected or withdrawn (None: she may)."""
    return correction_problem(
        assessment, now, too_late=ERR_CHECK_IN_TOO_LATE, withdrawn=ERR_CHECK_IN_WITHDRAWN
    )


def _check_correctable(assessment: Assessment, now: dt.datetime) -> None:
    problem = check_in_correction_problem(assessment, now)
    if problem:
        raise ValidationError(problem)


def _locked(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=assessment.pk)
    )


def _choose_measures_again(client) -> None:
    """After a correction or a withdrawal, the baseline and the week-34 measure are chosen
    again by the one rule (`scoring.trial_measures`, SAFETY.md section 6) from the check-ins
    she has not withdrawn; every other one is a weekly check-in."""
    profile = PregnancyProfile.objects.filter(client=client).first()
    kept = list(
        Assessment.objects.filter(client=client, withdrawn_at__isnull=True).order_by(
            "taken_on", "pk"
        )
    )
    baseline, follow_up = trial_measures(
        (
            gestational_age(profile.due_date, a.taken_on).total_days if profile else None,
            a.odi_answers,
            a,
        )
        for a in kept
    )
    for a in kept:
        if a is baseline:
            kind = Assessment.Kind.BASELINE
        elif a is follow_up:
            kind = Assessment.Kind.FOLLOW_UP
        else:
            kind = Assessment.Kind.CHECK_IN
        if a.kind != kind:
            Assessment.objects.filter(pk=a.pk).update(kind=kind)


@transaction.atomic
def assessment_update(
    *,
    assessment: Assessment,
    by,
    vas_low_back_mm: int,
    vas_sciatic_mm: int,
    odi_answers: list[int | None],
    pain_locations: list[str],
    symptoms: list[str],
    now: dt.datetime | None = None,
) -> Assessment:
    """Correct a check-in within 7 days of saving it; its earlier version is kept as a
    revision her PT sees. Its date stays. A red flag new in the correction opens a hold; a
    hold it opened stays open whatever the correction (only a clearance closes it)."""
    now = now or timezone.now()
    assessment = _locked(assessment)
    _check_correctable(assessment, now)
    problems = assessment_problems(
        vas_low_back_mm=vas_low_back_mm,
        vas_sciatic_mm=vas_sciatic_mm,
        odi_answers=odi_answers,
        pain_locations=pain_locations,
        symptoms=symptoms,
    )
    if problems:
        raise ValidationError(problems)
    AssessmentRevision.objects.create(
        assessment=assessment, snapshot=assessment_snapshot(assessment), edited_by=by, edited_at=now
    )
    before = set(hold_signs(assessment.symptoms))
    assessment.vas_low_back_mm = vas_low_back_mm
    assessment.vas_sciatic_mm = vas_sciatic_mm
    assessment.odi_answers = list(odi_answers)
    assessment.odi_percent = odi_percent(odi_answers)
    assessment.pain_locations = sorted(set(pain_locations))
    assessment.symptoms = sorted(set(symptoms))
    assessment.urgent = assessment.urgent or is_urgent(symptoms)
    assessment.full_clean()
    assessment.save()
    _choose_measures_again(assessment.client)
    assessment.refresh_from_db(fields=["kind"])
    new = [sign for sign in hold_signs(assessment.symptoms) if sign not in before]
    alert_kind = Alert.Kind.LEG_WEAKNESS if new == ["weakness"] else Alert.Kind.RED_FLAG
    assessment.hold = hold_open(
        client=assessment.client, signs=new, by=by, alert_kind=alert_kind, assessment=assessment
    )
    return assessment


@transaction.atomic
def assessment_withdraw(*, assessment: Assessment, by, now: dt.datetime | None = None):
    """Withdraw a check-in saved by mistake, within 7 days of saving it. Never deleted: kept
    for the history, left out of the charts, the change from baseline, the dashboard and the
    reports; the baseline and week-34 measure are chosen again without it. A safety hold it
    opened stays open (only a clearance closes it)."""
    now = now or timezone.now()
    assessment = _locked(assessment)
    _check_correctable(assessment, now)
    assessment.withdrawn_at = now
    assessment.save(update_fields=["withdrawn_at"])
    _choose_measures_again(assessment.client)
    return assessment
