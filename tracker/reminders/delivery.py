"""Delivering one message: claim the row (a conditional update, so only one worker wins),
re-check that it is still wanted and relevant, send it, mark it sent."""

import datetime as dt
import logging
from dataclasses import dataclass
from email.utils import format_datetime

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.validators import one_line

from ..language import speaking_to
from ..models import (
    Alert,
    Channel,
    Delivery,
    Enrolment,
    Notification,
    NotificationSettings,
    ReminderKind,
    ScheduledSession,
    SessionLog,
)
from .dispatch import CLAIM_TIMEOUT, _settings
from .timing import session_start, when_text

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Each message's subject (after "[Prenafit] ") and in-app title: fixed words, no name, no health
# data (SAFETY.md section 2).
TITLES = {
    ReminderKind.SESSION_UPCOMING: _("Your Prenafit session is coming up"),
    ReminderKind.SESSION_MISSED: _("Did you do yesterday's session?"),
    ReminderKind.ASSESSMENT_DUE: _("Your Prenafit check-in is due"),
    ReminderKind.PT_ALERT: _("Urgent alert about a client"),
    ReminderKind.ADMIN_ESCALATION: _("Urgent alert not acknowledged for 24 hours"),
    ReminderKind.RESCREEN_DUE: _("A few safety questions are waiting for you"),
    ReminderKind.PT_DIGEST: _("Your weekly Prenafit digest"),
}
UNSUBSCRIBE_SALT = "prenafit.unsubscribe"


@dataclass
class Message:
    subject: str
    text: str
    html: str
    title: str
    url: str
    urgent: bool = False


def claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take the row for sending. True for exactly one caller per attempt."""
    fresh = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
    )
    if fresh:
        return True
    stale = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.CLAIMED, claimed_at__lt=now - CLAIM_TIMEOUT
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    return bool(stale)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if data.get("k") not in ReminderKind.values:
        return None
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(pk=data.get("u")).exists():
        return None  # her account was deleted: nothing left to unsubscribe
    return data["u"], data["k"]


def _base_url() -> str:
    return settings.PRENAFIT_BASE_URL.rstrip("/")


def _object_id(delivery: Delivery) -> int | None:
    parts = delivery.object_key.split(":")
    return int(parts[1]) if parts[0] in ("session", "alert") and parts[1].isdigit() else None


def _program_problem(user, now: dt.datetime, *, not_enrolled: str):
    """Her derived state, and why nothing about her program may go out: not enrolled, or
    past 42+0 (SAFETY.md section 5)."""
    from ..safety import after_program, state_of
    from ..selectors import local_today

    if not Enrolment.objects.filter(client=user).exists():
        return None, not_enrolled
    state = state_of(user)
    if state.profile and after_program(state.profile.due_date, local_today(user, now)):
        return state, "the pregnancy is past 42+0"
    return state, None


def relevance_problem(delivery: Delivery, now: dt.datetime) -> str | None:
    """Why the message should no longer go out, or None."""
    user = delivery.recipient
    if not user.is_active:
        return "the account is inactive"
    if user.deletion_requested_at is not None:
        return "the account is being deleted"
    prefs = _settings(user)
    if not prefs.wants(delivery.kind):
        return "the recipient turned this kind off"
    kind = delivery.kind
    if kind in (
        ReminderKind.SESSION_UPCOMING,
        ReminderKind.SESSION_MISSED,
        ReminderKind.ASSESSMENT_DUE,
    ):
        # SAFETY.md section 1: re-checked at sending, so a queued one is dropped.
        state, problem = _program_problem(user, now, not_enrolled="the program is not active")
        if problem:
            return problem
        if not state.active:
            return f"the program is not active ({state.state})"
    if kind == ReminderKind.SESSION_UPCOMING:
        if delivery.object_key.startswith("session:"):
            session = (
                ScheduledSession.objects.filter(pk=_object_id(delivery))
                .select_related("enrolment")
                .first()
            )
            if session is None or session.status != ScheduledSession.Status.SCHEDULED:
                return "the session was cancelled or moved"
            if SessionLog.objects.filter(session=session).exists():
                return "the session is already logged"
            from .timing import session_start

            if session_start(session.date, session.start_time, session.enrolment.time_zone) <= now:
                return "the session has already started"
    if kind == ReminderKind.SESSION_MISSED:
        session = ScheduledSession.objects.filter(pk=_object_id(delivery)).first()
        if session is None or session.status != ScheduledSession.Status.SCHEDULED:
            return "the session was cancelled or moved"
        if SessionLog.objects.filter(session=session).exists():
            return "the session was logged after all"
    if kind == ReminderKind.PT_ALERT:
        alert = Alert.objects.filter(pk=_object_id(delivery)).first()
        if alert is None:
            return "the alert no longer exists"
    if kind == ReminderKind.ADMIN_ESCALATION:
        if not user.is_staff:
            return "the recipient is no longer an admin"
        alert = Alert.objects.filter(pk=_object_id(delivery)).first()
        if alert is None:
            return "the alert no longer exists"
        if alert.acknowledged_at is not None:
            return "the alert was acknowledged"
    if kind == ReminderKind.RESCREEN_DUE:
        from ..safety import rescreen_answered

        state, problem = _program_problem(user, now, not_enrolled="she is not enrolled")
        if problem:
            return problem
        if state.profile is None or state.finished:
            return f"the pregnancy is over ({state.state})"
        if rescreen_answered(user, state.profile.due_date):
            return "the re-screen was answered"
    return None


def compose(delivery: Delivery) -> Message:
    """The e-mail (HTML and text) and in-app text for a delivery, in the recipient's language.
    It says what kind of thing is waiting and links to it, behind log-in: no name (not even
    hers), no e-mail address, no sign, symptom, score or count, no week of pregnancy and no
    session content (only a session's date and time). The subject is fixed text."""
    user = delivery.recipient
    base = _base_url()
    context = {
        "user": user,
        "base": base,
        "unsubscribe_url": base
        + reverse("tracker:unsubscribe", args=[unsubscribe_token(user.pk, delivery.kind)]),
        "settings_url": base + reverse("tracker:notification_settings"),
    }
    # The whole message in HER language: the subject and the in-app title too, and every
    # date in it (when_text), whatever language the code that queued it ran in.
    with speaking_to(user):
        kind = delivery.kind
        url = base + reverse("home")
        urgent = False
        if kind == ReminderKind.SESSION_UPCOMING:
            if delivery.object_key.startswith("session:"):
                session = ScheduledSession.objects.select_related("enrolment").get(
                    pk=_object_id(delivery)
                )
                sessions = [session]
                url = base + reverse("tracker:session", args=[session.pk])
            else:
                day = dt.date.fromisoformat(delivery.object_key.split(":")[1])
                sessions = (
                    ScheduledSession.objects.filter(
                        client=user, date=day, status=ScheduledSession.Status.SCHEDULED
                    )
                    .select_related("enrolment")
                    .order_by("start_time", "pk")
                )
            # Each start as she reads it: in her zone, named ("Wednesday 6 January at 18:00
            # (Europe/Madrid)"); sessions are planned in her enrolment's zone.
            context["session_times"] = [
                when_text(
                    session_start(s.date, s.start_time, s.enrolment.time_zone), user.time_zone
                )
                for s in sessions
            ]
            title = str(TITLES[ReminderKind.SESSION_UPCOMING])
        elif kind == ReminderKind.SESSION_MISSED:
            session = ScheduledSession.objects.get(pk=_object_id(delivery))
            context["session"] = session
            context["log_url"] = base + reverse("tracker:session_log", args=[session.pk])
            context["move_url"] = base + reverse("tracker:session", args=[session.pk])
            url = context["log_url"]
            title = str(TITLES[ReminderKind.SESSION_MISSED])
        elif kind == ReminderKind.ASSESSMENT_DUE:
            context["which"] = delivery.object_key.split(":")[1]
            url = base + reverse("tracker:assessment_new")
            title = str(TITLES[ReminderKind.ASSESSMENT_DUE])
        elif kind == ReminderKind.PT_ALERT:
            # No name and no health data (SAFETY.md section 2): the app names the client and sign.
            alert = Alert.objects.get(pk=_object_id(delivery))
            url = base + reverse("tracker:pt_client", args=[alert.client_id])
            context["raised"] = when_text(alert.created_at, user.time_zone)
            title = str(TITLES[ReminderKind.PT_ALERT])
            urgent = True
        elif kind == ReminderKind.ADMIN_ESCALATION:
            alert = Alert.objects.get(pk=_object_id(delivery))
            url = base + reverse("admin:tracker_alert_change", args=[alert.pk])
            context["raised"] = when_text(alert.created_at, user.time_zone)
            title = str(TITLES[ReminderKind.ADMIN_ESCALATION])
            urgent = True
        elif kind == ReminderKind.RESCREEN_DUE:
            url = base + reverse("home")  # home asks the re-screen questions from 25+4
            title = str(TITLES[ReminderKind.RESCREEN_DUE])
        else:  # PT_DIGEST
            from ..caseload import caseload, rows

            today = timezone.localtime(delivery.due_at, _zone(user.time_zone)).date()
            caseload_rows = rows(caseload(pt=user, today=today, sort="alerts"), today)
            # Whether anyone needs a look, no names and no counts (SAFETY.md section 2): with one
            # client a count is her news. The app shows who and why.
            context["needs_look"] = any(
                r.open_alerts or r.pending or r.below for r in caseload_rows
            )
            title = str(TITLES[ReminderKind.PT_DIGEST])
        context["url"] = url
        context["title"] = title
        context["always_on"] = kind in NotificationSettings.ALWAYS_ON
        text = render_to_string(f"tracker/email/{kind}.txt", context)
        html = render_to_string(f"tracker/email/{kind}.html", context)
    return Message(
        subject=f"[Prenafit] {title}", text=text, html=html, title=title, url=url, urgent=urgent
    )


def _zone(name):
    from .timing import zone

    return zone(name)


def _send_email(delivery: Delivery, message: Message) -> None:
    # The Date header too is in her zone (a reader of the raw e-mail or the console log sees
    # her time, not UTC).
    local_now = timezone.now().astimezone(_zone(delivery.recipient.time_zone))
    headers = {"Date": format_datetime(local_now)}
    if delivery.kind not in NotificationSettings.ALWAYS_ON:  # safety messages cannot be stopped
        token = unsubscribe_token(delivery.recipient_id, delivery.kind)
        unsubscribe = _base_url() + reverse("tracker:unsubscribe", args=[token])
        headers |= {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    email = EmailMultiAlternatives(
        subject=one_line(message.subject),  # fixed text already; a header can never break
        body=message.text,
        to=[delivery.recipient.email],
        headers=headers,
    )
    email.attach_alternative(message.html, "text/html")
    email.send()


def delivery_send(delivery_id: int, now: dt.datetime | None = None) -> str:
    """Send one delivery if this caller wins the claim. Returns what happened:
    'sent', 'skipped', 'not-claimed' or 'failed'; raises on a temporary error after
    putting the row back in line (the task retries it with backoff). A push row (issue 17)
    goes to her devices only (tracker/reminders/webpush.py); a main row makes the in-app
    notice and, when her setting says so now, the e-mail, and records which it was."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return "not-claimed"
    delivery = Delivery.objects.select_related("recipient").get(pk=delivery_id)
    push = delivery.channel == Delivery.Channel.PUSH
    problem = relevance_problem(delivery, now)
    if problem is None and push:
        from .webpush import push_problem

        problem = push_problem(delivery, _settings(delivery.recipient))
    if problem:
        _skip(delivery_id, problem)
        return "skipped"
    channel = delivery.channel
    try:
        if push:
            # Beside the main row, which made the in-app notice: the push message only.
            from .webpush import push_delivery_send

            problem = push_delivery_send(delivery)
            if problem:
                _skip(delivery_id, problem)
                return "skipped"
        else:
            channel = _send_main(delivery, now)
    except Exception as exc:
        failed = delivery.attempts >= MAX_ATTEMPTS
        if delivery.kind == ReminderKind.PT_ALERT and not delivery.last_error and not push:
            _tell_admins_alert_failed(delivery, exc, now)  # at once, on the first failure
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.FAILED if failed else Delivery.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
            enqueued_at=now,
        )
        logger.warning(
            "delivery %s failed (attempt %s): %s",
            delivery_id,
            delivery.attempts,
            type(exc).__name__,
        )
        if failed:
            return "failed"
        raise
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), channel=channel
    )
    return "sent"


def _skip(delivery_id: int, problem: str) -> None:
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SKIPPED, skip_reason=problem[:200]
    )


def _send_main(delivery: Delivery, now: dt.datetime) -> str:
    """A message's main row: its in-app notice, and the e-mail when her setting says so now.
    Returns the channel it went by (recorded on the row)."""
    message = compose(delivery)
    prefs = _settings(delivery.recipient)
    # Alerts and escalations already have their in-app notice (naming the sign).
    if delivery.kind not in (ReminderKind.PT_ALERT, ReminderKind.ADMIN_ESCALATION):
        with transaction.atomic():
            Notification.objects.get_or_create(
                delivery=delivery,
                defaults={
                    "recipient": delivery.recipient,
                    "kind": Notification.Kind.GENERAL,
                    "title": message.title,
                    "url": message.url,
                    "created_at": now,
                },
            )
    channel = prefs.channel(delivery.kind)
    if channel == Channel.EMAIL:
        _send_email(delivery, message)
    return channel


def _tell_admins_alert_failed(delivery: Delivery, exc: Exception, now: dt.datetime) -> None:
    """An urgent alert's e-mail to a PT failed: every admin sees it in the app at once
    (once per delivery: only on its first failed attempt)."""
    from .dispatch import admins

    alert = Alert.objects.filter(pk=_object_id(delivery)).select_related("client").first()
    about = alert.client if alert else None
    url = reverse("admin:tracker_delivery_change", args=[delivery.pk])
    notices = []
    for admin in admins():
        with speaking_to(admin):  # each admin reads it in her own language
            params = {"pt": delivery.recipient, "client": about, "error": type(exc).__name__}
            title = gettext("An urgent alert email to PT %(pt)s could not be sent") % params
            body = (
                gettext(
                    "The alert is about %(client)s. The email failed (%(error)s) and will be "
                    "retried; the PT may not know yet. Contact the PT."
                )
                % params
            )
        notices.append(
            Notification(
                recipient=admin,
                about_client=about,
                kind=Notification.Kind.DELIVERY_FAILED,
                title=title[:200],
                body=body,
                url=url,
                urgent=True,
                created_at=now,
            )
        )
    Notification.objects.bulk_create(notices)
    logger.warning("urgent alert delivery %s failed: admins told", delivery.pk)


def settings_for(user) -> NotificationSettings:
    settings_obj, _ = NotificationSettings.objects.get_or_create(user=user)
    return settings_obj
