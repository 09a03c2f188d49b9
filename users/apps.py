from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _second_factor_changed(sender, instance, **kwargs):
    """Turning two-factor sign-in on or off (web, admin, any door) ends every API token of
    the account: a token minted under the old rule must not outlive it."""
    from allauth.mfa.models import Authenticator

    from .services import api_tokens_revoke

    if instance.type == Authenticator.Type.TOTP and kwargs.get("created", True):
        api_tokens_revoke(user=instance.user)


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = _("Users and care links")

    def ready(self):
        from allauth.mfa.models import Authenticator
        from django.db.models.signals import post_delete, post_save

        post_save.connect(_second_factor_changed, sender=Authenticator, dispatch_uid="mfa-on")
        post_delete.connect(_second_factor_changed, sender=Authenticator, dispatch_uid="mfa-off")

        from . import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
