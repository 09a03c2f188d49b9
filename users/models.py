import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from config.validators import single_line

from .timezones import is_valid_time_zone

# She can cancel the deletion of her account for this long; then everything about her goes.
DELETION_GRACE = datetime.timedelta(days=7)


def validate_time_zone(value: str) -> None:
    if not is_valid_time_zone(value):
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in by e-mail. Clients and PTs by role; admins are staff."""

    class Role(models.TextChoices):
        CLIENT = "client", _("Client")
        PT = "pt", _("Physical therapist")

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(
        _("full name"), max_length=150, blank=True, validators=[single_line]
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CLIENT)
    pt_approved = models.BooleanField(
        _("PT approved"),
        default=False,
        help_text=_("A PT who signed up can see clients only once an admin approves her."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # She asked to delete her account: everything about her is purged after the grace period
    # (tracker.services.accounts) unless she cancels before then.
    deletion_requested_at = models.DateTimeField(_("deletion requested at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def save(self, *args, **kwargs):
        """Every API token of the account dies when her password changes (any door: reset,
        change, admin, command), when she is deactivated, and while a PT is not approved."""
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed or not self.is_active or self.is_pending_pt:
            ApiToken.objects.filter(user=self).delete()

    @property
    def deletion_due(self) -> datetime.datetime | None:
        """When her account goes, if she asked to delete it (the purge runs daily from then)."""
        if self.deletion_requested_at is None:
            return None
        return self.deletion_requested_at + DELETION_GRACE

    @property
    def is_client(self) -> bool:
        return self.role == self.Role.CLIENT and not self.is_staff

    @property
    def is_active_pt(self) -> bool:
        """A PT who may see her clients (approved, or created by an admin)."""
        return self.role == self.Role.PT and self.pt_approved

    @property
    def is_pending_pt(self) -> bool:
        return self.role == self.Role.PT and not self.pt_approved


class CareLink(models.Model):
    """A PT looks after a client. Unlinking ends the link (keeps the row and all history)."""

    pt = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="client_links",
        limit_choices_to={"role": "pt"},
        # Translators: the physical therapist (fisioterapeuta).
        verbose_name=_("PT"),
    )
    client = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="pt_links",
        limit_choices_to={"role": "client"},
        verbose_name=_("client"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    ended_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("care link")
        verbose_name_plural = _("care links")
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(ended_at__isnull=True),
                name="one_active_pt_per_client",
                violation_error_message=_("This client already has an active PT."),
            ),
        ]

    def __str__(self) -> str:
        if self.ended_at is None:
            return _("%(pt)s → %(client)s (active)") % {"pt": self.pt, "client": self.client}
        return _("%(pt)s → %(client)s (ended)") % {"pt": self.pt, "client": self.client}

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def clean(self) -> None:
        if self.pt_id and self.pt.role != User.Role.PT:
            raise ValidationError({"pt": _("Only a physical therapist can look after a client.")})
        if self.client_id and self.client.role != User.Role.CLIENT:
            raise ValidationError({"client": _("Only a client can be linked to a PT.")})


class Invitation(models.Model):
    """A PT invites a client by e-mail. The link works once and expires after 14 days.
    Only a hash of the token is stored."""

    pt = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="invitations",
        # Translators: the physical therapist (fisioterapeuta).
        verbose_name=_("PT"),
    )
    email = models.EmailField(_("email address"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return _("%(pt)s invited %(email)s") % {"pt": self.pt, "email": self.email}


class ApiToken(AbstractAuthToken):
    """One app's sign-in to the API (django-rest-knox: only a hash of the key is stored). It
    expires 30 days after its last use; she can list and revoke hers."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)
    name = models.CharField(_("device"), max_length=100, blank=True, validators=[single_line])
    # knox's own fields, declared again only to give the admin translated labels (same
    # definitions as knox.models.AbstractAuthToken).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=False,
        blank=False,
        related_name="auth_token_set",
        on_delete=models.CASCADE,
        verbose_name=_("user"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expiry = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name or _('token')} #{self.pk}"


class Consent(models.Model):
    """She agreed to the processing of her data (health data included) under one version of
    the privacy notice (PRENAFIT_PRIVACY_NOTICE_VERSION), and confirmed she is 16 or older.
    One row per version agreed to, never edited: the record of what she agreed to and when.
    Deleted with her account."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="consents", verbose_name=_("user")
    )
    notice_version = models.CharField(_("privacy notice version"), max_length=20)
    consented_at = models.DateTimeField(_("agreed at"), default=timezone.now)
    age_confirmed = models.BooleanField(_("confirmed 16 or older"), default=False)

    class Meta:
        ordering = ["-consented_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "notice_version"], name="one_consent_per_notice_version"
            ),
        ]

    def __str__(self) -> str:
        return _("Consent of %(user)s to the notice of %(version)s") % {
            "user": self.user_id,
            "version": self.notice_version,
        }


class RequestKey(models.Model):
    """One write request that carried a key (an API `Idempotency-Key` header or a web form's
    one-time token), saved in the same transaction as what the request created. A retry with
    the same key (a double click, the back button, a phone replaying days later) gets the
    first answer back instead of writing again (users/idempotency.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    route = models.CharField(max_length=200)  # the path the request was sent to
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of the request's content
    status = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)  # API answer
    location = models.CharField(max_length=500, blank=True)  # web answer: where it went next
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("request key")
        verbose_name_plural = _("request keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "route", "key"], name="one_write_per_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="request_key_age")]

    def __str__(self) -> str:
        return f"{self.route} {self.status}"
