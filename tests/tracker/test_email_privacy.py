"""E-mails carry no name and no health data, and stored text can never break one.

Every e-mail the app sends (the reminders' kinds, the invitation, the sign-up confirmation)
says only what kind of thing is waiting and links to it; the page behind the link shows the
details after log-in. A name with a line break, as old rows may hold, never stops an urgent
alert or an invitation. An invitation is saved and its e-mail sent in one go: the e-mail
leaves after the commit, and a failure leaves neither. Deliveries run without a worker (the
worker tests are in tests/integration)."""

import datetime as dt
import re
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.clock import pin
from tests.factories import (
    AdminFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.models import Assessment, Delivery, ReminderKind
from tracker.reminders.delivery import compose, delivery_send
from tracker.safety import SIGN_LABELS
from users import services as user_services
from users.models import Invitation, User

NOW = dt.datetime(2027, 3, 24, 3, 0, tzinfo=dt.UTC)  # Wednesday 04:00 in Madrid
TODAY = NOW.date()
MADRID = "Europe/Madrid"

pytestmark = [pytest.mark.django_db, pin(NOW), pytest.mark.usefixtures("no_broker")]

ZELDA = "Zelda Quux"
ZELDA_EMAIL = "zelda.quux@example.test"
VAS_LOW_BACK, VAS_SCIATIC = 87, 63
ODI_ANSWERS = [3] * 10  # 30 of 50 points: 60 %
ODI_PERCENT = 60
SUBJECTS = {
    "[Prenafit] Your Prenafit session is coming up",
    "[Prenafit] Did you do yesterday's session?",
    "[Prenafit] Your Prenafit check-in is due",
    "[Prenafit] Urgent alert about a client",
    "[Prenafit] Urgent alert not acknowledged for 24 hours",
    "[Prenafit] A few safety questions are waiting for you",
    "[Prenafit] Your weekly Prenafit digest",
    "[Prenafit] An invitation to Prenafit",
}


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def log_with_sign(user, signs=("vaginal_bleeding",)):
    session = user.scheduled_sessions.filter(date__lt=TODAY).order_by("-date").first()
    return services.session_log_record(
        client=user,
        session=session,
        data=services.LogInput(
            status="partial",
            performed_on=session.date,
            minutes=20,
            rpe=13,
            warning_signs=list(signs),
            notes="Stopped: bleeding",
        ),
        today=TODAY,
    )


def assert_private(subject: str, text: str, html: str, *, link: str, secrets: list[str]):
    assert subject in SUBJECTS, subject
    assert link in text and link in html
    for part in (subject, text, html):
        for secret in secrets:
            assert secret.lower() not in part.lower(), (secret, part)
        # Scores as numbers, outside the links (ids in URLs may hold the same digits).
        words = re.sub(r"(https?://|/)\S+", " ", part)
        for score in (VAS_LOW_BACK, VAS_SCIATIC, ODI_PERCENT):
            assert not re.search(rf"\b{score}\b", words), (score, part)


# --- every e-mail, for a client with signs and scores ---------------------------------------


def test_no_email_names_her_or_tells_her_health_and_each_links_to_the_page(version):
    pt = PTFactory(full_name="Paula Therapist", time_zone=MADRID)
    admin = AdminFactory(full_name="Ada Admin", time_zone=MADRID)
    zelda = ClientFactory(full_name=ZELDA, email=ZELDA_EMAIL, time_zone=MADRID)
    enrolment = enrolled_client(
        today=TODAY, client=zelda, version=version, pt=pt, start=TODAY - dt.timedelta(days=14)
    )
    enrolment.time_zone = MADRID
    enrolment.save()
    log_with_sign(zelda, ["vaginal_bleeding", "dizziness"])
    services.assessment_record(
        client=zelda,
        vas_low_back_mm=VAS_LOW_BACK,
        vas_sciatic_mm=VAS_SCIATIC,
        odi_answers=ODI_ANSWERS,
        pain_locations=["low_back", "calf"],
        symptoms=["chest_pain", "numbness"],
        today=TODAY,
    )
    assert Assessment.objects.get(client=zelda).odi_percent == ODI_PERCENT
    alert = zelda.alerts.order_by("pk").first()
    future = zelda.scheduled_sessions.filter(date__gt=TODAY).order_by("date").first()
    past = zelda.scheduled_sessions.filter(date__lt=TODAY).order_by("-date")[1]

    due = timezone.now()
    kinds = [
        (zelda, ReminderKind.SESSION_UPCOMING, f"session:{future.pk}"),
        (zelda, ReminderKind.SESSION_UPCOMING, f"day:{future.date.isoformat()}"),
        (zelda, ReminderKind.SESSION_MISSED, f"session:{past.pk}"),
        (zelda, ReminderKind.ASSESSMENT_DUE, "assessment:baseline"),
        (zelda, ReminderKind.ASSESSMENT_DUE, "assessment:follow_up"),
        (zelda, ReminderKind.ASSESSMENT_DUE, f"assessment:check_in:{TODAY.isoformat()}"),
        (zelda, ReminderKind.RESCREEN_DUE, f"rescreen:{TODAY.isoformat()}"),
        (admin, ReminderKind.ADMIN_ESCALATION, f"alert:{alert.pk}"),
        (pt, ReminderKind.PT_DIGEST, "week:2027-W12"),
    ]
    rows = [
        Delivery.objects.create(recipient=who, kind=kind, object_key=key, due_at=due)
        for who, kind, key in kinds
    ]
    rows += list(Delivery.objects.filter(kind=ReminderKind.PT_ALERT))  # from the sign
    assert {r.kind for r in rows} == set(ReminderKind.values)  # every kind there is

    secrets = [
        ZELDA,
        "Zelda",
        "Quux",
        ZELDA_EMAIL,
        "Paula",
        "Ada Admin",
        "bleeding",
        "pain",
        "numb",
        "pregnan",
        "prenatal",
        "26-week",
        "week-34",
        *(str(label) for label in SIGN_LABELS.values()),
    ]
    for row in rows:
        message = compose(row)
        assert_private(
            message.subject, message.text, message.html, link=message.url, secrets=secrets
        )
    upcoming = compose(rows[0])
    assert f"{future.start_time:%H:%M}" in upcoming.text  # the time is kept, not the content
    assert future.template.name not in upcoming.text

    # The invitation her PT sends, and the confirmation of a sign-up.
    invitation, token = user_services.invitation_create(
        pt=pt, email=ZELDA_EMAIL, base_url="https://prenafit.test/"
    )
    email = user_services.invitation_email(
        invitation=invitation, token=token, base_url="https://prenafit.test/"
    )
    link = f"https://prenafit.test/invitations/{token}/"
    html = email.alternatives[0][0]
    assert_private(email.subject, email.body, html, link=link, secrets=secrets)
    assert email.to == [ZELDA_EMAIL]


def test_the_sign_up_confirmation_does_not_name_her(client):
    client.post(
        reverse("account_signup"),
        {
            "email": ZELDA_EMAIL,
            "password1": "a-long-Passw0rd!",
            "password2": "a-long-Passw0rd!",
            "full_name": ZELDA,
            "account_type": "client",
            "time_zone": MADRID,
            "consent": "on",
            "age_confirmed": "on",
        },
    )
    (email,) = mail.outbox
    assert "confirm-email" in email.body
    for secret in ("Zelda", "Quux"):
        assert secret not in email.body and secret not in email.subject


# --- a name on two lines, as old rows may hold ----------------------------------------------


def test_a_client_named_on_two_lines_logs_a_sign_and_her_pts_alert_email_is_sent(version):
    pt = PTFactory()
    xena = ClientFactory(time_zone=MADRID)
    enrolled_client(
        today=TODAY, client=xena, version=version, pt=pt, start=TODAY - dt.timedelta(days=14)
    )
    User.objects.filter(pk=xena.pk).update(full_name="Xena\nOne")  # bypassing validation
    xena.refresh_from_db()

    log_with_sign(xena)

    row = Delivery.objects.get(kind=ReminderKind.PT_ALERT, recipient=pt)
    assert delivery_send(row.pk, now=timezone.now()) == "sent"
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("sent", "")
    (email,) = mail.outbox
    assert email.to == [pt.email]
    assert email.subject == "[Prenafit] Urgent alert about a client"
    assert "Xena" not in email.body
    # In the app, behind log-in, the notice still names her and the sign.
    notice = pt.notifications.get()
    assert "Xena" in notice.title and "Vaginal bleeding" in notice.title


def test_a_pt_named_on_two_lines_invites_a_client_normally(
    client, django_capture_on_commit_callbacks
):
    pt = PTFactory()
    User.objects.filter(pk=pt.pk).update(full_name="Paula\nTherapist")  # bypassing validation
    client.force_login(pt)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invite"), {"email": "nora@example.test"})

    assert response.status_code == 302
    assert Invitation.objects.filter(pt=pt, email="nora@example.test").count() == 1
    (email,) = mail.outbox
    assert email.subject == "[Prenafit] An invitation to Prenafit"
    assert email.to == ["nora@example.test"]
    assert "Paula" not in email.body
    link = re.search(r"(/invitations/[^/\s]+/)", email.body).group(1)
    # The page behind the link says who invites her.
    client.logout()
    assert "Paula" in client.get(link).content.decode()


# --- an invitation and its e-mail: one transaction, sent on commit ------------------------------


def test_an_invitation_email_leaves_only_after_the_commit(django_capture_on_commit_callbacks):
    pt = PTFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation, _token = user_services.invitation_create(pt=pt, email="nora@example.test")
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert len(callbacks) == 1 and not mail.outbox  # queued, not sent

    callbacks[0]()
    (email,) = mail.outbox
    assert email.to == ["nora@example.test"]


def test_a_failure_before_the_commit_leaves_neither_the_invitation_nor_the_email(
    django_capture_on_commit_callbacks,
):
    pt = PTFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            user_services.invitation_create(pt=pt, email="nora@example.test")
            raise RuntimeError("something after the row, before the commit")
    assert callbacks == []
    assert not Invitation.objects.exists() and not mail.outbox


def refused(self, fail_silently=False):
    raise smtplib.SMTPServerDisconnected("the mail server went away")


def test_an_email_that_cannot_be_sent_takes_the_invitation_back(
    monkeypatch, django_capture_on_commit_callbacks
):
    pt = PTFactory()
    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(ValidationError) as caught:
        with django_capture_on_commit_callbacks(execute=True):
            user_services.invitation_create(pt=pt, email="nora@example.test")
    assert caught.value.messages == [user_services.ERR_INVITE_NOT_SENT]
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)  # the view's commit is real: its callback runs in it
def test_the_pt_is_told_when_the_invitation_email_cannot_be_sent(client, monkeypatch):
    pt = PTFactory()
    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    client.force_login(pt)
    response = client.post(reverse("invite"), {"email": "nora@example.test"})
    assert response.status_code == 200
    assert str(user_services.ERR_INVITE_NOT_SENT) in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_an_invitation_form_with_its_one_time_token_says_the_email_failed_and_can_be_resent(
    client, monkeypatch
):
    """The form's one-time token (users.idempotency) must not keep a key for an invitation that
    was taken back after the commit: the PT is told, and sending the form again works."""
    pt = PTFactory()
    client.force_login(pt)
    form = {"email": "nora@example.test", "request_key": "invite-form-1"}
    with monkeypatch.context() as patched:
        patched.setattr(EmailMultiAlternatives, "send", refused)
        response = client.post(reverse("invite"), form, follow=True)
    assert response.status_code == 200
    assert str(user_services.ERR_INVITE_NOT_SENT) in response.content.decode()
    assert not Invitation.objects.exists()

    again = client.post(reverse("invite"), form, follow=True)
    assert "Invitation sent to nora@example.test" in again.content.decode()
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1
