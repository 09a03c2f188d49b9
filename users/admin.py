from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import CareLink, Invitation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "pt_approved", "is_staff", "is_active"]
    list_filter = ["role", "pt_approved", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal"), {"fields": ("full_name", "time_zone", "language")}),
        (_("Role"), {"fields": ("role", "pt_approved")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
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

    @admin.action(description=_("Approve selected physical therapists"))
    def approve_pts(self, request, queryset):
        approved = 0
        for pt in queryset.filter(role=User.Role.PT, pt_approved=False):
            services.pt_approve(pt=pt)
            approved += 1
        self.message_user(request, _("%d PT account(s) approved.") % approved, messages.SUCCESS)


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
