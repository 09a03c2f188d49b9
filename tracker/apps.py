from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_data_version_triggers(sender, using="default", **kwargs):
    """After every migrate (and flush): the database's data-version triggers are this code's
    (tracker/versions.py)."""
    from .versions import install_triggers

    install_triggers(using)


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Pregnancy tracker")

    def ready(self):
        post_migrate.connect(
            _install_data_version_triggers, sender=self, dispatch_uid="data_version_triggers"
        )
