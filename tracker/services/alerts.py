"""Alerts for a client's PT: the record, the in-app notification naming the sign (the e-mail,
sent by the reminders through Celery, carries no health data and no name)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..language import speaking_to
from ..models import (
    Alert,
    Delivery,
    Notification,
    NotificationSettings,
    PushSubscription,
    ReminderKind,
)
from ..safety import pt_of, sign_labels

TITLES = {
    Alert.Kind.WARNING_SIGN: _("%(client)s logged a warning sign during exercise: %(signs)s"),
    Alert.Kind.LEG_WEAKNESS: _("%(client)s reported new leg weakness"),
    Alert.Kind.RED_FLAG: _("%(client)s reported a red flag in a check-in: %(signs)s"),
    Alert.Kind.SCREENING: _(
        "%(client)s: safety screen found an absolute contraindication: %(signs)s"
    ),
}
NOTIFICATION_KIND = {
    Alert.Kind.WARNING_SIGN: Notification.Kind.WARNING_SIGN,
    Alert.Kind.LEG_WEAKNESS: Notification.Kind.LEG_WEAKNESS,
    Alert.Kind.RED_FLAG: Notification.Kind.RED_FLAG,
    Alert.Kind.SCREENING: Notification.Kind.SCREENING_BLOCKED,
}


def alert_title(alert: Alert, client) -> str:
    """The notice's title, in the active language (the PT's: see alert_raise)."""
    labels = ", ".join(sign_labels(alert.signs)) or str(alert.get_kind_display())
    return (str(TITLES[alert.kind]) % {"client": client, "signs": labels})[:200]


@transaction.atomic
def alert_raise(*, client, kind: str, signs=(), session_log=None, assessment=None) -> Alert:
    """Record the alert; if she has a PT, tell her at once (in the app, and an urgent e-mail
    after commit). `alert.pt` says who was told: None means nobody."""
    pt = pt_of(client)
    alert = Alert.objects.create(
        client=client,
        kind=kind,
        signs=list(signs),
        pt=pt,
        session_log=session_log,
        assessment=assessment,
    )
    if pt is not None:
        with speaking_to(pt):  # her PT reads it: in her PT's language, not the client's
            title = alert_title(alert, client)
        Notification.objects.create(
            recipient=pt,
            about_client=client,
            kind=NOTIFICATION_KIND[kind],
            title=title,
            url=reverse("tracker:pt_client", args=[client.pk]),
            urgent=True,
            alert=alert,
        )
        # The e-mail goes out at once (after commit), through Celery. If the broker is down
        # the row waits and the next dispatcher run sends it.
        prefs = NotificationSettings.objects.filter(user=pt).first() or NotificationSettings()
        due = timezone.now()
        deliveries = [
            Delivery.objects.create(
                recipient=pt,
                kind=ReminderKind.PT_ALERT,
                object_key=f"alert:{alert.pk}",
                due_at=due,
                channel=prefs.channel(ReminderKind.PT_ALERT),
            )
        ]
        if _wants_push(pt, prefs):  # and a push message to her phone beside it (issue 17)
            deliveries.append(
                Delivery.objects.create(
                    recipient=pt,
                    kind=ReminderKind.PT_ALERT,
                    object_key=f"alert:{alert.pk}",
                    due_at=due,
                    channel=Delivery.Channel.PUSH,
                )
            )
        for delivery in deliveries:
            transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
    return alert


def _wants_push(pt, prefs: NotificationSettings) -> bool:
    from ..reminders.webpush import push_available

    return (
        prefs.push(ReminderKind.PT_ALERT)
        and push_available()
        and PushSubscription.objects.filter(user=pt).exists()
    )


def _enqueue(delivery_id: int) -> None:
    from ..tasks import enqueue_delivery

    if enqueue_delivery(delivery_id):
        Delivery.objects.filter(pk=delivery_id, enqueued_at__isnull=True).update(
            enqueued_at=timezone.now()
        )
