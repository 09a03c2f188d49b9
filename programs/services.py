"""Every write to programs: publishing, cloning drafts, loading program files."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Block, Phase, Prescription, ProgramVersion, SessionTemplate
from .rules import (
    PhaseRange,
    block_exercise_error,
    phase_coverage_errors,
    template_minutes_warning,
)

ERR_ALREADY_PUBLISHED = _("Version %(number)s is already published.")
ERR_TEMPLATE_WITHOUT_BLOCKS = _("Session template “%(name)s” in “%(phase)s” has no blocks.")
ERR_PHASE_WITHOUT_TEMPLATES = _("Phase “%(name)s” has no session templates.")
# Translators: where in the program (phase / session template / block), then what is wrong.
ERR_BLOCK_EXERCISE = _("%(phase)s / %(template)s / %(block)s: %(problem)s")


def version_structure_problems(*, version: ProgramVersion) -> tuple[list[str], list[str]]:
    """(errors, warnings) for a version: errors block publishing, warnings are shown."""
    phases = list(
        version.phases.prefetch_related("templates__blocks__prescriptions__exercise").order_by(
            "start_week"
        )
    )
    errors = phase_coverage_errors(PhaseRange(p.name, p.start_week, p.end_week) for p in phases)
    warnings = []
    for phase in phases:
        templates = list(phase.templates.all())
        if not templates:
            errors.append(ERR_PHASE_WITHOUT_TEMPLATES % {"name": phase.name})
        for template in templates:
            minutes = [b.minutes for b in template.blocks.all()]
            if not minutes:
                errors.append(ERR_TEMPLATE_WITHOUT_BLOCKS % {"name": template, "phase": phase.name})
                continue
            errors += _block_exercise_errors(phase, template)
            warning = template_minutes_warning(
                f"{phase.name} / {template}", minutes, version.session_minutes
            )
            if warning:
                warnings.append(warning)
    return errors, warnings


def _block_exercise_errors(phase: Phase, template: SessionTemplate) -> list[str]:
    """No strength exercise in a cool-down, and the like (`rules.BLOCK_EXERCISE_KINDS`)."""
    errors = []
    for block in template.blocks.all():
        for rx in block.prescriptions.all():
            problem = block_exercise_error(block.kind, rx.exercise.name, rx.exercise.kind)
            if problem:
                errors.append(
                    ERR_BLOCK_EXERCISE
                    % {
                        "phase": phase.name,
                        "template": template,
                        "block": block.get_kind_display().lower(),
                        "problem": problem,
                    }
                )
    return errors


@transaction.atomic
def version_publish(*, version: ProgramVersion) -> list[str]:
    """Publish a draft: it becomes the program's current version and never changes again.
    Returns warnings (e.g. minutes); raises ValidationError listing every structural error."""
    version = ProgramVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(ERR_ALREADY_PUBLISHED, params={"number": version.number})
    errors, warnings = version_structure_problems(version=version)
    if errors:
        raise ValidationError(errors)
    version.status = ProgramVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.full_clean()
    version.save(update_fields=["status", "published_at"])
    return warnings


def _next_number(program_id: int) -> int:
    top = ProgramVersion.objects.filter(program_id=program_id).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


@transaction.atomic
def version_clone_as_draft(*, version: ProgramVersion) -> ProgramVersion:
    """A new draft with a deep copy of the version's content: a fixed number of queries,
    whatever the program's size (one bulk insert per level)."""
    draft = ProgramVersion.objects.create(
        program_id=version.program_id,
        number=_next_number(version.program_id),
        label=version.label,
        cloned_from=version,
        session_minutes=version.session_minutes,
        sessions_per_week=version.sessions_per_week,
        start_week=version.start_week,
        adherence_threshold_percent=version.adherence_threshold_percent,
        weekly_minutes_target=version.weekly_minutes_target,
        notes_en=version.notes_en,
        notes_es=version.notes_es,
        facts=version.facts,
    )
    phases = list(Phase.objects.filter(version=version).order_by("pk"))
    templates = list(SessionTemplate.objects.filter(phase__version=version).order_by("pk"))
    blocks = list(Block.objects.filter(template__phase__version=version).order_by("pk"))
    prescriptions = list(
        Prescription.objects.filter(block__template__phase__version=version).order_by("pk")
    )
    phase_map = _copy_rows(phases, version=draft)
    template_map = _copy_rows(templates, parent_field="phase", parent_map=phase_map)
    block_map = _copy_rows(blocks, parent_field="template", parent_map=template_map)
    _copy_rows(prescriptions, parent_field="block", parent_map=block_map)
    return draft


def _copy_rows(rows, *, version=None, parent_field=None, parent_map=None) -> dict:
    if not rows:
        return {}
    old_ids = [row.pk for row in rows]
    for row in rows:
        row.pk = None
        row.id = None
        if version is not None:
            row.version = version
        else:
            setattr(row, f"{parent_field}_id", parent_map[getattr(row, f"{parent_field}_id")])
    created = type(rows[0]).objects.bulk_create(rows)
    return dict(zip(old_ids, [row.pk for row in created], strict=True))
