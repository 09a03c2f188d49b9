"""Deletion that deletes (issue 14, item 5): she asks, her PT is told in the app, reminders to
her stop, she can cancel, and 7 days later `purge_deleted_accounts` removes her account and
everything about her. Then no text or JSON column of any model of any installed app holds her
name or her e-mail address. Audit rows keep ids only, always."""

import datetime as dt
import io
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tests.clock import WEDNESDAY_MORNING, pin
from tests.factories import (
    AdminFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.models import (
    Alert,
    AuditEvent,
    Clearance,
    Delivery,
    Notification,
    PTNote,
    ReminderKind,
    ScreeningQuestion,
    SessionLog,
    SessionLogRevision,
)
from tracker.reminders.delivery import delivery_send
from tracker.safety import SIGN_LABELS
from tracker.selectors import local_today
from users.models import ApiToken, CareLink, Consent, Invitation, User
from users.selectors import ERR_DELETION_REQUESTED
from users.services import api_token_create, invitation_accept, invitation_create

pytestmark = [pytest.mark.django_db, pin()]

NAME = "Xiomara Quentell"
EMAIL = "Xiomara.Quentell@example.test"
PASSWORD = "prenafit-demo"
SIGN = "headache"


# --- the scan -------------------------------------------------------------------------------


def _text_columns(model) -> list[str]:
    """Every text and JSON column: CharField (and so EmailField, SlugField, URLField...),
    TextField, JSONField."""
    kinds = (models.CharField, models.TextField, models.JSONField)
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, kinds)]


def _as_text(value) -> str:
    if isinstance(value, str):
        return value.lower()
    return json.dumps(value, ensure_ascii=False, default=str).lower()


def mentions(needles) -> set[str]:
    """'app.Model.column' of every row, in every model of every installed app, whose text holds
    one of the needles (case-insensitive). Sessions are decoded first."""
    needles = [n.lower() for n in needles]
    found = set()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = _text_columns(model)
        if not columns:
            continue
        for row in model._base_manager.values_list(*columns):
            for column, value in zip(columns, row, strict=True):
                if model is Session and column == "session_data":
                    value = SessionStore().decode(value)
                text = _as_text(value)
                for needle in needles:
                    if needle in text:
                        found.add(f"{model._meta.label}.{column}")
    return found


def her_needles():
    return [NAME, *NAME.split(), EMAIL]


# --- a client with one row of everything ----------------------------------------------------


@pytest.fixture
def busy(client, reference_data):
    """Xiomara, linked to her PT, with a log (note, warning sign, edited), a check-in, a
    screening, safety items, an alert, a clearance (her PT's) and one she reported herself, PT
    notes, a plan change, notifications and deliveries, invitations to her address (one
    accepted), API tokens, two-factor keys, sessions, admin history, and an audit trail from
    the PT's pages, the API and the admin."""
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    pt, other_pt, admin = PTFactory(), PTFactory(), AdminFactory()
    her = ClientFactory(full_name=NAME, email=EMAIL.lower())
    today = local_today(her)
    enrolment = enrolled_client(
        today=today, client=her, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    session = enrolment.sessions.filter(date__lt=today).order_by("date").first()
    upcoming = enrolment.sessions.filter(date__gt=today).order_by("date").first()

    # Her side, through the pages.
    client.force_login(her)
    log_data = {
        "status": "completed",
        "performed_on": session.date.isoformat(),
        "minutes": "60",
        "rpe": "13",
        "avg_heart_rate": "128",
        "notes": f"Xiomara here: felt dizzy, {EMAIL} if you need me",
        "warning_signs": [SIGN],
    }
    assert client.post(reverse("tracker:session_log", args=[session.pk]), log_data).status_code
    log = SessionLog.objects.get(client=her)
    log_data["notes"] += " (edited by Xiomara)"
    client.post(reverse("tracker:session_log", args=[session.pk]), log_data)
    services.assessment_record(
        client=her,
        vas_low_back_mm=40,
        vas_sciatic_mm=20,
        odi_answers=[1] * 10,
        pain_locations=["low_back"],
        symptoms=[],
        today=today,
    )
    for name in ("home", "tracker:progress", "tracker:export_json", "tracker:export_csv"):
        assert client.get(reverse(name)).status_code == 200
    client.logout()
    Clearance.objects.create(
        client=her,
        recorded_by=her,
        provider="Dr Ruiz, midwife",
        note="Xiomara reported this herself",
        self_reported=True,
    )

    # Her PT, through the pages.
    client.force_login(pt)
    alert = Alert.objects.get(client=her)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("tracker:pt_client", args=[her.pk])).status_code == 200
    client.post(reverse("tracker:pt_note_add", args=[her.pk]), {"text": f"{NAME}: watch her BP"})
    client.post(reverse("tracker:pt_alert_ack", args=[her.pk, alert.pk]))
    client.post(
        reverse("tracker:pt_clearance", args=[her.pk]),
        {"provider": "Dr Ruiz", "cleared_on": today.isoformat(), "note": f"{NAME} cleared"},
    )
    for name in ("tracker:pt_report", "tracker:pt_client_csv", "tracker:pt_clearance"):
        assert client.get(reverse(name, args=[her.pk])).status_code == 200
    assert client.get(reverse("tracker:pt_cohort_csv")).status_code == 200
    assert client.get(reverse("api_clients")).status_code == 200
    assert client.get(reverse("api_client", args=[her.pk])).status_code == 200
    client.logout()
    services.plan_change(her, pt, f"Moved {NAME}'s sessions to the evening")

    # The admin, through the admin (audited views of health data, and the admin's history).
    client.force_login(admin)
    for url in (
        reverse("admin:tracker_sessionlog_changelist"),
        reverse("admin:tracker_sessionlog_change", args=[log.pk]),
        reverse("admin:users_user_change", args=[her.pk]),
    ):
        assert client.get(url).status_code == 200
    client.logout()
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=admin,
        content_type=user_type,
        object_id=str(her.pk),
        object_repr=str(her),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Time zone"]}}]',
    )
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(SessionLog),
        object_id=str(log.pk),
        object_repr=str(log),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Notes"]}}]',
    )
    LogEntry.objects.create(  # the PT's page, where the admin linked her
        user=admin,
        content_type=user_type,
        object_id=str(pt.pk),
        object_repr=str(pt),
        action_flag=CHANGE,
        change_message=json.dumps(
            [{"added": {"name": "care link", "object": f"{pt} → {her} (active)"}}]
        ),
    )

    # Notifications, deliveries, invitations, tokens, two-factor keys, sessions.
    Notification.objects.create(
        recipient=her, kind=Notification.Kind.GENERAL, title=f"Welcome, {NAME}"
    )
    mine = Delivery.objects.create(
        recipient=her,
        kind=ReminderKind.SESSION_UPCOMING,
        object_key=f"session:{upcoming.pk}",
        due_at=timezone.now(),
        last_error=f"SMTPRecipientsRefused: {EMAIL}",
    )
    invitation_create(pt=other_pt, email=EMAIL)
    _invitation, token = invitation_create(pt=pt, email=EMAIL)
    invitation_accept(token=token, user=her)
    Authenticator.objects.create(
        user=her, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    api_token_create(user=her, name="Xiomara's phone")  # after: turning TOTP on revokes tokens
    EmailAddress.objects.create(user=her, email="xiomara.old@example.test", verified=True)
    pending = SessionStore()
    pending["account_verified_email"] = EMAIL  # a log-in left half-way, not yet hers
    pending.create()
    return {
        "her": her,
        "pt": pt,
        "other_pt": other_pt,
        "admin": admin,
        "today": today,
        "alert": alert,
        "log": log,
        "delivery": mine,
    }


def test_the_busy_scenario_leaves_her_everywhere_so_the_scan_can_see(busy, client):
    """The scan is honest: before any deletion it finds her in every kind of place."""
    client.force_login(busy["her"])  # a stored session of hers
    found = mentions(her_needles())
    for place in (
        "users.User.email",
        "users.User.full_name",
        "users.Invitation.email",
        "users.ApiToken.name",
        "account.EmailAddress.email",
        "tracker.SessionLog.notes",
        "tracker.SessionLogRevision.snapshot",
        "tracker.Clearance.note",
        "tracker.PTNote.text",
        "tracker.PlanChange.description",
        "tracker.Notification.title",
        "tracker.Delivery.last_error",
        "admin.LogEntry.object_repr",
        "admin.LogEntry.change_message",
        "sessions.Session.session_data",
    ):
        assert place in found, place


def test_audit_rows_never_hold_a_name_an_email_a_sign_or_a_screen_answer(busy):
    """Every audit row of the busy scenario (pages, exports, the API, the admin, notes, alert,
    clearance, plan change): ids and a fixed label only."""
    people = User.objects.all()
    needles = [
        *(u.email for u in people),
        *(u.full_name for u in people if u.full_name),
        *(str(label) for label in SIGN_LABELS.values()),
        *SIGN_LABELS,
        *ScreeningQuestion.objects.values_list("key", flat=True),
    ]
    rows = list(AuditEvent.objects.all())
    assert len(rows) >= 10
    assert {busy["her"].pk} <= {i for r in rows for i in r.client_ids}
    for row in rows:
        text = _as_text(
            [row.what, row.object_type, row.object_id, row.action, row.client_ids, row.actor_ref]
        )
        for needle in needles:
            assert needle.lower() not in text, (row.what, needle)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_she_asks_cancels_asks_again_and_seven_days_later_nothing_names_her(busy, client):
    her, pt = busy["her"], busy["pt"]
    client.force_login(her)

    # She asks: typing DELETE, as before.
    refused = client.post(reverse("tracker:delete_account"), {"confirm": "delete"})
    assert "Type DELETE in capital letters" in refused.content.decode()
    asked = client.post(reverse("tracker:delete_account"), {"confirm": "DELETE"}, follow=True)
    page = asked.content.decode()
    her.refresh_from_db()
    assert her.deletion_requested_at is not None
    due = her.deletion_requested_at + dt.timedelta(days=7)
    assert her.deletion_due == due
    assert "will be deleted on" in page and "Cancel the deletion" in page
    assert User.objects.filter(pk=her.pk).exists()
    assert not ApiToken.objects.filter(user=her).exists()

    # Her PT is told in the app, with a link to the report she may need to keep.
    (notice,) = Notification.objects.filter(recipient=pt, kind="account_deletion")
    assert notice.about_client_id == her.pk
    assert notice.url == reverse("tracker:pt_report", args=[her.pk])
    assert "asked on 10 Mar 2027 to delete her account" in notice.title
    assert "after 17 Mar 2027" in notice.body
    pt_client = client.__class__()
    pt_client.force_login(pt)
    assert pt_client.get(notice.url).status_code == 200

    # Reminders to her stop; the API refuses her.
    assert delivery_send(busy["delivery"].pk) == "skipped"
    assert Delivery.objects.get(pk=busy["delivery"].pk).skip_reason == (
        "the account is being deleted"
    )
    api = client.__class__()
    refused = api.post(
        reverse("api_token"),
        {"email": her.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == ERR_DELETION_REQUESTED

    # She cancels from her profile, then asks again.
    profile = client.get(reverse("profile")).content.decode()
    assert "set to be deleted on" in profile
    cancelled = client.post(reverse("tracker:delete_account"), {"cancel": "1"}, follow=True)
    assert "Your account will not be deleted" in cancelled.content.decode()
    her.refresh_from_db()
    assert her.deletion_requested_at is None
    assert "set to be deleted" not in client.get(reverse("profile")).content.decode()
    client.post(reverse("tracker:delete_account"), {"confirm": "DELETE"})
    her.refresh_from_db()
    due = her.deletion_due

    # Six days on, nothing goes; seven days on, everything about her does.
    out = io.StringIO()
    call_command("purge_deleted_accounts", "--now", _iso(due - dt.timedelta(days=1)), stdout=out)
    assert "0 account(s) purged" in out.getvalue()
    assert User.objects.filter(pk=her.pk).exists()
    call_command("purge_deleted_accounts", "--now", _iso(due), stdout=out)
    assert "1 account(s) purged" in out.getvalue()

    assert not User.objects.filter(pk=her.pk).exists()
    assert mentions(her_needles()) == set()
    for model in (SessionLog, SessionLogRevision, Alert, Clearance, PTNote, CareLink):
        assert not model.objects.exists(), model  # she was the only client
    assert not Consent.objects.filter(user_id=her.pk).exists()
    assert not Notification.objects.filter(recipient=pt).exists()  # every one was about her
    assert not Invitation.objects.exists()
    assert not Delivery.objects.filter(object_key=f"alert:{busy['alert'].pk}").exists()
    assert not Authenticator.objects.exists()
    # The audit trail stays, ids only: who acted and which client, with the links gone.
    hers = [r for r in AuditEvent.objects.all() if her.pk in r.client_ids]
    assert {r.what for r in hers} >= {
        "asked to delete the account",
        "cancelled the account deletion",
        "deleted the account",
        "client page",
        "printable report",
    }
    assert all(r.client_id is None for r in hers)
    assert any(r.actor_ref == her.pk and r.actor_id is None for r in hers)
    # The admin's history keeps its rows, without the names.
    (entry,) = LogEntry.objects.filter(content_type__model="user", object_id=str(her.pk))
    assert entry.object_repr == "(deleted account)"
    # Everyone else is still there.
    assert User.objects.filter(pk__in=[pt.pk, busy["other_pt"].pk, busy["admin"].pk]).count() == 3


def test_her_sessions_end_with_the_purge(busy, client):
    her = busy["her"]
    client.force_login(her)
    services.account_deletion_request(user=her, now=WEDNESDAY_MORNING)
    assert client.get(reverse("home")).status_code == 200  # she may still use it (and cancel)

    services.accounts_purge(now=WEDNESDAY_MORNING + dt.timedelta(days=7))

    assert not Session.objects.exists()  # hers, and the half-done log-in with her address
    assert client.get(reverse("home")).status_code == 302


def test_a_purge_is_idempotent_and_skips_a_cancel_that_came_first(busy):
    her = busy["her"]
    services.account_deletion_request(user=her, now=WEDNESDAY_MORNING)
    assert services.account_deletion_request(user=her, now=WEDNESDAY_MORNING + dt.timedelta(days=2))
    her.refresh_from_db()
    assert her.deletion_requested_at == WEDNESDAY_MORNING  # asking twice keeps the first date
    assert services.account_deletion_cancel(user=her)
    assert not services.account_deletion_cancel(user=her)

    result = services.accounts_purge(now=WEDNESDAY_MORNING + dt.timedelta(days=30))

    assert result.purged == [] and User.objects.filter(pk=her.pk).exists()


def test_without_a_pt_nobody_is_told_and_only_clients_ask_here(client, reference_data):
    alone = ClientFactory()
    services.account_deletion_request(user=alone)
    assert not Notification.objects.exists()
    pt = PTFactory()
    client.force_login(pt)
    assert client.get(reverse("tracker:delete_account")).status_code == 404
    with pytest.raises(Exception, match="Only a client deletes her own account"):
        services.account_deletion_request(user=pt)


def test_the_command_refuses_a_moment_without_a_zone():
    for bad in ("2027-03-17", "2027-03-17T12:00:00", "2027-02-30T12:00:00Z", "soon"):
        with pytest.raises(CommandError, match="ISO date-time with a zone"):
            call_command("purge_deleted_accounts", "--now", bad, stdout=io.StringIO())


# --- the admin's delete: the same purge -----------------------------------------------------


def test_the_admins_delete_goes_through_the_same_purge(busy, client):
    her, admin = busy["her"], busy["admin"]
    client.force_login(admin)
    url = reverse("admin:users_user_delete", args=[her.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert NAME not in response.content.decode()
    assert not User.objects.filter(pk=her.pk).exists()
    assert mentions(her_needles()) == set()
    entries = LogEntry.objects.filter(content_type__model="user", object_id=str(her.pk))
    assert entries.filter(action_flag=3, user=admin).exists()  # the deletion, by whom
    assert set(entries.values_list("object_repr", flat=True)) == {"(deleted account)"}


def test_the_admin_cannot_delete_a_pt_whose_clearances_stand(busy, client):
    """Her clearances are her clients' health records: the admin's delete page says why not."""
    pt = busy["pt"]
    client.force_login(busy["admin"])
    page = client.get(reverse("admin:users_user_delete", args=[pt.pk])).content.decode()
    assert "protected" in page
    client.post(reverse("admin:users_user_delete", args=[pt.pk]), {"post": "yes"})
    assert User.objects.filter(pk=pt.pk).exists()
