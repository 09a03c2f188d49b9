from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from programs.admin import ProgramVersionAdmin
from programs.models import ProgramVersion
from programs.selectors import current_version

from . import services
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
    SafetyItem,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
    SessionLog,
    SessionLogRevision,
)
from .safety import sign_labels, state_of
from .selectors import local_today


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["text", "key"]


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
                what=f"admin list of {self.model._meta.verbose_name_plural}",
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
                what=f"admin {self.model._meta.verbose_name}",
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
                request, _("%(n)d pregnancy(ies) reopened.") % {"n": done}, messages.SUCCESS
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
        note = f"Reviewed in the admin by {request.user}"
        for item in queryset.select_related("client"):
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
                request, _("%(n)d item(s) marked reviewed.") % {"n": done}, messages.SUCCESS
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
        moved = 0
        for enrolment in queryset.select_related("program_version__program", "client"):
            target = current_version(program=enrolment.program_version.program)
            if target is None or target.pk == enrolment.program_version_id:
                continue
            if state_of(enrolment.client).finished:
                continue
            services.schedule_move_to_version(
                enrolment=enrolment, version=target, today=local_today(enrolment.client)
            )
            moved += 1
        self.message_user(
            request,
            _("%(n)d client(s) moved; logged sessions were kept as they are.") % {"n": moved},
            messages.SUCCESS,
        )


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
        "status",
        "attempts",
        "sent_at",
        "skip_reason",
        "last_error",
    ]
    list_filter = ["status", "kind", ("due_at", admin.DateFieldListFilter)]
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
            request, _("%(n)d delivery(ies) will be retried by the next dispatcher run.") % {"n": n}
        )


@admin.register(OdiSection)
class OdiSectionAdmin(admin.ModelAdmin):
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


# Program versions, with how many clients each one serves and an action to move them on.
admin.site.unregister(ProgramVersion)


@admin.register(ProgramVersion)
class ProgramVersionWithClientsAdmin(ProgramVersionAdmin):
    list_display = [*ProgramVersionAdmin.list_display, "client_count"]
    actions = [*ProgramVersionAdmin.actions, "move_clients_here"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_clients=Count("enrolments", distinct=True))

    @admin.display(description=_("clients enrolled"), ordering="n_clients")
    def client_count(self, obj):
        return obj.n_clients

    @admin.action(description=_("Move enrolled clients' future unlogged sessions to this version"))
    def move_clients_here(self, request, queryset):
        for version in queryset:
            if not version.is_published:
                self.message_user(
                    request,
                    _("Version %(n)s is a draft: publish it first.") % {"n": version.number},
                    messages.ERROR,
                )
                continue
            enrolments = (
                Enrolment.objects.filter(program_version__program=version.program)
                .filter(
                    client__pregnancy__birth_date__isnull=True,
                    client__pregnancy__ended_on__isnull=True,
                )
                .exclude(program_version=version)
            )
            moved = 0
            for enrolment in enrolments.select_related("client"):
                services.schedule_move_to_version(
                    enrolment=enrolment, version=version, today=local_today(enrolment.client)
                )
                moved += 1
            self.message_user(
                request,
                _("%(n)d client(s) moved to version %(v)s; logged sessions were kept.")
                % {"n": moved, "v": version.number},
                messages.SUCCESS,
            )
