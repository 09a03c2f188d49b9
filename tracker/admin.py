from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from programs.admin import (
    BlockAdmin,
    ExerciseAdmin,
    PhaseAdmin,
    ProgramAdmin,
    ProgramVersionAdmin,
    SessionTemplateAdmin,
)
from programs.models import Block, Exercise, Phase, Program, ProgramVersion, SessionTemplate
from programs.selectors import current_version

from . import services
from .language import history_reader, speaking_to
from .models import (
    Alert,
    Assessment,
    AuditEvent,
    Clearance,
    Delivery,
    Enrolment,
    ExerciseSwap,
    Notification,
    OdiSection,
    PlanChange,
    PregnancyProfile,
    PTNote,
    PushSubscription,
    SafetyItem,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
    SessionLog,
    SessionLogRevision,
)
from .safety import sign_labels
from .selectors import local_today
from .services.enrolment import enrolments_to_move, schedule_move_clients


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(TranslationAdmin):
    list_display = ["text", "kind", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["text", "key"]


def _audit_label(template: str, **parts) -> str:
    """An audit row's fixed label, in English whatever the admin's language (a model's
    verbose name may be translated)."""
    with translation.override("en"):
        return template.format(**{name: str(value) for name, value in parts.items()})


class AuditedAdmin(admin.ModelAdmin):
    """Every look at a health record in the admin is recorded in the audit log: who, when,
    which clients (the ids on a list's page), which record; never values."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:  # a list was shown (not a redirect): the ids on its page
            services.audit_record(
                actor=request.user,
                client=None,
                clients=[c.pk for c in _clients_of(changelist.result_list)],
                action=AuditEvent.Action.VIEW,
                what=_audit_label(
                    "admin list of {names}", names=self.model._meta.verbose_name_plural
                ),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            clients = _clients_of([obj])
            services.audit_record(
                actor=request.user,
                client=clients[0] if len(clients) == 1 else None,
                clients=[c.pk for c in clients],
                action=AuditEvent.Action.VIEW,
                what=_audit_label("admin {name}", name=self.model._meta.verbose_name),
                obj=obj,
            )
        return super().change_view(request, object_id, form_url, extra_context)


class ReadOnlyAdmin(AuditedAdmin):
    """Health records are written by the app; the admin shows them (audited)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _clients_of(records) -> list:
    """The clients these health records are about: `client`, or for a notice the client it is
    about, or its recipient when she is a client (one query)."""
    from users.models import User

    ids = {
        getattr(record, name, None)
        for record in records
        for name in ("client_id", "about_client_id", "recipient_id")
    } - {None}
    if not ids:
        return []
    return list(User.objects.filter(pk__in=ids, role=User.Role.CLIENT).order_by("pk"))


def _refusal(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@admin.register(PregnancyProfile)
class PregnancyProfileAdmin(ReadOnlyAdmin):
    list_display = ["client", "due_date", "birth_date", "ended_on"]
    list_filter = [("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client"]
    actions = ["undo_ended"]

    @admin.action(description=_("Undo “pregnancy ended” (recorded by mistake)"))
    def undo_ended(self, request, queryset):
        """Through the service (SAFETY.md section 5): her program goes on, recorded in her
        plan history and the audit log."""
        done = 0
        for profile in queryset.select_related("client"):
            try:
                services.pregnancy_reopen(
                    client=profile.client, by=request.user, today=local_today(profile.client)
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{profile.client}: {_refusal(exc)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d pregnancy reopened.", "%(n)d pregnancies reopened.", done)
                % {"n": done},
                messages.SUCCESS,
            )


@admin.register(SafetyItem)
class SafetyItemAdmin(ReadOnlyAdmin):
    """Her open and closed safety items (SAFETY.md section 1). Opened and closed only by the
    safety service: read-only here, with the review action."""

    list_display = [
        "opened_at",
        "client",
        "kind",
        "state",
        "what",
        "needs_review",
        "closed_how",
        "closed_at",
    ]
    list_filter = [
        ("closed_at", admin.EmptyFieldListFilter),
        "kind",
        "needs_review",
        "closed_how",
        "opened_with_pt",
    ]
    search_fields = ["client__email", "client__full_name", "question_key"]
    list_select_related = ["client"]
    actions = ["mark_reviewed"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("state"))
    def state(self, obj):
        return _("open") if obj.closed_at is None else _("closed")

    @admin.display(description=_("sign or question"))
    def what(self, obj):
        return ", ".join(sign_labels(obj.signs)) or obj.question_key or obj.reason

    @admin.action(description=_("Mark reviewed (open relative answers, items flagged for review)"))
    def mark_reviewed(self, request, queryset):
        done = 0
        for item in queryset.select_related("client"):
            with speaking_to(history_reader(item.client)):  # her PT reads the note
                note = gettext("Reviewed in the admin by %(admin)s") % {"admin": request.user}
            try:
                services.item_review(
                    item=item, by=request.user, note=note, today=local_today(item.client)
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{item.client} (#{item.pk}): {_refusal(exc)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d item marked reviewed.", "%(n)d items marked reviewed.", done)
                % {"n": done},
                messages.SUCCESS,
            )


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdmin):
    list_display = ["client", "submitted_at", "result"]
    list_filter = ["result"]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client"]


@admin.register(Clearance)
class ClearanceAdmin(AuditedAdmin):
    list_display = [
        "client",
        "provider",
        "cleared_on",
        "self_reported",
        "recorded_by",
        "recorded_at",
    ]
    list_filter = ["self_reported"]
    search_fields = ["client__email", "client__full_name", "provider"]
    readonly_fields = ["self_reported", "recorded_by", "recorded_at", "screening"]
    fields = [
        "client",
        "provider",
        "cleared_on",
        "note",
        "self_reported",
        "screening",
        "recorded_by",
        "recorded_at",
    ]
    autocomplete_fields = ["client"]
    list_select_related = ["client", "recorded_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Through the service: it closes her open items and resumes her sessions, as it does
        # for a PT.
        try:
            created = services.clearance_record(
                client=obj.client,
                recorded_by=request.user,
                provider=obj.provider,
                note=obj.note,
                today=local_today(obj.client),
                cleared_on=obj.cleared_on,
            )
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, _refusal(exc), messages.ERROR)
            return
        obj.pk = created.pk


# --- moving clients to another program version: asked first, then done ------------------

MOVE_QUESTION = ngettext_lazy(
    "Move %(n)d client to %(program)s, version %(number)s?",
    "Move %(n)d clients to %(program)s, version %(number)s?",
    "n",
)
MOVE_QUESTION_CURRENT = ngettext_lazy(
    "Move %(n)d client to her program's current version?",
    "Move %(n)d clients to their program's current version?",
    "n",
)
MOVE_EXPLAINED = _(
    "Their sessions from tomorrow that are not logged yet take the new version's content and "
    "keep their links and calendar entries. Logged sessions, and everything before, stay "
    "exactly as they are. Each client's plan history and the audit log record the move."
)
MOVE_DONE = ngettext_lazy(
    "%(n)d client moved to %(program)s, version %(number)s. Logged sessions were kept.",
    "%(n)d clients moved to %(program)s, version %(number)s. Logged sessions were kept.",
    "n",
)
MOVE_NOBODY = _(
    "Nobody to move: every client of %(program)s whose program is still going on already "
    "follows version %(number)s."
)
MOVE_NOBODY_SELECTED = _(
    "Nobody to move: the selected clients already follow their program's current version, "
    "or their program has ended."
)
MOVE_ONE_VERSION = _("Choose one version to move clients to.")
MOVE_DRAFT = _("Version %(n)s is a draft: publish it first.")


def _version_words(version) -> dict:
    return {"program": version.program.name, "number": version.number}


def _move_question(count: int, version) -> str:
    return MOVE_QUESTION % {"n": count, **_version_words(version)}


def _moved_message(count: int, version) -> str:
    return MOVE_DONE % {"n": count, **_version_words(version)}


def _move_confirmation(model_admin, request, queryset, question: str, action: str):
    """The intermediate page (as for "delete selected"): the question, then a form that posts
    the same action again with post=yes."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": question,
        "explained": MOVE_EXPLAINED,
        "queryset": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/tracker/move_clients_confirmation.html", context)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["client", "program_version", "created_at"]
    list_filter = ["program_version__program"]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client", "program_version__program"]
    readonly_fields = [
        "client",
        "program_version",
        "weekdays",
        "start_time",
        "time_zone",
        "created_at",
        "ended_at",
    ]
    exclude = ["feed_token"]
    actions = ["move_to_current_version"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Move future unlogged sessions to the program's current version"))
    def move_to_current_version(self, request, queryset):
        """Asks first (how many clients, to which version), then moves them."""
        moves = []  # (target version, the selected enrolments it concerns)
        programs = {
            e.program_version.program for e in queryset.select_related("program_version__program")
        }
        for program in sorted(programs, key=lambda p: p.pk):
            target = current_version(program=program)
            if target is not None:
                chosen = enrolments_to_move(version=target).filter(pk__in=queryset.values("pk"))
                moves.append((target, chosen))
        count = sum(chosen.count() for _target, chosen in moves)
        if not count:
            self.message_user(request, MOVE_NOBODY_SELECTED, messages.WARNING)
            return None
        if request.POST.get("post") != "yes":
            if len(moves) == 1:
                question = _move_question(count, moves[0][0])
            else:
                question = MOVE_QUESTION_CURRENT % {"n": count}
            return _move_confirmation(self, request, queryset, question, "move_to_current_version")
        for target, chosen in moves:
            moved = schedule_move_clients(enrolments=chosen, version=target, by=request.user)
            if moved:
                self.message_user(request, _moved_message(len(moved), target), messages.SUCCESS)
        return None


@admin.register(ScheduledSession)
class ScheduledSessionAdmin(ReadOnlyAdmin):
    list_display = ["date", "client", "template", "gestational_week", "status", "version"]
    list_filter = ["status", "version__program"]
    search_fields = ["client__email", "client__full_name"]
    date_hierarchy = "date"
    list_select_related = ["client", "template", "version__program"]


class RevisionInline(admin.TabularInline):
    model = SessionLogRevision
    extra = 0
    can_delete = False
    readonly_fields = ["edited_at", "edited_by", "snapshot"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SessionLog)
class SessionLogAdmin(ReadOnlyAdmin):
    inlines = [RevisionInline]
    list_display = ["performed_on", "client", "status", "flagged"]
    list_filter = ["status", "flagged"]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["taken_on", "client", "kind", "gestational_week", "urgent"]
    list_filter = ["kind", "urgent"]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "client",
        "kind",
        "signs_in_words",
        "pt",
        "acknowledged_by",
        "acknowledged_at",
        "escalated_at",
    ]
    list_filter = [
        "kind",
        ("acknowledged_at", admin.EmptyFieldListFilter),
        ("escalated_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client", "acknowledged_by", "pt"]

    @admin.display(description=_("signs"))
    def signs_in_words(self, obj):
        return ", ".join(sign_labels(obj.signs))


@admin.register(PTNote)
class PTNoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "author"]
    search_fields = ["client__email", "client__full_name", "author__email"]
    list_select_related = ["client", "author"]


@admin.register(ExerciseSwap)
class ExerciseSwapAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "original", "replacement", "created_by", "ended_at"]
    list_select_related = ["client", "original", "replacement", "created_by"]


@admin.register(PlanChange)
class PlanChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "client", "changed_by", "description"]
    search_fields = ["client__email", "client__full_name", "description"]
    list_select_related = ["client", "changed_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Who viewed or changed which clients' data: ids and labels only. Append-only."""

    list_display = ["at", "actor_ref", "actor", "action", "what", "client_ids", "object_label"]
    list_filter = ["action", ("at", admin.DateFieldListFilter), "actor"]
    search_fields = ["actor__email", "what", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    @admin.display(description=_("record"))
    def object_label(self, event):
        return f"{event.object_type} #{event.object_id}" if event.object_id else ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every reminder and alert e-mail with its state; failed ones can be retried."""

    list_display = [
        "due_at",
        "recipient",
        "kind",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "skip_reason",
        "last_error",
    ]
    list_filter = ["status", "kind", "channel", ("due_at", admin.DateFieldListFilter)]
    search_fields = ["recipient__email", "object_key"]
    date_hierarchy = "due_at"
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry (put failed deliveries back in line)"))
    def retry(self, request, queryset):
        n = queryset.filter(status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PENDING, attempts=0, enqueued_at=None
        )
        self.message_user(
            request,
            ngettext(
                "%(n)d delivery will be retried by the next dispatcher run.",
                "%(n)d deliveries will be retried by the next dispatcher run.",
                n,
            )
            % {"n": n},
        )


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Devices set up for push notifications (issue 17): which and when, never their keys or
    endpoint (the push service's address for the device). Deleting one stops its pushes."""

    list_display = ["user", "browser", "created_at", "last_success_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", "browser", "created_at", "last_success_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OdiSection)
class OdiSectionAdmin(TranslationAdmin):
    """Replace the paraphrases with the licensed wording here; scoring does not change."""

    list_display = ["number", "title", "paraphrased", "may_decline"]
    ordering = ["number"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "urgent", "read_at"]
    list_filter = ["kind", "urgent"]
    search_fields = ["recipient__email", "title"]
    list_select_related = ["recipient"]


# --- programs: every edit in the admin is audited -------------------------------------------
# `programs` imports no other app, so its admins are re-registered here with the audit added
# (ids and fixed labels only: the model's name and what happened).

AUDIT_PROGRAM_EDIT = "program edit: {model} {verb}"
AUDIT_VERSION_PUBLISHED = "program version published"
AUDIT_VERSION_CLONED = "program version cloned as a draft"


def _audit_program(request, obj, what: str, pk=None) -> None:
    # A deleted object has lost its pk: an unsaved stand-in carries its type and old id.
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.CHANGE,
        what=what,
        obj=obj if pk is None else type(obj)(pk=pk),
    )


def _audit_edit(request, obj, verb: str, pk=None) -> None:
    what = _audit_label(AUDIT_PROGRAM_EDIT, model=obj._meta.verbose_name, verb=verb)
    _audit_program(request, obj, what, pk=pk)


class ProgramEditAuditMixin:
    """Add, change and delete of the object and of every inline row, one audit row each."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_edit(request, obj, "changed" if change else "added")

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        _audit_edit(request, obj, "deleted", pk=pk)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            doomed = [(obj, obj.pk) for obj in queryset]
            super().delete_queryset(request, queryset)
            for obj, pk in doomed:
                _audit_edit(request, obj, "deleted", pk=pk)

    def save_formset(self, request, form, formset, change):
        doomed = {id(f.instance): f.instance.pk for f in formset.deleted_forms}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _audit_edit(request, obj, "added")
        for obj, _fields in formset.changed_objects:
            _audit_edit(request, obj, "changed")
        for obj in formset.deleted_objects:
            _audit_edit(request, obj, "deleted", pk=doomed.get(id(obj)))


for _model, _base in (
    (Exercise, ExerciseAdmin),
    (Program, ProgramAdmin),
    (Phase, PhaseAdmin),
    (SessionTemplate, SessionTemplateAdmin),
    (Block, BlockAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(
        _model, type(f"Audited{_base.__name__}", (ProgramEditAuditMixin, _base), {})
    )


# Program versions, with how many clients each one serves and an action to move them on.
admin.site.unregister(ProgramVersion)


@admin.register(ProgramVersion)
class ProgramVersionWithClientsAdmin(ProgramEditAuditMixin, ProgramVersionAdmin):
    list_display = [*ProgramVersionAdmin.list_display, "client_count"]
    actions = [*ProgramVersionAdmin.actions, "move_clients_here"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_clients=Count("enrolments", distinct=True))

    @admin.display(description=_("clients enrolled"), ordering="n_clients")
    def client_count(self, obj):
        return obj.n_clients

    def version_published(self, request, version):
        _audit_program(request, version, AUDIT_VERSION_PUBLISHED)

    def version_cloned(self, request, version, draft):
        _audit_program(request, draft, AUDIT_VERSION_CLONED)

    @admin.action(description=_("Move enrolled clients' future unlogged sessions to this version"))
    def move_clients_here(self, request, queryset):
        """Asks first ("Move 12 clients to Aparicio 2023, version 3?"), then moves them."""
        versions = list(queryset.select_related("program")[:2])
        if len(versions) != 1:
            self.message_user(request, MOVE_ONE_VERSION, messages.ERROR)
            return None
        (version,) = versions
        if not version.is_published:
            self.message_user(request, MOVE_DRAFT % {"n": version.number}, messages.ERROR)
            return None
        enrolments = enrolments_to_move(version=version)
        count = enrolments.count()
        if not count:
            self.message_user(request, MOVE_NOBODY % _version_words(version), messages.WARNING)
            return None
        if request.POST.get("post") != "yes":
            question = _move_question(count, version)
            return _move_confirmation(self, request, queryset, question, "move_clients_here")
        moved = schedule_move_clients(enrolments=enrolments, version=version, by=request.user)
        self.message_user(request, _moved_message(len(moved), version), messages.SUCCESS)
        return None
