"""The safety loop seen by PTs, admins and the reminders (SAFETY.md sections 1 to 3 and 5):
the dispatcher and the delivery task stop for every state but active, nothing after 42+0,
the 26-week re-screen reminder, escalation of unacknowledged alerts, failed urgent deliveries,
urgent alerts that cannot be switched off, and the PT's and admin's doors (which sign, review,
clearance, undo an ended pregnancy). The clock is pinned to a Wednesday early morning in
Madrid; each dispatcher pass is given its own `now`."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.clock import pin
from tests.factories import (
    AdminFactory,
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    all_no,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.forms import NotificationSettingsForm
from tracker.gestation import date_at
from tracker.models import (
    Clearance,
    Delivery,
    Notification,
    NotificationSettings,
    PregnancyProfile,
    ReminderKind,
    SafetyItem,
    ScreeningQuestion,
)
from tracker.reminders import delivery as delivery_service
from tracker.reminders.delivery import compose, delivery_send, unsubscribe_token
from tracker.reminders.dispatch import reminders_dispatch
from tracker.reminders.timing import local_datetime, to_utc
from tracker.safety import state_of

NOW = dt.datetime(2027, 3, 24, 3, 0, tzinfo=dt.UTC)  # Wednesday 04:00 in Madrid
TODAY = NOW.date()
MADRID = "Europe/Madrid"

pytestmark = [pytest.mark.django_db, pin(NOW), pytest.mark.usefixtures("no_broker")]


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def madrid_client(version, *, pt=None, week=24):
    user = ClientFactory(time_zone=MADRID)
    enrolment = enrolled_client(today=TODAY, client=user, version=version, pt=pt, week=week)
    enrolment.start_time = dt.time(7, 0)
    enrolment.time_zone = MADRID
    enrolment.save()
    enrolment.sessions.update(start_time=dt.time(7, 0))
    return user


def first_session(user):
    return user.scheduled_sessions.filter(date__gt=TODAY).order_by("date").first()


def at(day, hour, minute=0):
    return to_utc(local_datetime(day, dt.time(hour, minute), MADRID))


def screen(user, **yes):
    return services.screening_submit(client=user, answers=all_no() | yes, today=TODAY)


def hold(user, signs=("vaginal_bleeding",)):
    return services.hold_open(client=user, signs=list(signs), by=user, alert_kind="warning_sign")


def recipients(result, kinds):
    return {c.recipient_id for c in result.candidates if c.kind in kinds}


PROGRAM_KINDS = {ReminderKind.SESSION_UPCOMING, ReminderKind.ASSESSMENT_DUE}


# --- the dispatcher and the delivery task -----------------------------------------------------


def test_the_dry_run_skips_held_paused_blocked_pending_and_ended_clients(version):
    active = madrid_client(version)
    held = madrid_client(version)
    hold(held)
    paused = madrid_client(version)
    services.pause_open(client=paused, by=paused, reason="holiday", today=TODAY)
    blocked = madrid_client(version)
    screen(blocked, placenta_previa=True)
    pending = madrid_client(version)
    screen(pending, sedentary=True)
    ended = madrid_client(version)
    services.pregnancy_end(
        client=ended, outcome="ended", on=TODAY, confirm=True, by=ended, today=TODAY
    )
    states = {u.pk: state_of(u).state for u in (held, paused, blocked, pending, ended)}
    assert sorted(states.values()) == ["blocked", "ended", "held", "paused", "pending_clearance"]
    day = first_session(active).date

    # 06:01 on her session day (the 06:00 reminder) and 09:01 (the baseline check-in).
    upcoming = reminders_dispatch(now=at(day, 6, 1), dry_run=True)
    check_in = reminders_dispatch(now=at(TODAY, 9, 1), dry_run=True)

    assert recipients(upcoming, PROGRAM_KINDS) == {active.pk}
    assert recipients(check_in, PROGRAM_KINDS) == {active.pk}
    assert not Delivery.objects.exists()  # a dry run records nothing


def test_a_reminder_queued_before_a_hold_is_dropped_when_the_task_runs(version):
    user = madrid_client(version)
    session = first_session(user)
    reminders_dispatch(now=at(session.date, 6, 1))
    row = Delivery.objects.get(recipient=user, kind=ReminderKind.SESSION_UPCOMING)
    assert row.status == "pending" and row.enqueued_at is not None

    hold(user, ["dizziness"])

    assert delivery_send(row.pk, now=at(session.date, 6, 2)) == "skipped"
    row.refresh_from_db()
    assert row.skip_reason == "the program is not active (held)"
    assert not mail.outbox


def test_nothing_is_sent_after_42_weeks(version):
    user = madrid_client(version)
    session = first_session(user)
    # She is past 42+0 on the session's day (her due date moved earlier, e.g. corrected).
    PregnancyProfile.objects.filter(client=user).update(
        due_date=session.date - dt.timedelta(weeks=2)
    )
    assert date_at(PregnancyProfile.objects.get(client=user).due_date, 42) == session.date
    row = Delivery.objects.create(
        recipient=user,
        kind=ReminderKind.SESSION_UPCOMING,
        object_key=f"session:{session.pk}",
        due_at=at(session.date, 6),
    )

    result = reminders_dispatch(now=at(session.date, 6, 1), dry_run=True)
    # Nothing about the 42+0 session, and nothing due from 42+0 on (a missed-session reminder
    # for a session two days earlier, due the day before 42+0, may still be in the window).
    assert not [c for c in result.candidates if c.object_key == f"session:{session.pk}"]
    assert all(c.due_at < at(session.date, 0) for c in result.candidates)
    assert delivery_send(row.pk, now=at(session.date, 6, 1)) == "skipped"
    row.refresh_from_db()
    assert row.skip_reason == "the pregnancy is past 42+0" and not mail.outbox


# --- the 26-week re-screen reminder -------------------------------------------------------------


def test_the_rescreen_reminder_goes_out_from_25_plus_4_until_she_answers(version, time_machine):
    user = madrid_client(version, week=25)  # 25+0 today
    paused = madrid_client(version, week=25)
    services.pause_open(client=paused, by=paused, reason="ill", today=TODAY)
    ask_day = TODAY + dt.timedelta(days=4)
    rescreen = {ReminderKind.RESCREEN_DUE}

    assert recipients(reminders_dispatch(now=at(ask_day, 8, 59), dry_run=True), rescreen) == set()
    assert (
        recipients(
            reminders_dispatch(now=at(ask_day - dt.timedelta(days=1), 9, 1), dry_run=True), rescreen
        )
        == set()
    )
    # At 09:00 on 25+4, her time; a paused client is asked too (answering is about safety).
    assert recipients(reminders_dispatch(now=at(ask_day, 9, 1), dry_run=True), rescreen) == {
        user.pk,
        paused.pk,
    }

    reminders_dispatch(now=at(ask_day, 9, 1))
    row = Delivery.objects.get(recipient=user, kind=ReminderKind.RESCREEN_DUE)
    assert row.object_key == f"rescreen:{ask_day.isoformat()}"
    assert delivery_send(row.pk, now=at(ask_day, 9, 2)) == "sent"
    (email,) = mail.outbox
    assert "safety questions are waiting" in email.subject
    assert "A few short safety questions are waiting for you" in email.body
    assert "List-Unsubscribe" not in email.extra_headers  # a safety message: always on

    # Not answered: asked again a week later. Answered: never again, and a queued one drops.
    next_week = ask_day + dt.timedelta(days=7)
    assert recipients(reminders_dispatch(now=at(next_week, 9, 1), dry_run=True), rescreen) == {
        user.pk,
        paused.pk,
    }
    reminders_dispatch(now=at(next_week, 9, 1))
    queued = Delivery.objects.get(recipient=user, object_key=f"rescreen:{next_week.isoformat()}")
    answers = {q.key: False for q in ScreeningQuestion.objects.filter(rescreen=True)}
    time_machine.move_to(at(next_week, 9, 1))
    services.screening_submit(client=user, answers=answers, today=next_week, kind="rescreen")
    assert delivery_send(queued.pk, now=at(next_week, 9, 2)) == "skipped"
    queued.refresh_from_db()
    assert queued.skip_reason == "the re-screen was answered"
    later = next_week + dt.timedelta(days=7)
    assert recipients(reminders_dispatch(now=at(later, 9, 1), dry_run=True), rescreen) == {
        paused.pk
    }


# --- escalation and failed urgent deliveries ----------------------------------------------------


def test_an_alert_not_acknowledged_in_24_hours_is_escalated_to_each_admin_once(version):
    pt = PTFactory()
    user = madrid_client(version, pt=pt)
    admins = [AdminFactory(), AdminFactory()]
    AdminFactory(is_active=False)  # an inactive admin is not told
    alert = hold(user, ["vaginal_bleeding"]).alert
    acknowledged = hold(madrid_client(version, pt=pt), ["chest_pain"]).alert
    services.alert_acknowledge(alert=acknowledged, by=pt)
    day_later = alert.created_at + dt.timedelta(hours=24)

    reminders_dispatch(now=day_later - dt.timedelta(minutes=1))
    alert.refresh_from_db()
    assert alert.escalated_at is None
    assert not Delivery.objects.filter(kind=ReminderKind.ADMIN_ESCALATION).exists()

    dry = reminders_dispatch(now=day_later + dt.timedelta(minutes=1), dry_run=True)
    assert recipients(dry, {ReminderKind.ADMIN_ESCALATION}) == {a.pk for a in admins}
    reminders_dispatch(now=day_later + dt.timedelta(minutes=1))
    reminders_dispatch(now=day_later + dt.timedelta(hours=3))  # later passes change nothing

    alert.refresh_from_db()
    acknowledged.refresh_from_db()
    assert alert.escalated_at is not None and acknowledged.escalated_at is None
    rows = Delivery.objects.filter(kind=ReminderKind.ADMIN_ESCALATION)
    assert sorted(rows.values_list("recipient_id", "object_key")) == [
        (a.pk, f"alert:{alert.pk}") for a in admins
    ]
    notices = Notification.objects.filter(kind=Notification.Kind.ESCALATION)
    assert sorted(n.recipient_id for n in notices) == [a.pk for a in admins]
    assert all("Vaginal bleeding" in n.title and n.urgent for n in notices)

    # The e-mail names nobody and no sign.
    assert delivery_send(rows[0].pk, now=day_later + dt.timedelta(minutes=2)) == "sent"
    (email,) = mail.outbox
    assert "not been acknowledged" in email.body
    for secret in (user.full_name, user.email, "bleeding", "Vaginal"):
        assert secret not in email.body and secret not in email.subject
        assert secret not in email.alternatives[0][0]
    # The in-app notice is the only one (no second "general" notice for the e-mail).
    assert Notification.objects.filter(recipient=rows[0].recipient).count() == 1


def test_a_failed_urgent_alert_delivery_is_shown_to_the_admins_at_once(version, monkeypatch):
    pt = PTFactory()
    user = madrid_client(version, pt=pt)
    admins = [AdminFactory(), AdminFactory()]
    alert = hold(user, ["chest_pain"]).alert
    row = Delivery.objects.get(kind=ReminderKind.PT_ALERT, object_key=f"alert:{alert.pk}")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(delivery_service, "_send_email", broken)
    for _attempt in range(2):
        with pytest.raises(ConnectionRefusedError):
            delivery_send(row.pk, now=timezone.now())

    notices = Notification.objects.filter(kind=Notification.Kind.DELIVERY_FAILED)
    assert sorted(n.recipient_id for n in notices) == [a.pk for a in admins]  # once each
    assert all(n.urgent and str(pt) in n.title for n in notices)
    assert not Notification.objects.filter(recipient=user, kind="delivery_failed").exists()


# --- urgent alerts: no name, no health data, cannot be switched off -----------------------------


def test_the_pt_alert_email_names_nobody_and_no_sign(version):
    pt = PTFactory()
    user = madrid_client(version, pt=pt)
    alert = hold(user, ["vaginal_bleeding"]).alert
    row = Delivery.objects.get(kind=ReminderKind.PT_ALERT, object_key=f"alert:{alert.pk}")

    message = compose(row)
    assert message.subject == "[Prenafit] Urgent alert about a client"
    assert "You have an urgent alert about a client. Open Prenafit to see it." in message.text
    assert "You have an urgent alert about a client. Open Prenafit to see it." in message.html
    for secret in (user.full_name, user.email, "bleeding", "Vaginal", "warning"):
        assert secret not in message.text and secret not in message.html
    assert delivery_send(row.pk, now=timezone.now()) == "sent"
    (email,) = mail.outbox
    assert "List-Unsubscribe" not in email.extra_headers
    # In the app, the notice names her and the sign.
    notice = Notification.objects.get(recipient=pt)
    assert str(user) in notice.title and "Vaginal bleeding" in notice.title


def test_a_pt_cannot_switch_urgent_alerts_off_but_may_choose_the_channel(client):
    pt = PTFactory()
    form = NotificationSettingsForm(instance=NotificationSettings(user=pt), is_pt=True)
    assert "pt_alert" not in form.fields and "pt_alert_channel" in form.fields
    client.force_login(pt)
    page = client.get(reverse("tracker:notification_settings")).content.decode()
    assert 'name="pt_alert"' not in page and "cannot be switched off" in page

    client.post(
        reverse("tracker:notification_settings"),
        {"pt_alert": "", "pt_alert_channel": "in_app", "pt_digest_channel": "email"},
    )
    prefs = NotificationSettings.objects.get(user=pt)
    assert prefs.wants(ReminderKind.PT_ALERT) and prefs.pt_alert_channel == "in_app"

    client.logout()
    url = reverse("tracker:unsubscribe", args=[unsubscribe_token(pt.pk, "pt_alert")])
    assert "cannot be switched off" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200 and "Nothing was changed" in response.content.decode()
    prefs.refresh_from_db()
    assert prefs.pt_alert is True and prefs.wants(ReminderKind.PT_ALERT)


# --- the PT's pages: which sign, everywhere ------------------------------------------------------


def test_her_pt_sees_the_sign_on_her_page_dashboard_csv_and_report_and_another_pt_sees_nothing(
    client, version
):
    pt, other = PTFactory(), PTFactory()
    user = madrid_client(version, pt=pt)
    hold(user, ["vaginal_bleeding", "dizziness"])
    client.force_login(pt)

    page = client.get(reverse("tracker:pt_client", args=[user.pk])).content.decode()
    safety = page[page.index('id="safety-h"') : page.index('id="alerts-h"')]
    assert "On hold" in safety and "Vaginal bleeding, Dizziness" in safety
    assert "Record a clearance" in safety
    alerts = page[page.index('id="alerts-h"') :]
    assert "Vaginal bleeding, Dizziness" in alerts
    assert "Vaginal bleeding" in client.get(reverse("home")).content.decode()

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("tracker:pt_client_csv", args=[user.pk])).content.decode()
            )
        )
    )
    assert rows[0][-1] == "signs"
    assert [r[0] for r in rows if r[-1] == "Vaginal bleeding; Dizziness"] == ["alert", "hold"]
    cohort = list(
        csv.DictReader(io.StringIO(client.get(reverse("tracker:pt_cohort_csv")).content.decode()))
    )
    assert "Vaginal bleeding; Dizziness" in cohort[0]["alert_signs"]
    assert cohort[0]["safety_state"] == "On hold"
    report = client.get(reverse("tracker:pt_report", args=[user.pk])).content.decode()
    assert report.count("Vaginal bleeding, Dizziness") == 2  # the alert and the hold

    client.force_login(other)
    for name in ("tracker:pt_client", "tracker:pt_client_csv", "tracker:pt_report"):
        assert client.get(reverse(name, args=[user.pk])).status_code == 404
    assert "Vaginal bleeding" not in client.get(reverse("home")).content.decode()
    assert "Vaginal" not in client.get(reverse("tracker:pt_cohort_csv")).content.decode()


def test_her_pt_records_a_clearance_with_its_date_and_sees_a_self_reported_one_marked(
    client, version
):
    pt = PTFactory()
    user = madrid_client(version, pt=pt)
    hold(user, ["dizziness"])
    client.force_login(pt)
    url = reverse("tracker:pt_clearance", args=[user.pk])
    assert "Dizziness" in client.get(url).content.decode()

    response = client.post(
        url,
        {"provider": "Dr Ruiz, obstetrician", "cleared_on": str(TODAY - dt.timedelta(days=1))},
    )
    assert response.status_code == 302
    assert state_of(user).active
    clearance = Clearance.objects.get(client=user)
    assert (clearance.cleared_on, clearance.self_reported) == (TODAY - dt.timedelta(days=1), False)

    # A client who had no PT cleared herself; once linked, her PT sees it marked.
    alone = madrid_client(version)
    hold(alone, ["headache"])
    services.clearance_record(
        client=alone, recorded_by=alone, provider="My midwife", note="", today=TODAY
    )
    CareLinkFactory(pt=pt, client=alone)
    page = client.get(reverse("tracker:pt_client", args=[alone.pk])).content.decode()
    assert "self-reported" in page and "My midwife" in page


def test_her_pt_reviews_a_relative_answer_and_a_flagged_item_and_others_cannot(client, version):
    pt, other = PTFactory(), PTFactory()
    user = madrid_client(version, pt=pt)
    screen(user, sedentary=True)
    item = SafetyItem.objects.get(client=user, question_key="sedentary")
    flagged = SafetyItem.objects.create(
        client=user,
        kind=SafetyItem.Kind.ABSOLUTE,
        question_key="placenta_previa",
        needs_review=True,
        closed_at=timezone.now(),
        closed_how=SafetyItem.Closed.CLEARANCE,
    )
    url = reverse("tracker:pt_screening_review", args=[user.pk])
    question = ScreeningQuestion.objects.get(key="sedentary").text

    client.force_login(other)
    assert client.post(url, {"item": item.pk, "note": "fine"}).status_code == 404
    client.force_login(user)
    assert client.post(url, {"item": item.pk, "note": "fine"}).status_code == 404
    client.force_login(pt)
    page = client.get(reverse("tracker:pt_client", args=[user.pk])).content.decode()
    assert "Waiting for clearance" in page and question in page and "needs your review" in page
    client.post(url, {"item": item.pk, "note": ""})
    item.refresh_from_db()
    assert item.is_open  # a review needs a note

    client.post(url, {"item": item.pk, "note": "Walks daily now; fine to start."})
    client.post(url, {"item": flagged.pk, "note": "Placenta moved up at the 28-week scan."})

    item.refresh_from_db()
    flagged.refresh_from_db()
    assert item.closed_how == "reviewed" and not flagged.needs_review
    assert state_of(user).active


def test_her_pt_undoes_an_ended_pregnancy_recorded_by_mistake_and_others_cannot(client, version):
    pt, other = PTFactory(), PTFactory()
    user = madrid_client(version, pt=pt)
    services.pregnancy_end(
        client=user, outcome="ended", on=TODAY, confirm=True, by=user, today=TODAY
    )
    url = reverse("tracker:pt_pregnancy_reopen", args=[user.pk])

    for actor in (other, user):
        client.force_login(actor)
        assert client.post(url).status_code == 404
    assert state_of(user).state == "ended"

    client.force_login(pt)
    assert (
        "Undo “pregnancy ended”"
        in client.get(reverse("tracker:pt_client", args=[user.pk])).content.decode()
    )
    client.post(url)
    assert state_of(user).active and first_session(user) is not None
    client.post(url)  # nothing more to undo: a message, no error
    assert state_of(user).active


# --- the admin's doors --------------------------------------------------------------------------


def _admin_action(client, model, action, pks):
    return client.post(
        reverse(f"admin:tracker_{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


def test_admin_actions_review_items_and_undo_an_ended_pregnancy_through_the_service(
    client, version
):
    admin_user = AdminFactory()
    user = madrid_client(version)
    screen(user, sedentary=True)
    relative = SafetyItem.objects.get(client=user, question_key="sedentary")
    held = hold(madrid_client(version)).item
    ended = madrid_client(version)
    services.pregnancy_end(
        client=ended, outcome="ended", on=TODAY, confirm=True, by=ended, today=TODAY
    )

    client.force_login(PTFactory(is_staff=False))
    refused = _admin_action(client, "safetyitem", "mark_reviewed", [relative.pk])
    assert "/admin/login/" in refused.redirect_chain[-1][0]
    relative.refresh_from_db()
    assert relative.is_open

    client.force_login(admin_user)
    listing = client.get(reverse("admin:tracker_safetyitem_changelist")).content.decode()
    assert "Vaginal bleeding" in listing
    page = _admin_action(client, "safetyitem", "mark_reviewed", [relative.pk, held.pk])
    relative.refresh_from_db()
    held.refresh_from_db()
    assert relative.closed_how == "reviewed" and str(admin_user) in relative.close_note
    assert held.is_open  # a hold closes only with a clearance
    assert "1 item marked reviewed" in page.content.decode()

    _admin_action(client, "pregnancyprofile", "undo_ended", [ended.pregnancy.pk])
    assert state_of(ended).active

    response = client.post(
        reverse("admin:tracker_clearance_add"),
        {
            "client": held.client.pk,
            "provider": "Midwife Sala",
            "cleared_on": str(TODAY),
            "note": "",
        },
    )
    assert response.status_code == 302
    clearance = Clearance.objects.get(client=held.client)
    assert clearance.cleared_on == TODAY and not clearance.self_reported
    assert state_of(held.client).active


def test_the_pt_weekly_digest_says_someone_needs_a_look_and_names_and_counts_none(version):
    pt = PTFactory()
    user = madrid_client(version, pt=pt)
    hold(user, ["headache"])
    row = Delivery.objects.create(
        recipient=pt, kind=ReminderKind.PT_DIGEST, object_key="week:2027-W12", due_at=NOW
    )
    message = compose(row)
    assert "some of your clients need a look this week." in message.text
    assert "1 with open alerts" not in message.text  # with one client, a count is her news
    for secret in (user.full_name, user.email, "Headache"):
        assert secret not in message.text and secret not in message.html


def test_a_missed_session_reminder_that_would_fall_on_42_weeks_is_not_sent(version):
    user = madrid_client(version)
    session = first_session(user)
    # Her session is on 41+6; its missed-session reminder would go out at 07:30 on 42+0.
    PregnancyProfile.objects.filter(client=user).update(
        due_date=session.date - dt.timedelta(weeks=2) + dt.timedelta(days=1)
    )
    next_day = session.date + dt.timedelta(days=1)
    result = reminders_dispatch(now=at(next_day, 8), dry_run=True)
    assert not [c for c in result.candidates if c.object_key == f"session:{session.pk}"]
