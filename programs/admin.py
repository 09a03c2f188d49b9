from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from . import services
from .models import Block, Exercise, Phase, Prescription, Program, ProgramVersion, SessionTemplate
from .rules import (
    PhaseRange,
    block_exercise_error,
    phase_coverage_errors,
    template_minutes_warning,
)
from .selectors import version_with_content


def _version_of(obj) -> ProgramVersion | None:
    return obj.owning_version() if obj is not None and obj.pk else None


class ReadOnlyWhenPublishedMixin:
    """A published version and everything inside it is read-only in the admin."""

    def _published(self, obj) -> bool:
        if obj is None:
            return False
        version = obj if isinstance(obj, ProgramVersion) else _version_of(obj)
        return bool(version and version.is_published)

    def has_change_permission(self, request, obj=None):
        return not self._published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._published(obj) and super().has_delete_permission(request, obj)


class InlineOfVersionContentMixin:
    def _parent_published(self, obj) -> bool:
        if obj is None:
            return False
        version = obj if isinstance(obj, ProgramVersion) else _version_of(obj)
        return bool(version and version.is_published)

    def has_add_permission(self, request, obj=None):
        return not self._parent_published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._parent_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._parent_published(obj) and super().has_delete_permission(request, obj)


def _change_link(obj, label=None):
    if not obj.pk:
        return "-"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or _("Open"))


# --- exercise library -------------------------------------------------------------------


@admin.register(Exercise)
class ExerciseAdmin(TranslationAdmin):
    list_display = ["name", "kind", "body_region", "equipment", "supine", "replaced_by", "evidence"]
    list_filter = ["kind", "body_region", "supine", "evidence"]
    search_fields = ["name", "slug", "instructions", "equipment"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["replaced_by"]
    list_select_related = ["replaced_by"]


# --- programs and versions --------------------------------------------------------------


@admin.register(Program)
class ProgramAdmin(TranslationAdmin):
    list_display = ["name", "slug", "version_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_versions=Count("versions"))

    @admin.display(description=_("versions"), ordering="n_versions")
    def version_count(self, obj):
        return obj.n_versions


class PhaseInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        ranges = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            if data.get("start_week") is None or data.get("end_week") is None:
                continue
            ranges.append(PhaseRange(data.get("name", "?"), data["start_week"], data["end_week"]))
        if ranges:
            errors = phase_coverage_errors(ranges)
            if errors:
                raise ValidationError(errors)


class PhaseInline(InlineOfVersionContentMixin, TranslationTabularInline):
    model = Phase
    formset = PhaseInlineFormSet
    fields = ["name", "start_week", "end_week", "evidence", "source", "templates_link"]
    readonly_fields = ["templates_link"]
    extra = 0
    ordering = ["start_week"]

    @admin.display(description=_("session templates"))
    def templates_link(self, obj):
        return _change_link(obj, _("Templates and preview"))


@admin.register(ProgramVersion)
class ProgramVersionAdmin(ReadOnlyWhenPublishedMixin, TranslationAdmin):
    list_display = ["__str__", "program", "number", "status", "published_at", "label"]
    list_filter = ["status", "program"]
    search_fields = ["program__name", "label", "notes"]
    readonly_fields = ["status", "published_at", "cloned_from", "content_hash", "created_at"]
    fields = [
        "program",
        "number",
        "label",
        "status",
        "published_at",
        "cloned_from",
        "session_minutes",
        "sessions_per_week",
        "start_week",
        "adherence_threshold_percent",
        "weekly_minutes_target",
        "notes",
        "facts",
        "created_at",
    ]
    inlines = [PhaseInline]
    actions = ["publish", "clone_as_draft"]
    list_select_related = ["program"]

    @admin.action(description=_("Publish (makes it the current version; it can no longer change)"))
    def publish(self, request, queryset):
        for version in queryset.order_by("number"):
            try:
                warnings = services.version_publish(version=version)
            except ValidationError as exc:
                self.message_user(
                    request,
                    _("Version %(n)s was not published: %(why)s")
                    % {"n": version.number, "why": " ".join(exc.messages)},
                    messages.ERROR,
                )
                continue
            self.version_published(request, version)
            for warning in warnings:
                self.message_user(request, warning, messages.WARNING)
            self.message_user(
                request, _("Version %(n)s published.") % {"n": version.number}, messages.SUCCESS
            )

    @admin.action(description=_("Clone as a new draft"))
    def clone_as_draft(self, request, queryset):
        for version in queryset:
            draft = services.version_clone_as_draft(version=version)
            self.version_cloned(request, version, draft)
            self.message_user(
                request,
                format_html(
                    _("Draft version {draft} created from version {version}: {link}"),
                    draft=draft.number,
                    version=version.number,
                    link=_change_link(draft, _("edit it")),
                ),
                messages.SUCCESS,
            )

    # Hooks for what happened (this app imports no other; tracker's admin records them in
    # its audit log by overriding these).
    def version_published(self, request, version: ProgramVersion) -> None:
        pass

    def version_cloned(self, request, version: ProgramVersion, draft: ProgramVersion) -> None:
        pass


# --- inside a version: phases, templates, blocks, prescriptions ---------------------------


class SessionTemplateInline(InlineOfVersionContentMixin, TranslationTabularInline):
    model = SessionTemplate
    fields = ["order", "code", "name", "evidence", "blocks_link"]
    readonly_fields = ["blocks_link"]
    extra = 0

    @admin.display(description=_("blocks"))
    def blocks_link(self, obj):
        return _change_link(obj, _("Blocks"))


@admin.register(Phase)
class PhaseAdmin(ReadOnlyWhenPublishedMixin, TranslationAdmin):
    list_display = ["name", "version", "start_week", "end_week"]
    list_filter = ["version__program", "version__status"]
    search_fields = ["name", "version__program__name"]
    readonly_fields = ["version", "start_week", "end_week", "preview_link"]
    fields = ["version", "name", "start_week", "end_week", "description", "evidence", "source"]
    inlines = [SessionTemplateInline]
    list_select_related = ["version__program"]

    def get_fields(self, request, obj=None):
        return [*self.fields, "preview_link"]

    def has_add_permission(self, request):
        return False  # phases are added on their version's page, where coverage is checked

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        url = reverse("admin:programs_phase_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview one week as a client sees it"))

    def get_urls(self):
        return [
            path(
                "<int:phase_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="programs_phase_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, phase_id):
        phase = get_object_or_404(Phase.objects.select_related("version"), pk=phase_id)
        version = version_with_content(version_id=phase.version_id)
        phase = next(p for p in version.phases.all() if p.pk == phase.pk)
        templates = list(phase.templates.all())
        days = [WEEKDAYS[0], WEEKDAYS[2], WEEKDAYS[4]] * 2  # Django's own translated names
        week = (
            [
                {"day": days[i], "template": templates[i % len(templates)]}
                for i in range(min(version.sessions_per_week, 6))
            ]
            if templates
            else []
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview: %(phase)s") % {"phase": phase},
            "phase": phase,
            "version": version,
            "week": week,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/programs/phase_preview.html", context)


class BlockInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """A block whose kind changes must still suit the exercises it holds (the exercises
        themselves are checked by `Prescription.clean` on the block's own page)."""
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            kind = data.get("kind")
            changed = form.instance.pk and kind and "kind" in form.changed_data
            if not changed or data.get("DELETE"):
                continue
            for rx in form.instance.prescriptions.select_related("exercise"):
                problem = block_exercise_error(kind, rx.exercise.name, rx.exercise.kind)
                if problem:
                    form.add_error("kind", problem)


class BlockInline(InlineOfVersionContentMixin, TranslationTabularInline):
    model = Block
    formset = BlockInlineFormSet
    fields = ["order", "kind", "minutes", "evidence", "prescriptions_link"]
    readonly_fields = ["prescriptions_link"]
    extra = 0

    @admin.display(description=_("prescriptions"))
    def prescriptions_link(self, obj):
        return _change_link(obj, _("Exercises"))


@admin.register(SessionTemplate)
class SessionTemplateAdmin(ReadOnlyWhenPublishedMixin, TranslationAdmin):
    list_display = ["__str__", "phase", "total_minutes"]
    list_filter = ["phase__version__program", "phase__version__status"]
    search_fields = ["name", "code", "phase__name"]
    readonly_fields = ["phase", "total_minutes"]
    fields = [
        "phase",
        "order",
        "code",
        "name",
        "description",
        "evidence",
        "source",
        "total_minutes",
    ]
    inlines = [BlockInline]
    list_select_related = ["phase__version__program"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        from django.db.models import Sum

        return super().get_queryset(request).annotate(minutes=Sum("blocks__minutes"))

    @admin.display(description=_("minutes"))
    def total_minutes(self, obj):
        return getattr(obj, "minutes", None) or sum(b.minutes for b in obj.blocks.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        template = form.instance
        version = template.phase.version
        warning = template_minutes_warning(
            str(template), [b.minutes for b in template.blocks.all()], version.session_minutes
        )
        if warning:
            self.message_user(request, warning, messages.WARNING)


class PrescriptionInline(InlineOfVersionContentMixin, TranslationStackedInline):
    model = Prescription
    extra = 0
    autocomplete_fields = ["exercise"]
    fields = [
        ("order", "exercise"),
        ("sets", "reps", "seconds", "rest_seconds"),
        ("rpe_min", "rpe_max", "hr_max_bpm"),
        ("hr_min_pct", "hr_max_pct"),  # the old band: kept for published versions only
        ("load", "evidence"),
        "cue",
        "source",
    ]


@admin.register(Block)
class BlockAdmin(ReadOnlyWhenPublishedMixin, TranslationAdmin):
    list_display = ["__str__", "template", "kind", "minutes"]
    list_filter = ["kind", "template__phase__version__program"]
    readonly_fields = ["template"]
    fields = ["template", "order", "kind", "minutes", "notes", "evidence", "source"]
    inlines = [PrescriptionInline]
    list_select_related = ["template__phase"]

    def has_add_permission(self, request):
        return False
