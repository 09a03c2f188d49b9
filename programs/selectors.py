"""Reads of programs, shaped for the pages that show them."""

from collections.abc import Iterable

from django.db.models import Prefetch

from .models import Block, Exercise, Phase, Prescription, Program, ProgramVersion, SessionTemplate
from .rules import BLOCK_EXERCISE_KINDS


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


# Why an exercise cannot stand in for another (`swap_misfit`); the tracker's swap service words
# each for the PT.
MISFIT_KIND = "kind"
MISFIT_BLOCK = "block"
MISFIT_REGION = "region"
MISFIT_SUPINE = "supine"


def supine_forbidden(exercise: Exercise, week: int | None) -> bool:
    """Is it done lying on the back in a week her program stops that (`replace_from_week`)?
    An unknown week (None) counts as one that does."""
    if not exercise.supine or exercise.replace_from_week is None:
        return False
    return week is None or week >= exercise.replace_from_week


def swap_misfit(
    original: Exercise, replacement: Exercise, *, block_kinds: Iterable[str], week: int | None
) -> str | None:
    """Why `replacement` cannot stand in for `original` (a MISFIT_* key), or None when it can:
    the same kind of exercise, allowed in every kind of block `original` is prescribed in
    (`rules.BLOCK_EXERCISE_KINDS`), for the same body region, and not done lying on the back
    from the week the program stops that (`week`: her gestational week when the swap starts)."""
    if replacement.kind != original.kind:
        return MISFIT_KIND
    for block_kind in block_kinds:
        if replacement.kind not in BLOCK_EXERCISE_KINDS.get(block_kind, {replacement.kind}):
            return MISFIT_BLOCK
    if replacement.body_region != original.body_region:
        return MISFIT_REGION
    if supine_forbidden(replacement, week):
        return MISFIT_SUPINE
    return None


def block_kinds_of(*, exercise: Exercise, version: ProgramVersion | None = None) -> set[str]:
    """The kinds of block `exercise` is prescribed in: in `version`, or (None) in the published
    versions."""
    blocks = Block.objects.filter(prescriptions__exercise=exercise)
    if version is not None:
        blocks = blocks.filter(template__phase__version=version)
    else:
        blocks = blocks.filter(template__phase__version__status=ProgramVersion.Status.PUBLISHED)
    return set(blocks.order_by().values_list("kind", flat=True).distinct())


def exercise_alternatives(
    *, exercise: Exercise, version: ProgramVersion | None = None, week: int | None = None
) -> list[Exercise]:
    """Exercises a PT may swap in for `exercise` (`swap_misfit` finds none wrong): the same
    kind, fitting every block it is prescribed in (in `version`, or the published versions),
    the same body region, and never one done lying on the back from the week her program stops
    that (`week` unknown: none of those). Closest first: more sciatica sources in common (they
    rank, never widen), then the same equipment, then by name."""
    return alternatives_of(exercises=[exercise], version=version, week=week)[exercise.pk]


def alternatives_of(
    *, exercises: Iterable[Exercise], version: ProgramVersion | None = None, week: int | None = None
) -> dict[int, list[Exercise]]:
    """`exercise_alternatives` of several exercises at once, in two queries: exercise id ->
    its alternatives, closest first."""
    exercises = {e.pk: e for e in exercises}
    if not exercises:
        return {}
    lines = Prescription.objects.filter(exercise__in=list(exercises))
    if version is not None:
        lines = lines.filter(block__template__phase__version=version)
    else:
        lines = lines.filter(
            block__template__phase__version__status=ProgramVersion.Status.PUBLISHED
        )
    block_kinds: dict[int, set[str]] = {pk: set() for pk in exercises}
    for exercise_id, kind in lines.order_by().values_list("exercise", "block__kind").distinct():
        block_kinds[exercise_id].add(kind)
    candidates = list(
        Exercise.objects.filter(
            kind__in={e.kind for e in exercises.values()},
            body_region__in={e.body_region for e in exercises.values()},
        )
    )
    found = {}
    for pk, exercise in exercises.items():
        sources = set(exercise.sciatica_sources)
        fitting = [
            other
            for other in candidates
            if other.pk != pk
            and other.kind == exercise.kind
            and other.body_region == exercise.body_region
            and swap_misfit(exercise, other, block_kinds=block_kinds[pk], week=week) is None
        ]
        found[pk] = sorted(
            fitting,
            key=lambda other, sources=sources, exercise=exercise: (
                -len(sources & set(other.sciatica_sources)),
                other.equipment != exercise.equipment,
                other.name,
            ),
        )
    return found


# Where each kind of translated row sits, for rows inside a version (programs/translation.py).
VERSION_PATHS = {
    ProgramVersion: "pk",
    Phase: "version_id",
    SessionTemplate: "phase__version_id",
    Block: "template__phase__version_id",
    Prescription: "block__template__phase__version_id",
}


def untranslated_texts(*, language: str = "es", all_versions: bool = False) -> list[dict]:
    """Every text registered for translation (programs, the screen, the ODI...) whose English is
    there and whose `language` text is empty: the page falls back to the English for those.
    Rows inside versions count for each program's current version and its drafts (older versions
    with `all_versions`). One query per translated model."""
    from modeltranslation.translator import translator

    versions = None
    if not all_versions:
        versions = set(
            ProgramVersion.objects.filter(status=ProgramVersion.Status.DRAFT).values_list(
                "pk", flat=True
            )
        )
        for program in Program.objects.all():
            current = current_version(program=program)
            if current is not None:
                versions.add(current.pk)
    found = []
    for model in sorted(translator.get_registered_models(), key=lambda m: m._meta.label):
        fields = sorted(translator.get_options_for_model(model).fields)
        rows = model.objects.all().order_by("pk")
        if versions is not None and model in VERSION_PATHS:
            rows = rows.filter(**{f"{VERSION_PATHS[model]}__in": versions})
        columns = [f"{f}_en" for f in fields] + [f"{f}_{language}" for f in fields]
        for row in rows.values("pk", *columns):
            missing = [
                f for f in fields if _filled(row[f"{f}_en"]) and not _filled(row[f"{f}_{language}"])
            ]
            if missing:
                found.append(
                    {
                        "model": model._meta.label,
                        "pk": row["pk"],
                        "fields": missing,
                        "english": _preview(row[f"{missing[0]}_en"]),
                    }
                )
    return found


def _filled(value) -> bool:
    if isinstance(value, list):
        return any(str(v).strip() for v in value)
    return bool(value and str(value).strip())


def _preview(value) -> str:
    text = " / ".join(value) if isinstance(value, list) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"
