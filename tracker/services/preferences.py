"""A user's reminder preferences (NotificationSettings), written here for every door: the web
page (tracker/views/notifications.py) and the API (/api/v1/me/preferences/).

Which settings a user has follows her role, as the web page shows them: a physical therapist
(approved) has the PT's reminders, everyone else a client's. Urgent alerts and safety messages
(NotificationSettings.ALWAYS_ON) cannot be switched off (SAFETY.md section 1): asking to is
refused, asking to keep them on changes nothing. Quiet hours need both ends, or neither.
Push notifications (`<kind>_push`) can be turned on only when the server has VAPID keys."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from users.models import User

from ..models import NotificationSettings
from ..reminders.webpush import push_available

ERR_ALWAYS_ON = _(
    "These messages cannot be switched off: they are about someone's safety. You can choose "
    "how they reach you."
)
ERR_NOT_YOUR_SETTING = _("This setting is not one of yours: nothing was saved.")
ERR_QUIET_HOURS_BOTH = _("Give both the start and the end of your quiet hours, or neither.")
ERR_PUSH_OFF = _(
    "Notifications on your phone are not available on this Prenafit server: nothing was saved."
)
PUSH_SETTINGS = frozenset(
    ("session_upcoming_push", "session_missed_push", "assessment_due_push", "pt_alert_push",
     "pt_digest_push")
)  # fmt: skip

# The settings each role has (the web page shows the same ones).
CLIENT_SETTINGS = (
    "session_upcoming", "session_upcoming_channel", "session_mode", "session_lead_minutes",
    "digest_time", "session_missed", "session_missed_channel", "assessment_due",
    "assessment_due_channel", "weekly_check_in",
    "session_upcoming_push", "session_missed_push", "assessment_due_push",
)  # fmt: skip
PT_SETTINGS = (
    "pt_alert_channel", "pt_digest", "pt_digest_channel", "pt_alert_push", "pt_digest_push",
)  # fmt: skip
SHARED_SETTINGS = ("quiet_start", "quiet_end")
CLIENT_ALWAYS_ON = ("rescreen_due",)
PT_ALWAYS_ON = ("pt_alert",)


def notification_settings_fields(user: User) -> tuple[str, ...]:
    """The NotificationSettings fields this user may change."""
    own = PT_SETTINGS if user.is_active_pt else CLIENT_SETTINGS
    return own + SHARED_SETTINGS


def notification_settings_always_on(user: User) -> tuple[str, ...]:
    """The kinds of message this user gets that cannot be switched off."""
    return PT_ALWAYS_ON if user.is_active_pt else CLIENT_ALWAYS_ON


@transaction.atomic
def notification_settings_update(*, user: User, **changes) -> NotificationSettings:
    """Change some of her reminder settings (NotificationSettings field names; an always-on
    kind's name with True or False). Refused as a whole, with the message next to each field,
    when one change is not allowed."""
    prefs, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    allowed = notification_settings_fields(user)
    always_on = notification_settings_always_on(user)
    errors: dict[str, list] = {}
    fields = []
    for name, value in changes.items():
        if name in always_on:
            if not value:
                errors.setdefault(name, []).append(ERR_ALWAYS_ON)
            continue  # on it stays
        if name not in allowed:
            errors.setdefault(name, []).append(ERR_NOT_YOUR_SETTING)
            continue
        if name in PUSH_SETTINGS and value and not push_available():
            errors.setdefault(name, []).append(ERR_PUSH_OFF)
            continue
        setattr(prefs, name, value)
        fields.append(name)
    if not errors and (prefs.quiet_start is None) != (prefs.quiet_end is None):
        missing = "quiet_start" if prefs.quiet_start is None else "quiet_end"
        errors[missing] = [ERR_QUIET_HOURS_BOTH]
    if errors:
        raise ValidationError(errors)
    prefs.full_clean()
    if fields:
        prefs.save(update_fields=fields)
    return prefs
