"""Every form, fuzzed: Hypothesis posts random and hostile values (empty, huge, negative,
unicode, NUL bytes, wrong types, missing fields, impossible dates). No answer may be a 500,
and a refusal must leave nothing partly saved."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clock import pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker.models import PTNote, ScreeningQuestion
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

HOSTILE = [
    "", " ", "0", "-1", "-999999999999", "99999999999999999999", "1e309", "NaN", "inf", "3.7",
    "2020-02-30", "0000-00-00", "9999-12-31", "0001-01-01", "1900-01-01", "2999-01-01", "99:99",
    "25:00", "12:60", "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "a\x00b", "٣", "🤰🏽",
    "Robert'); DROP TABLE users;--", "x" * 10_000, "Europe/Nowhere", "mon", "yes", "no", "true",
    "declined", "completed", "skipped", "partial", "DELETEX",
]  # fmt: skip

value = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=50),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
        lambda d: d.isoformat()
    ),
)
values = st.one_of(value, st.lists(value, max_size=4))


@dataclass
class Form:
    name: str
    url: object  # (ctx) -> str
    fields: object  # (ctx) -> list[str]
    actor: str = "client"  # who posts: client, new_client, pt, anonymous
    models: list[str] = field(default_factory=list)


def _session(ctx):
    return ctx["enrolment"].sessions.filter(date__lt=ctx["today"]).order_by("date").first()


def _future(ctx):
    return ctx["enrolment"].sessions.filter(date__gt=ctx["today"]).order_by("date").first()


LOG_FIELDS = [
    "status",
    "skip_reason",
    "performed_on",
    "minutes",
    "rpe",
    "avg_heart_rate",
    "warning_signs",
    "notes",
]
HEALTH = [
    "tracker.SessionLog",
    "tracker.ExerciseLog",
    "tracker.SessionLogRevision",
    "tracker.Alert",
]

FORMS = [
    Form("signup", lambda c: "/accounts/signup/", lambda c: ["email", "password1", "password2", "full_name", "account_type", "time_zone", "consent", "age_confirmed"], "anonymous", ["users.User"]),
    Form("login", lambda c: "/accounts/login/", lambda c: ["login", "password", "remember"], "anonymous"),
    Form("password_reset", lambda c: "/accounts/password/reset/", lambda c: ["email"], "anonymous"),
    Form("profile", lambda c: "/profile/", lambda c: ["full_name", "time_zone", "language"]),
    Form("pregnancy", lambda c: "/me/pregnancy/", lambda c: ["due_date", "lmp_date"], "new_client", ["tracker.PregnancyProfile"]),
    Form("screening", lambda c: "/me/screening/", lambda c: list(ScreeningQuestion.objects.values_list("key", flat=True)), "new_client", ["tracker.Screening"]),
    Form("enrol", lambda c: "/me/enrol/", lambda c: ["weekdays", "start_time", "time_zone", "version"], "screened_client", ["tracker.Enrolment", "tracker.ScheduledSession"]),
    Form("schedule", lambda c: "/me/schedule/", lambda c: ["weekdays", "start_time", "time_zone"], "client", ["tracker.Enrolment"]),
    Form("reschedule", lambda c: f"/me/sessions/{_future(c).pk}/reschedule/", lambda c: ["date"]),
    Form("pause", lambda c: "/me/schedule/pause/", lambda c: ["reason"]),
    Form("pregnancy_end", lambda c: "/me/pregnancy/end/", lambda c: ["outcome", "date", "confirm"], "client", ["tracker.PregnancyProfile", "tracker.ScheduledSession"]),
    Form("self_clearance", lambda c: "/me/safety/clearance/", lambda c: ["provider", "cleared_on", "note"], "client", ["tracker.Clearance", "tracker.SafetyItem"]),
    Form("safety_seen", lambda c: "/me/safety/seen/", lambda c: ["provider", "seen_on"], "client", ["tracker.Notification"]),
    Form("session_log", lambda c: f"/me/sessions/{_session(c).pk}/log/", lambda c: LOG_FIELDS + [f"rx_{p}_{k}" for p in c["rx"] for k in ("done", "sets", "load")], "client", HEALTH),
    Form("extra_log", lambda c: "/me/logs/new/", lambda c: LOG_FIELDS, "client", HEALTH),
    Form("assessment", lambda c: "/me/assessments/new/", lambda c: ["vas_low_back_mm", "vas_low_back_mm_none", "vas_sciatic_mm", "vas_sciatic_mm_none", "pain_locations", "calf_swelling", "symptoms", "red_flags"] + [f"odi_{i}" for i in range(1, 11)], "client", ["tracker.Assessment", "tracker.Alert"]),
    Form("delete_account", lambda c: "/me/delete/", lambda c: ["confirm"], "client", ["users.User"]),
    Form("notification_settings", lambda c: "/settings/notifications/", lambda c: ["session_upcoming", "session_upcoming_channel", "session_mode", "session_lead_minutes", "digest_time", "session_missed", "weekly_check_in", "quiet_start", "quiet_end"]),
    Form("pt_note", lambda c: f"/pt/clients/{c['client'].pk}/notes/", lambda c: ["text"], "pt", ["tracker.PTNote"]),
    Form("pt_note_edit", lambda c: f"/pt/clients/{c['client'].pk}/notes/{c['note'].pk}/", lambda c: ["text"], "pt", ["tracker.PTNote"]),
    Form("pt_swap", lambda c: f"/pt/clients/{c['client'].pk}/swap/", lambda c: ["original", "replacement", "reason"], "pt", ["tracker.ExerciseSwap"]),
    Form("pt_schedule", lambda c: f"/pt/clients/{c['client'].pk}/schedule/", lambda c: ["weekdays", "start_time", "time_zone"], "pt", ["tracker.PlanChange"]),
    Form("pt_pause", lambda c: f"/pt/clients/{c['client'].pk}/pause/", lambda c: ["reason"], "pt"),
    Form("pt_clearance", lambda c: f"/pt/clients/{c['client'].pk}/clearance/", lambda c: ["provider", "cleared_on", "note"], "pt", ["tracker.Clearance"]),
    Form("pt_screening_review", lambda c: f"/pt/clients/{c['client'].pk}/screening/review/", lambda c: ["item", "note"], "pt", ["tracker.SafetyItem"]),
    Form("invite", lambda c: "/pt/invite/", lambda c: ["email"], "pt", ["users.Invitation"]),
    Form("dashboard_filters", lambda c: "/home/", lambda c: ["q", "show", "sort", "page"], "pt"),
]  # fmt: skip


@pytest.fixture
def ctx(db, reference_data):
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    pt = PTFactory()
    client_user = ClientFactory()
    today = local_today(client_user)
    enrolment = enrolled_client(
        today=today, client=client_user, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    screened = ClientFactory()
    from tests.factories import all_no
    from tracker import services

    services.pregnancy_save(
        client=screened,
        due_date=today + dt.timedelta(days=150),
        lmp_date=None,
        today=today,
    )
    services.screening_submit(client=screened, answers=all_no(), today=today)
    session = enrolment.sessions.filter(date__lt=today).order_by("date").first()
    rx = list(
        apps.get_model("programs", "Prescription")
        .objects.filter(block__template_id=session.template_id)
        .values_list("pk", flat=True)
    )
    return {
        "client": client_user,
        "new_client": ClientFactory(),
        "screened_client": screened,
        "pt": pt,
        "enrolment": enrolment,
        "today": today,
        "rx": rx,
        "note": PTNote.objects.create(client=client_user, author=pt, text="first"),
        "other_pt": CareLinkFactory().pt,
    }


def _counts(models):
    return {m: apps.get_model(m).objects.count() for m in models}


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_no_form_answers_500_and_refusals_save_nothing(client, ctx, form):
    user = None if form.actor == "anonymous" else ctx[form.actor]
    url = form.url(ctx)
    names = form.fields(ctx)
    method = client.get if form.name == "dashboard_filters" else client.post

    @settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        data=st.fixed_dictionaries({}, optional={name: values for name in names}),
        extra=st.dictionaries(st.text(max_size=10), value, max_size=2),
    )
    def post(data, extra):
        if user is not None:
            client.force_login(user)
        else:
            client.logout()
        before = _counts(form.models)
        response = method(url, {**extra, **data})
        assert response.status_code < 500, (url, data, response.status_code)
        if response.status_code in (200, 400) and form.models and method is client.post:
            assert _counts(form.models) == before, (url, data)

    post()
