"""Reads of programs, shaped for the pages that show them."""

from django.db.models import Prefetch

from .models import Block, Exercise, Phase, Prescription, Program, ProgramVersion, SessionTemplate


def current_version(*, program: Program) -> ProgramVersion | None:
    """The newest published version: the one new enrolments use."""
    return (
        program.versions.filter(status=ProgramVersion.Status.PUBLISHED).order_by("-number").first()
    )


def current_version_by_slug(*, slug: str) -> ProgramVersion | None:
    return (
        ProgramVersion.objects.select_related("program")
        .filter(program__slug=slug, status=ProgramVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )


def version_with_content(*, version_id: int) -> ProgramVersion:
    """A version with every phase, template, block, prescription and exercise, in 6 queries."""
    prescriptions = Prescription.objects.select_related("exercise").order_by("order", "pk")
    blocks = Block.objects.order_by("order", "pk").prefetch_related(
        Prefetch("prescriptions", queryset=prescriptions)
    )
    templates = SessionTemplate.objects.order_by("order", "code").prefetch_related(
        Prefetch("blocks", queryset=blocks)
    )
    phases = Phase.objects.order_by("start_week").prefetch_related(
        Prefetch("templates", queryset=templates)
    )
    return (
        ProgramVersion.objects.select_related("program")
        .prefetch_related(Prefetch("phases", queryset=phases))
        .get(pk=version_id)
    )


def exercise_library(*, kind: str = "", region: str = "", source: str = "", q: str = ""):
    exercises = Exercise.objects.select_related("replaced_by").order_by("name")
    if kind:
        exercises = exercises.filter(kind=kind)
    if region:
        exercises = exercises.filter(body_region=region)
    if q:
        exercises = exercises.filter(name__icontains=q)
    if source:
        # JSON containment is not on SQLite; the library is small, so filter in Python.
        return [e for e in exercises if source in e.sciatica_sources]
    return list(exercises)


def exercise_alternatives(*, exercise: Exercise) -> list[Exercise]:
    """Exercises a PT may swap in: those for the same body region or the same sciatica
    source, never a supine one, the closest matches (both) first."""
    sources = set(exercise.sciatica_sources)
    candidates = Exercise.objects.exclude(pk=exercise.pk).exclude(supine=True).order_by("name")
    scored = []
    for other in candidates:
        same_region = other.body_region == exercise.body_region
        same_source = bool(sources & set(other.sciatica_sources))
        if same_region or same_source:
            scored.append((-(same_region + same_source), other.name, other))
    return [other for *_, other in sorted(scored, key=lambda t: (t[0], t[1]))]
