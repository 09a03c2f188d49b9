from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from config.validators import ERR_SINGLE_LINE, is_single_line

from .models import Exercise, SciaticaSource
from .safety import (
    ACTIVITIES_TO_AVOID,
    HEAT_ADVICE,
    HR_CEILING_BPM,
    POSITION_ADVICE,
    WARNING_SIGNS,
)
from .selectors import (
    current_version_by_slug,
    exercise_alternatives,
    exercise_library,
    version_with_content,
)

FLAGSHIP = "aparicio2023"


@require_GET
def about(request):
    version = current_version_by_slug(slug=FLAGSHIP)
    if version is not None:
        version = version_with_content(version_id=version.pk)
    return render(
        request,
        "programs/about.html",
        {
            "version": version,
            "program": version.program if version else None,
            "warning_signs": [label for _, label in WARNING_SIGNS],
            "activities_to_avoid": ACTIVITIES_TO_AVOID,
            "position_advice": POSITION_ADVICE,
            "heat_advice": HEAT_ADVICE,
            "hr_ceiling": HR_CEILING_BPM,
        },
    )


@require_GET
def exercise_list(request):
    filters = {
        "kind": request.GET.get("kind", ""),
        "region": request.GET.get("region", ""),
        "source": request.GET.get("source", ""),
        "q": request.GET.get("q", "").strip()[:100],
    }
    valid = {
        "kind": Exercise.Kind.values,
        "region": Exercise.Region.values,
        "source": SciaticaSource.values,
    }
    for key, allowed in valid.items():
        if filters[key] not in allowed:
            filters[key] = ""
    status = 200
    if not is_single_line(filters["q"]):  # a NUL would reach PostgreSQL
        messages.error(request, ERR_SINGLE_LINE)
        filters["q"], status = "", 400
    return render(
        request,
        "programs/exercise_list.html",
        {
            "exercises": exercise_library(**filters),
            "filters": filters,
            "kinds": Exercise.Kind.choices,
            "regions": Exercise.Region.choices,
            "sources": SciaticaSource.choices,
        },
        status=status,
    )


@require_GET
def exercise_detail(request, slug):
    exercise = get_object_or_404(Exercise.objects.select_related("replaced_by"), slug=slug)
    return render(
        request,
        "programs/exercise_detail.html",
        {"exercise": exercise, "alternatives": exercise_alternatives(exercise=exercise)[:6]},
    )
