"""Alerts for a client's PT: the record, the in-app notification (the e-mail is sent by the
reminders through Celery). Never put scores or symptom answers in the text."""

from django.db import transaction
from django.urls import reverse

from users.selectors import active_link_for_client

from ..models import Alert, Notification

TITLES = {
    Alert.Kind.WARNING_SIGN: "{client} logged a warning sign during exercise",
    Alert.Kind.LEG_WEAKNESS: "{client} reported new leg weakness",
    Alert.Kind.SCREENING: "{client}: safety screen found an absolute contraindication",
}
NOTIFICATION_KIND = {
    Alert.Kind.WARNING_SIGN: Notification.Kind.WARNING_SIGN,
    Alert.Kind.LEG_WEAKNESS: Notification.Kind.LEG_WEAKNESS,
    Alert.Kind.SCREENING: Notification.Kind.SCREENING_BLOCKED,
}


@transaction.atomic
def alert_raise(*, client, kind: str, session_log=None, assessment=None) -> Alert:
    alert = Alert.objects.create(
        client=client, kind=kind, session_log=session_log, assessment=assessment
    )
    link = active_link_for_client(client=client)
    if link is not None:
        Notification.objects.create(
            recipient=link.pt,
            about_client=client,
            kind=NOTIFICATION_KIND[kind],
            title=TITLES[kind].format(client=client),
            url=reverse("home"),
            urgent=True,
        )
    return alert
