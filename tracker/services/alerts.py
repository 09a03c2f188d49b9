"""Alerts for a client's PT: the record, the in-app notification (the e-mail is sent by the
reminders through Celery). Never put scores or symptom answers in the text."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from users.selectors import active_link_for_client

from ..models import Alert, Delivery, Notification, ReminderKind

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
            url=reverse("tracker:pt_client", args=[client.pk]),
            urgent=True,
        )
        # The e-mail goes out at once (after commit), through Celery. If the broker is down
        # the row waits and the next dispatcher run sends it.
        delivery = Delivery.objects.create(
            recipient=link.pt,
            kind=ReminderKind.PT_ALERT,
            object_key=f"alert:{alert.pk}",
            due_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue(delivery.pk))
    return alert


def _enqueue(delivery_id: int) -> None:
    from ..tasks import enqueue_delivery

    if enqueue_delivery(delivery_id):
        Delivery.objects.filter(pk=delivery_id, enqueued_at__isnull=True).update(
            enqueued_at=timezone.now()
        )
