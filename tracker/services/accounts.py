"""Deleting a client's account, after a grace period: she asks, her PT is told in the app (so
that she can download the report her own professional records may require), reminders to
her stop, and after GRACE a purge removes her account and everything about her. She can
cancel until then. The audit trail keeps who acted, the action and ids only.

The purge itself is `users.services.user_delete` (the admin's "delete" calls it too);
`accounts_purge` runs it for every account whose grace period is over (daily in beat, and
`manage.py purge_deleted_accounts`)."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from users.models import DELETION_GRACE, User
from users.services import user_delete, user_deletion_mark, user_deletion_unmark

from ..language import speaking_to
from ..models import Alert, AuditEvent, Delivery, Notification, ReminderKind
from .audit import audit_record

logger = logging.getLogger(__name__)

GRACE = DELETION_GRACE
ERR_DELETE_NOT_A_CLIENT = _(
    "Only a client deletes her own account here. Ask an administrator to delete other accounts."
)
# What her PT is told in the app (in her PT's language).
DELETION_ASKED_TITLE = _(
    "%(client)s asked on %(asked)s to delete her account: download her report if your records "
    "need it"
)
DELETION_ASKED_BODY = _(
    "%(client)s asked on %(asked)s to delete her Prenafit account. Everything about her will be "
    "deleted after %(due)s. If your own professional records require it, download her "
    "printable report (or the CSV on her page) before then."
)
DELETION_CANCELLED_TITLE = _("%(client)s cancelled the deletion of her account")
DELETION_CANCELLED_BODY = _(
    "%(client)s cancelled on %(asked)s her request to delete her Prenafit account. Nothing was "
    "deleted."
)


def purge_due(user: User) -> dt.datetime | None:
    """When her account goes (the purge runs daily from then), or None if she has not asked."""
    return user.deletion_due


def _day(moment: dt.datetime, time_zone: str) -> str:
    """The day in the reader's zone and the active language ("4 Jan 2027")."""
    from ..reminders.timing import zone

    local = moment.astimezone(zone(time_zone))
    return date_format(local.date(), gettext("j M Y"))


def _tell_her_pt(client: User, *, title, body, now: dt.datetime) -> None:
    """An in-app notice to her PT (if she has one), about her: it goes with her account. Written
    in her PT's language and her PT's time zone."""
    from ..safety import pt_of

    pt = pt_of(client)
    if pt is None:
        return
    with speaking_to(pt):
        params = {
            "client": client,
            "asked": _day(now, pt.time_zone),
            "due": _day(now + GRACE, pt.time_zone),
        }
        title, body = str(title) % params, str(body) % params
    Notification.objects.create(
        recipient=pt,
        about_client=client,
        kind=Notification.Kind.ACCOUNT_DELETION,
        title=title[:200],
        body=body,
        url=reverse("tracker:pt_report", args=[client.pk]),
        created_at=now,
    )


@transaction.atomic
def account_deletion_request(*, user: User, now: dt.datetime | None = None) -> dt.datetime:
    """She asks to delete her account. It is marked (asking again keeps the first date), every
    API token dies, reminders to her stop (the delivery re-check), and her PT is told. Returns
    when the purge is due."""
    now = now or timezone.now()
    if not user.is_client:
        raise ValidationError(ERR_DELETE_NOT_A_CLIENT)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deletion_requested_at is not None:
        return purge_due(user)
    user_deletion_mark(user=user, now=now)
    audit_record(
        actor=user, client=user, action=AuditEvent.Action.CHANGE, what="asked to delete the account"
    )
    _tell_her_pt(user, title=DELETION_ASKED_TITLE, body=DELETION_ASKED_BODY, now=now)
    return purge_due(user)


@transaction.atomic
def account_deletion_cancel(*, user: User, now: dt.datetime | None = None) -> bool:
    """She keeps her account after all (before the purge). False if nothing was pending."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deletion_requested_at is None:
        return False
    user_deletion_unmark(user=user)
    audit_record(
        actor=user,
        client=user,
        action=AuditEvent.Action.CHANGE,
        what="cancelled the account deletion",
    )
    _tell_her_pt(user, title=DELETION_CANCELLED_TITLE, body=DELETION_CANCELLED_BODY, now=now)
    return True


@dataclass
class PurgeResult:
    purged: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def accounts_purge(*, now: dt.datetime | None = None) -> PurgeResult:
    """Purge every account whose deletion was asked GRACE or more before `now`, one
    transaction each: one that fails (logged by id) does not stop the others."""
    now = now or timezone.now()
    result = PurgeResult()
    due = User.objects.filter(deletion_requested_at__lte=now - GRACE).order_by("pk")
    for user_id in due.values_list("pk", flat=True):
        try:
            if account_purge(user_id=user_id, now=now):
                result.purged.append(user_id)
        except Exception as exc:
            logger.warning("account %s: the purge failed (%s)", user_id, type(exc).__name__)
            result.failed.append(user_id)
    if result.purged:
        logger.info("purged %d account(s) whose deletion was asked", len(result.purged))
    return result


@transaction.atomic
def account_purge(*, user_id: int, now: dt.datetime) -> bool:
    """Delete one account whose grace period is over (re-checked under a lock: a cancel that
    came first wins). Besides her own rows, the e-mails about her alerts to her PT and the
    admins go too (their rows hold only the alert's id)."""
    user = (
        User.objects.select_for_update()
        .filter(pk=user_id, deletion_requested_at__lte=now - GRACE)
        .first()
    )
    if user is None:
        return False
    alert_keys = [f"alert:{pk}" for (pk,) in Alert.objects.filter(client=user).values_list("pk")]
    Delivery.objects.filter(
        kind__in=[ReminderKind.PT_ALERT, ReminderKind.ADMIN_ESCALATION], object_key__in=alert_keys
    ).delete()
    audit_record(
        actor=None, client=user, action=AuditEvent.Action.CHANGE, what="deleted the account"
    )
    user_delete(user=user)
    return True
