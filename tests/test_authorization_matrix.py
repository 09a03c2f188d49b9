"""Every URL pattern, every actor: who may open what.

The test lists every URL pattern from the resolver. A pattern with no row here fails
`test_every_url_pattern_has_a_row`, so each new view must declare, for all six actors, what
they get. Data that is not yours answers 404 (not 403), so ids cannot be probed.

Expectations:
  200 / 404 / 405 ...   that status code
  LOGIN                 a redirect to the log-in page
  ADMIN_LOGIN           a redirect to the admin's log-in page (non-staff in the admin)
  REDIRECT              any other redirect
  OK                    200 or a redirect that is not to a log-in page (for admin pages
                        whose sample object may not exist)
"""

from dataclasses import dataclass, field

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.clock import WEDNESDAY_MORNING, pin

MATRIX_MOMENT = WEDNESDAY_MORNING
pytestmark = [pin(MATRIX_MOMENT), pytest.mark.probe]

ACTORS = ("anonymous", "client", "other_client", "her_pt", "other_pt", "admin")
LOGIN, ADMIN_LOGIN, REDIRECT, OK = "login", "admin-login", "redirect", "ok"


@dataclass(frozen=True)
class Row:
    anonymous: object
    client: object
    other_client: object
    her_pt: object
    other_pt: object
    admin: object
    kwargs: dict = field(default_factory=dict)  # values may be callables of the cast
    method: str = "get"

    def expected(self, actor: str):
        return getattr(self, actor)


def everyone(value, **extra) -> Row:
    return Row(value, value, value, value, value, value, **extra)


def logged_in(value, anonymous=LOGIN, **extra) -> Row:
    return Row(anonymous, value, value, value, value, value, **extra)


def _api_token(cast):
    from users.models import ApiToken

    return ApiToken.objects.create(user=cast.client, name="phone")[0].pk


def client_id(cast):
    return cast.client.pk


def _log(cast):
    """An extra (unscheduled) log of the client's, made inside the test (rolled back)."""
    from tracker.models import SessionLog

    return SessionLog.objects.create(
        client=cast.client,
        status="completed",
        performed_on=cast.client.enrolment.created_at.date(),
        minutes=30,
        rpe=12,
        warning_signs=["headache"],
        flagged=True,
    )


def _assessment(cast):
    from tracker import services
    from tracker.selectors import local_today

    return services.assessment_record(
        client=cast.client,
        vas_low_back_mm=10,
        vas_sciatic_mm=5,
        odi_answers=[1] * 10,
        pain_locations=[],
        symptoms=[],
        today=local_today(cast.client),
    )


def _notice(cast):
    from tracker.models import Notification

    return Notification.objects.create(recipient=cast.client, kind="general", title="Hello")


def _unsubscribe_token(cast):
    from tracker.reminders.delivery import unsubscribe_token

    return unsubscribe_token(cast.client.pk, "session_upcoming")


def _push_device(cast):
    """A device of the client's, set up for push notifications (rows made inside the test)."""
    from tracker.models import PushSubscription

    return PushSubscription.objects.create(
        user=cast.client,
        endpoint=f"https://push.example.test/{cast.client.pk}",
        p256dh="key",
        auth="secret",
    )


def _note(cast):
    from tracker.models import PTNote

    return PTNote.objects.create(client=cast.client, author=cast.her_pt, text="note")


def _alert(cast):
    from tracker.models import Alert

    return Alert.objects.create(client=cast.client, kind="leg_weakness")


def _invitation_token(cast):
    from users.services import invitation_create

    return invitation_create(pt=cast.her_pt, email="invited@example.test")[1]


def session_id(cast):
    return cast.client.scheduled_sessions.order_by("date").first().pk


# A row per URL pattern (by name, or by route for unnamed patterns).
MATRIX: dict[str, Row] = {
    # --- project ---
    "healthz": everyone(200),
    "favicon": everyone(REDIRECT),  # to the static icon
    # The installable app: its service worker and offline page are public (nothing personal).
    "service_worker": everyone(200),
    "offline": everyone(200),
    "landing": Row(200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "home": logged_in(200),
    "profile": logged_in(200),
    # The privacy notice is public; the consent page is for anyone signed in (the cast agreed
    # already, so it says when).
    "privacy": everyone(200),
    "language": everyone(REDIRECT, method="post"),
    "consent": logged_in(200),
    # --- the client's own pages: 404 for every other role ---
    "tracker:pregnancy": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:screening": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:screening_result": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:enrol": Row(LOGIN, REDIRECT, REDIRECT, 404, 404, 404),  # both already enrolled
    "tracker:week": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:calendar": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:session": Row(LOGIN, 200, 404, 404, 404, 404, kwargs={"session_id": session_id}),
    "tracker:session_go": Row(LOGIN, 200, 404, 404, 404, 404, kwargs={"session_id": session_id}),
    "tracker:session_reschedule": Row(
        LOGIN, REDIRECT, 404, 404, 404, 404, kwargs={"session_id": session_id}, method="post"
    ),
    "tracker:schedule": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:schedule_pause": Row(LOGIN, REDIRECT, REDIRECT, 404, 404, 404, method="post"),
    "tracker:schedule_resume": Row(LOGIN, REDIRECT, REDIRECT, 404, 404, 404, method="post"),
    "tracker:feed_regenerate": Row(LOGIN, REDIRECT, REDIRECT, 404, 404, 404, method="post"),
    "tracker:birth": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:pregnancy_end": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:rescreen": Row(LOGIN, 200, 200, 404, 404, 404),
    # Her own clearance and "tell my PT": an empty POST is refused back to home.
    "tracker:safety_clearance": Row(LOGIN, REDIRECT, REDIRECT, 404, 404, 404, method="post"),
    "tracker:safety_seen": Row(LOGIN, REDIRECT, REDIRECT, 404, 404, 404, method="post"),
    # The calendar feed is public by its secret URL (phones subscribe without a session).
    "tracker:calendar_feed": everyone(
        200, kwargs={"token": lambda cast: cast.client.enrolment.feed_token}
    ),
    "tracker:session_log": Row(LOGIN, 200, 404, 404, 404, 404, kwargs={"session_id": session_id}),
    "tracker:logs": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:offline_pack": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:extra_log": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:log_edit": Row(
        LOGIN, 200, 404, 404, 404, 404, kwargs={"log_id": lambda c: _log(c).pk}
    ),
    "tracker:stop": Row(LOGIN, 200, 404, 404, 404, 404, kwargs={"log_id": lambda c: _log(c).pk}),
    # Her corrections: a POST without `confirm` answers the "are you sure?" page.
    "tracker:log_withdraw": Row(
        LOGIN, 200, 404, 404, 404, 404, kwargs={"log_id": lambda c: _log(c).pk}, method="post"
    ),
    "tracker:assessment_new": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:assessment": Row(
        LOGIN, 200, 404, 404, 404, 404, kwargs={"assessment_id": lambda c: _assessment(c).pk}
    ),
    "tracker:assessment_edit": Row(
        LOGIN, 200, 404, 404, 404, 404, kwargs={"assessment_id": lambda c: _assessment(c).pk}
    ),
    "tracker:assessment_withdraw": Row(
        LOGIN,
        200,
        404,
        404,
        404,
        404,
        kwargs={"assessment_id": lambda c: _assessment(c).pk},
        method="post",
    ),
    "tracker:progress": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:export_json": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:export_csv": Row(LOGIN, 200, 200, 404, 404, 404),
    "tracker:delete_account": Row(LOGIN, 200, 200, 404, 404, 404),
    # --- a PT's pages about one client: her PT only ---
    "tracker:pt_clearance": Row(LOGIN, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}),
    "tracker:pt_client": Row(LOGIN, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}),
    # The sections of her page loaded on demand: the same doors as the page.
    **{
        f"tracker:pt_client_{section}": Row(
            LOGIN, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}
        )
        for section in (
            "logs",
            "check_ins",
            "corrections",
            "sessions",
            "screen",
            "notes",
            "plan_changes",
        )
    },
    "tracker:pt_schedule": Row(LOGIN, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}),
    "tracker:pt_client_csv": Row(LOGIN, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}),
    "tracker:pt_report": Row(LOGIN, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}),
    **{
        f"tracker:pt_{action}": Row(
            LOGIN, 404, 404, REDIRECT, 404, 404, kwargs={"client_id": client_id}, method="post"
        )
        for action in (
            "note_add",
            "swap",
            "pause",
            "resume",
            "unlink",
            "screening_review",
            "pregnancy_reopen",
        )
    },
    "tracker:pt_note_edit": Row(
        LOGIN,
        404,
        404,
        200,
        404,
        404,
        kwargs={"client_id": client_id, "note_id": lambda c: _note(c).pk},
    ),
    "tracker:pt_alert_ack": Row(
        LOGIN,
        404,
        404,
        REDIRECT,
        404,
        404,
        kwargs={"client_id": client_id, "alert_id": lambda c: _alert(c).pk},
        method="post",
    ),
    "tracker:pt_cohort_csv": Row(LOGIN, 404, 404, 200, 200, 404),
    # --- notifications ---
    "tracker:notifications": logged_in(200),
    "tracker:notification_read": Row(
        LOGIN,
        REDIRECT,
        404,
        404,
        404,
        404,
        kwargs={"notification_id": lambda c: _notice(c).pk},
        method="post",
    ),
    "tracker:notifications_read_all": logged_in(REDIRECT, method="post"),
    "tracker:notification_settings": logged_in(200),
    # Her devices for push notifications (issue 17): only she removes hers; the test button
    # answers everyone signed in (with a message: no keys on this server, or how many got it).
    "tracker:push_remove": Row(
        LOGIN,
        REDIRECT,
        404,
        404,
        404,
        404,
        kwargs={"subscription_id": lambda c: _push_device(c).pk},
        method="post",
    ),
    "tracker:push_test": logged_in(REDIRECT, method="post"),
    # One-click unsubscribe works from the e-mail, without a session.
    "tracker:unsubscribe": everyone(200, kwargs={"token": lambda c: _unsubscribe_token(c)}),
    # --- JSON API: 401 without credentials; the same 404 rules as the pages ---
    "api_token": everyone(400, method="post"),  # no e-mail or password given
    # Her own tokens: everyone signed in lists her own; only she revokes hers.
    "api_tokens": Row(401, 200, 200, 200, 200, 200),
    "api_token_detail": Row(
        401, 204, 404, 404, 404, 404, kwargs={"token_id": lambda c: _api_token(c)}, method="delete"
    ),
    **{
        name: Row(401, 200, 200, 404, 404, 404)
        for name in (
            "api_me",
            "api_screening",
            "api_sessions",
            "api_assessments",
            "api_progress",
            "api_export",
        )
    },
    **{
        name: Row(401, 400, 400, 404, 404, 404, method="post")
        for name in ("api_enrolment", "api_logs")
    },
    "api_session": Row(401, 200, 404, 404, 404, 404, kwargs={"session_id": session_id}),
    # Her corrections (GET; PATCH and DELETE have the same doors: tests/api/test_corrections_api).
    "api_log": Row(401, 200, 404, 404, 404, 404, kwargs={"log_id": lambda c: _log(c).pk}),
    "api_assessment": Row(
        401, 200, 404, 404, 404, 404, kwargs={"assessment_id": lambda c: _assessment(c).pk}
    ),
    **{
        name: Row(401, 400, 404, 404, 404, 404, kwargs={"session_id": session_id}, method="post")
        for name in ("api_session_reschedule", "api_session_log")
    },
    "api_notifications": Row(401, 200, 200, 200, 200, 200),
    "api_notification_read": Row(
        401,
        200,
        404,
        404,
        404,
        404,
        kwargs={"notification_id": lambda c: _notice(c).pk},
        method="post",
    ),
    "api_clients": Row(401, 404, 404, 200, 200, 404),
    **{
        name: Row(401, 404, 404, 200, 404, 404, kwargs={"client_id": client_id})
        for name in (
            "api_client",
            "api_client_sessions",
            "api_client_assessments",
            "api_client_alerts",
            "api_client_notes",
        )
    },
    "api_client_alert_ack": Row(
        401,
        404,
        404,
        200,
        404,
        404,
        kwargs={"client_id": client_id, "alert_id": lambda c: _alert(c).pk},
        method="post",
    ),
    # --- JSON API, the safety loop (an empty POST: the fields are missing, or nothing to do) ---
    "api_safety": Row(401, 200, 200, 404, 404, 404),
    **{
        name: Row(401, 400, 400, 404, 404, 404, method="post")
        for name in (
            "api_clearance",
            "api_safety_seen",
            "api_enrolment_resume",  # not paused
            "api_pregnancy_end",
        )
    },
    "api_enrolment_pause": Row(401, 200, 200, 404, 404, 404, method="post"),  # reason optional
    "api_client_logs": Row(401, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}),
    **{
        name: Row(401, 404, 404, 400, 404, 404, kwargs={"client_id": client_id}, method="post")
        for name in (
            "api_client_clearance",
            "api_client_screening_review",
            "api_client_resume",  # not paused
            "api_client_pregnancy_reopen",  # not ended
        )
    },
    "api_client_pause": Row(
        401, 404, 404, 200, 404, 404, kwargs={"client_id": client_id}, method="post"
    ),
    # --- JSON API, a PT's plan changes, exports and invitations (issue 16) ---
    **{
        name: Row(401, 404, 404, 200, 404, 404, kwargs={"client_id": client_id})
        for name in ("api_client_swaps", "api_client_schedule", "api_client_csv")
    },
    "api_cohort_csv": Row(401, 404, 404, 200, 200, 404),
    "api_invitations": Row(401, 404, 404, 200, 200, 404),
    # Her own reminder settings: anyone signed in (client or PT), as the web's page.
    "api_preferences": Row(401, 200, 200, 200, 200, 200),
    # Deleting her own account: clients only, as the web's page.
    "api_delete_account": Row(401, 200, 200, 404, 404, 404),
    # Her devices for push notifications: anyone signed in lists hers; only she removes hers;
    # without VAPID keys (as here) the test answers 400 push_unavailable.
    "api_push_subscriptions": Row(401, 200, 200, 200, 200, 200),
    "api_push_subscription": Row(
        401,
        204,
        404,
        404,
        404,
        404,
        kwargs={"subscription_id": lambda c: _push_device(c).pk},
        method="delete",
    ),
    "api_push_test": Row(401, 400, 400, 400, 400, 400, method="post"),
    "api_programs": everyone(200),
    "api_program": everyone(200, kwargs={"slug": "aparicio2023"}),
    "api_exercises": everyone(200),
    "api_schema": everyone(200),
    "api_docs": everyone(200),
    "api_not_found": everyone(404),  # the end of /api/v1/: JSON, whoever asks
    # --- linking ---
    "invite": Row(LOGIN, 404, 404, 200, 200, 404),
    "invitation": everyone(200, kwargs={"token": lambda c: _invitation_token(c)}),
    "unlink_pt": Row(LOGIN, REDIRECT, REDIRECT, 404, 404, 404, method="post"),
    # --- public program pages ---
    "programs:about": everyone(200),
    "programs:exercise_list": everyone(200),
    "programs:exercise_detail": everyone(200, kwargs={"slug": lambda cast: _exercise_slug()}),
    # --- admin: staff only; everyone else is sent to the admin log-in ---
    "admin:*": Row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK),
    # The admin's log-in goes through allauth (throttling, 2FA); non-staff are refused.
    "admin:login": Row(LOGIN, 403, 403, 403, 403, OK),
    # Log-out takes POST only.
    "admin:logout": Row(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, 405),
    # Needs query parameters naming a model admin and field; staff without them get 403.
    "admin:autocomplete": Row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403),
    # Users have no public page to "view on site".
    "admin:view_on_site": Row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404),
    # Phases, templates and blocks are added on their parent's page, not on their own.
    "admin:programs_phase_add": Row(*[ADMIN_LOGIN] * 5, 403),
    "admin:programs_sessiontemplate_add": Row(*[ADMIN_LOGIN] * 5, 403),
    "admin:programs_block_add": Row(*[ADMIN_LOGIN] * 5, 403),
    # Health records are written by the app, never added by hand in the admin.
    **{
        f"admin:tracker_{model}_add": Row(*[ADMIN_LOGIN] * 5, 403)
        for model in (
            "pregnancyprofile",
            "screening",
            "enrolment",
            "scheduledsession",
            "sessionlog",
            "notification",
            "assessment",
            "alert",
            "odisection",
            "ptnote",
            "exerciseswap",
            "planchange",
            "auditevent",
            "delivery",
            "safetyitem",
            "pushsubscription",  # made by her browser, through the API
        )
    },
    # Safety items are opened and closed only by the safety service (SAFETY.md section 1).
    "admin:tracker_safetyitem_delete": Row(*[ADMIN_LOGIN] * 5, 403),
    # The ten ODI sections are fixed: their wording may change, their number may not.
    "admin:tracker_odisection_delete": Row(*[ADMIN_LOGIN] * 5, 403),
    "admin:users_invitation_add": Row(*[ADMIN_LOGIN] * 5, 403),
    "admin:users_apitoken_add": Row(*[ADMIN_LOGIN] * 5, 403),  # tokens come from signing in
    "admin:tracker_auditevent_delete": Row(*[ADMIN_LOGIN] * 5, 403),  # append-only
    "admin/(?P<url>.*)$": Row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404),
    # --- accounts (allauth) ---
    "account_login": Row(200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "account_signup": Row(200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "account_logout": Row(REDIRECT, 200, 200, 200, 200, 200),
    "account_inactive": everyone(200),
    "account_reauthenticate": logged_in(200),
    "account_email": logged_in(200),
    "account_email_verification_sent": everyone(200),
    "account_change_password": logged_in(200),
    "account_set_password": logged_in(REDIRECT),
    "account_reset_password": everyone(200),
    "account_reset_password_done": everyone(200),
    "account_reset_password_from_key_done": everyone(200),
    # Only meaningful in the middle of a log-in by code (not enabled): back to log-in.
    "account_confirm_login_code": logged_in(REDIRECT),
    "account_confirm_email": everyone(200, kwargs={"key": "not-a-real-key"}),
    "account_reset_password_from_key": everyone(
        200, kwargs={"uidb36": "zz", "key": "not-a-real-key"}
    ),
    "mfa_index": logged_in(200),
    # The second step of a log-in; with no log-in under way, back to the first step.
    "mfa_authenticate": logged_in(REDIRECT),
    "mfa_reauthenticate": logged_in(REDIRECT),
    # Turning on TOTP asks for the password again first.
    "mfa_activate_totp": logged_in(REDIRECT),
    # Nothing to turn off or view until TOTP is on.
    "mfa_deactivate_totp": logged_in(404),
    "mfa_view_recovery_codes": logged_in(404),
    "mfa_generate_recovery_codes": logged_in(REDIRECT),
    "mfa_download_recovery_codes": logged_in(404),
}

# Sample values for admin URL arguments: the target client's own records.
ADMIN_SAMPLE_KWARGS = {
    "object_id": client_id,
    "id": client_id,
    "app_label": lambda cast: "users",
    "content_type_id": lambda cast: _user_content_type_id(),
    "url": lambda cast: "no-such-page/",
    "phase_id": lambda cast: _phase_id(),
}


def _phase_id():
    from tests.factories import build_program_version

    return build_program_version(templates_per_phase=1, prescriptions_per_block=1).phases.first().pk


def _exercise_slug():
    from tests.factories import ExerciseFactory

    return ExerciseFactory().slug


def _user_content_type_id():
    from django.contrib.contenttypes.models import ContentType

    from users.models import User

    return ContentType.objects.get_for_model(User).pk


def _walk(patterns, namespace=None, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern.url_patterns, full_ns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                name = None
            yield name, route, namespace, pattern


def all_patterns():
    return list(_walk(get_resolver().url_patterns))


def row_key(name, route, namespace):
    if (name or route) in MATRIX:
        return name or route
    if namespace == "admin":
        return "admin:*"
    return name or route


def test_every_url_pattern_has_a_row():
    missing = sorted(
        {
            (name or route)
            for name, route, namespace, _ in all_patterns()
            if row_key(name, route, namespace) not in MATRIX
        }
    )
    assert not missing, f"URL patterns with no authorization row: {missing}"


def test_every_row_names_a_real_pattern():
    keys = {row_key(n, r, ns) for n, r, ns, _ in all_patterns()}
    stale = sorted(set(MATRIX) - keys)
    assert not stale, f"Rows for URL patterns that no longer exist: {stale}"


def _cases():
    seen = set()
    for name, route, namespace, _pattern in all_patterns():
        key = row_key(name, route, namespace)
        if key not in MATRIX or (name, route) in seen:
            continue
        seen.add((name, route))
        for actor in ACTORS:
            yield pytest.param(name, route, key, actor, id=f"{name or route}-{actor}")


def sample_kwargs(name, route, key, pattern_kwargs, cast) -> dict:
    """The URL arguments of a pattern's row, for the cast (also used by tests/test_odd_input)."""
    row = MATRIX[key]
    kwargs = {}
    if name and name.startswith("admin:") and not name.startswith("admin:users_user"):
        # Other admin objects: an id that does not exist (the admin says so and redirects).
        row = Row(*[None] * 6, kwargs={"object_id": "999999", **row.kwargs})
    for arg in pattern_kwargs:
        value = row.kwargs.get(arg) or ADMIN_SAMPLE_KWARGS.get(arg)
        if value is None:
            raise AssertionError(f"No sample value for {arg!r} of {name or route}")
        kwargs[arg] = value(cast) if callable(value) else value
    return kwargs


def _url_for(name, route, key, pattern_kwargs, cast):
    kwargs = sample_kwargs(name, route, key, pattern_kwargs, cast)
    if name:
        return reverse(name, kwargs=kwargs)
    # Unnamed admin patterns (redirects to change pages, the catch-all).
    path = "/" + route.replace("<path:object_id>", str(kwargs.get("object_id", "")))
    return path.replace("(?P<url>.*)$", "no-such-page/")


@pytest.fixture(scope="module")
def cast(django_db_setup, django_db_blocker):
    """One cast for the whole matrix (each test's own changes are rolled back), made at the
    moment every test of the module is pinned to."""
    from tests.conftest import delete_cast, make_cast

    with time_machine.travel(MATRIX_MOMENT), django_db_blocker.unblock():
        made = make_cast()
    yield made
    with django_db_blocker.unblock():
        delete_cast(made)


@pytest.mark.parametrize(("name", "route", "key", "actor"), list(_cases()))
def test_authorization(client, db, cast, name, route, key, actor):
    pattern = next(p for n, r, _, p in all_patterns() if n == name and r == route)
    arg_names = list(pattern.pattern.converters) or list(pattern.pattern.regex.groupindex)
    url = _url_for(name, route, key, arg_names, cast)
    user = cast.user(actor)
    if user is not None:
        client.force_login(user)
    row = MATRIX[key]
    response = getattr(client, row.method)(url)
    expected = row.expected(actor)
    # Every response, whoever asks, carries the security headers.
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert response.has_header(header), header
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    location = response.headers.get("Location", "")
    got = f"{response.status_code} {location}".strip()
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in location, got
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302 and "/admin/login/" in location, got
    elif expected == REDIRECT:
        assert response.status_code in (301, 302) and "/login/" not in location, got
    elif expected == OK:
        assert response.status_code in (200, 302) and "/login/" not in location, got
    else:
        assert response.status_code == expected, got
