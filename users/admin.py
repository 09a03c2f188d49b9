from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ApiToken, CareLink, Consent, Invitation, User


class ConsentInline(admin.TabularInline):
    """Her agreements to the privacy notice: a record, never edited."""

    model = Consent
    extra = 0
    can_delete = False
    fields = ["notice_version", "consented_at", "age_confirmed"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Deleting a user here deletes at once, through the same purge as a client's own request
    after its grace period (`services.user_delete`): everything about her goes, the admin's
    history of her records keeps ids only."""

    ordering = ["email"]
    list_display = ["email", "full_name", "role", "pt_approved", "is_staff", "is_active"]
    list_filter = [
        "role",
        "pt_approved",
        "is_staff",
        "is_active",
        ("deletion_requested_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal"), {"fields": ("full_name", "time_zone", "language")}),
        (_("Role"), {"fields": ("role", "pt_approved")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "deletion_requested_at")}),
    )
    readonly_fields = ["deletion_requested_at"]
    inlines = [ConsentInline]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "role", "pt_approved", "password1", "password2"),
            },
        ),
    )
    actions = ["approve_pts"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_deleted_objects(self, objs, request):
        """Her records go with her account through the purge, not one by one: the admins of
        records that may not be deleted on their own (safety items, the audit trail...) do not stop
        it. Protected records (a PT's clearances of her clients) still do."""
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def delete_model(self, request, obj):
        services.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete(user=user)

    def response_delete(self, request, obj_display, obj_id):
        # The confirmation names the account by id: her name is gone with her.
        return super().response_delete(request, f"#{obj_id}", obj_id)

    @admin.action(description=_("Approve selected physical therapists"))
    def approve_pts(self, request, queryset):
        approved = 0
        for pt in queryset.filter(role=User.Role.PT, pt_approved=False):
            services.pt_approve(pt=pt)
            approved += 1
        self.message_user(
            request,
            ngettext("%(n)d PT account approved.", "%(n)d PT accounts approved.", approved)
            % {"n": approved},
            messages.SUCCESS,
        )


@admin.register(CareLink)
class CareLinkAdmin(admin.ModelAdmin):
    list_display = ["pt", "client", "started_at", "ended_at"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["pt__email", "pt__full_name", "client__email", "client__full_name"]
    autocomplete_fields = ["pt", "client"]
    readonly_fields = ["started_at", "ended_at", "created_by", "ended_by"]
    actions = ["unlink"]

    def has_change_permission(self, request, obj=None):
        # A link is created or ended, never edited: that keeps the history honest.
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Unlink (keeps all history)"))
    def unlink(self, request, queryset):
        for link in queryset.filter(ended_at__isnull=True):
            services.care_link_end(link=link, ended_by=request.user)
        self.message_user(request, _("Links ended."), messages.SUCCESS)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "pt", "created_at", "expires_at", "accepted_at"]
    search_fields = ["email", "pt__email"]
    readonly_fields = [
        "pt",
        "email",
        "token_hash",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
    ]

    def has_add_permission(self, request):
        return False  # PTs invite from the app, which e-mails the link


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Signed-in apps and devices: an admin can see them and revoke one (delete). Keys are
    never shown (only a hash is stored); tokens are made by signing in, never here."""

    list_display = ["user", "name", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__email", "name"]
    fields = ["user", "name", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
