"""Plain, consistent words (issue 15, part 9): durations in minutes past 90 s, labels a person
would write (sentence case, no field names), human range messages, "email" spelled one way,
allauth's account pages in the site's sentence case, and the first real session's date."""

import ast
import datetime as dt
import pathlib
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import strip_tags

from programs.models import Prescription
from programs.templatetags.program_tags import dose_text, duration
from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, enrolled_client
from tests.test_text_fields import _form_classes, _form_kwargs
from tracker.forms import ERR_LEAD_MINUTES
from tracker.models import NotificationSettings
from tracker.selectors import local_today

ROOT = pathlib.Path(settings.BASE_DIR)


# --- durations and doses (pure) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 s"),
        (45, "45 s"),
        (60, "60 s"),
        (90, "90 s"),
        (91, "1 min 31 s"),
        (120, "2 min"),
        (150, "2 min 30 s"),
        (540, "9 min"),
        (3600, "60 min"),
        ("540", "9 min"),
        (None, ""),
        ("", ""),
        (0, ""),
        ("soon", ""),
    ],
)
def test_a_duration_over_90_seconds_reads_in_minutes(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("sets", "reps", "seconds", "text"),
    [
        (2, None, 540, "2 x 9 min"),
        (None, None, 540, "9 min"),
        (1, None, 45, "45 s"),
        (3, None, 30, "3 x 30 s"),
        (3, 12, None, "3 x 12"),
        (None, 10, None, "1 x 10"),
        (2, None, None, ""),
    ],
)
def test_a_dose_says_sets_and_each_duration_in_words(sets, reps, seconds, text):
    assert dose_text(sets=sets, reps=reps, seconds=seconds) == text


# --- every label in our forms -------------------------------------------------------------------

# Words that keep their capital inside a sentence-case label.
PROPER = {"I", "Borg", "Prenafit", "PTs", "ODI", "VAS", "DELETE", "PT", "RPE"}
SENTENCE_END = re.compile(r"[.?!:]$")


def title_case_words(text: str) -> list[str]:
    """The words of `text` capitalised as in Title Case (not the first word, not a word after
    a full stop, not a name or an acronym)."""
    words = re.findall(r"[^\s]+", strip_tags(str(text)))
    found = []
    for previous, word in zip(words, words[1:], strict=False):
        bare = word.strip("()“”\"'‘’,;:.?!…")
        if not bare or not bare[0].isupper() or bare in PROPER or bare.isupper():
            continue
        if SENTENCE_END.search(previous) or re.fullmatch(r"\d+\.", previous):
            continue
        found.append(bare)
    return found


def _form_instances():
    from programs.models import Exercise
    from tracker.models import OdiSection, ScreeningQuestion

    rx = SimpleNamespace(pk=1, exercise=SimpleNamespace(name="Supported split squat"))
    real = {
        "ScreeningForm": {"questions": ScreeningQuestion.objects.all()},
        "SessionLogForm": {"prescriptions": [rx]},
        "AssessmentForm": {"sections": OdiSection.objects.order_by("number")},
        "SwapForm": {"in_plan": Exercise.objects.none(), "candidates": []},
    }
    for form_class in _form_classes():
        name = form_class.__name__
        kwargs = real.get(name, _form_kwargs().get(name, {}))
        if name == "NotificationSettingsForm":
            yield from (form_class(is_pt=is_pt) for is_pt in (False, True))
        else:
            yield form_class(**kwargs)
    yield from _account_forms()


def _account_forms():
    """allauth's forms on the pages we use, each the class its view builds (ACCOUNT_FORMS
    first, allauth's own otherwise)."""
    from allauth.account import views

    for view in (
        views.LoginView,
        views.SignupView,
        views.PasswordChangeView,
        views.PasswordSetView,
        views.PasswordResetView,
        views.PasswordResetFromKeyView,
        views.EmailView,  # add an address
        views.ReauthenticateView,
    ):
        form_class = view().get_form_class()
        anonymous = view in (views.LoginView, views.SignupView, views.PasswordResetView)
        yield form_class() if anonymous else form_class(user=None)


def _leaks_a_field_name(form, name, field) -> bool:
    """The label was made from the field's name: a plain form field without a label, or a
    model form's field whose model field has no verbose name and the form none either."""
    meta = getattr(form, "_meta", None)
    if meta is None or name in form.declared_fields:
        return field.label is None
    if name in (meta.labels or {}):
        return False
    return meta.model._meta.get_field(name)._verbose_name is None


@pytest.mark.django_db
def test_every_form_label_is_sentence_case_without_a_field_name():
    problems, seen = [], set()
    for form in _form_instances():
        for name, field in form.fields.items():
            if field.widget.is_hidden:
                continue  # no label on the page
            label = str(form[name].label)
            where = f"{type(form).__name__}.{name}: {label!r}"
            seen.add(f"{type(form).__name__}.{name}")
            if "_" in label or _leaks_a_field_name(form, name, field):
                problems.append(f"{where} is the field's name")
            elif title_case_words(label):
                problems.append(f"{where} is Title Case ({title_case_words(label)})")
            placeholder = str(field.widget.attrs.get("placeholder", ""))
            if title_case_words(placeholder):
                problems.append(f"{where} has a Title Case placeholder {placeholder!r}")
    assert not problems, "\n".join(problems)
    # The walk reached the forms that had the worst labels.
    assert {
        "NotificationSettingsForm.session_upcoming_channel",
        "NotificationSettingsForm.pt_digest_channel",
        "ProfileForm.language",
        "InviteForm.email",
        "AssessmentForm.odi_1",
        "ScreeningForm.placenta_previa",
        "LoginForm.remember",
        "SignupForm.password2",
        "ChangePasswordForm.oldpassword",
        "ResetPasswordKeyForm.password2",
        "AddEmailForm.email",
    } <= seen


def test_the_title_case_check_can_fail():
    assert title_case_words("Session Upcoming Channel") == ["Upcoming", "Channel"]
    assert title_case_words("Change Password") == ["Password"]
    assert title_case_words("Effort (Borg scale 6-20)") == []
    assert title_case_words("Why? Tell us. Then go on") == []


# --- "email", spelled one way --------------------------------------------------------------------

E_MAIL = re.compile(r"\be-mail", re.IGNORECASE)
CHECKED_DIRS = ["templates", "tracker", "users", "programs"]

# Files still saying "e-mail" while a colleague fixes them (each listed in the wording report);
# remove a line once its file says "email" (the test fails until you do).
PENDING: set[str] = set()


def _docstrings(tree) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def files_saying_e_mail() -> set[str]:
    """Templates (every line) and Python strings (not comments or docstrings) saying "e-mail"."""
    found = set()
    for top in CHECKED_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if "migrations" in path.parts or not path.is_file():
                continue
            rel = str(path.relative_to(ROOT))
            if path.suffix in (".html", ".txt"):
                text = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.DOTALL)
                if E_MAIL.search(text):
                    found.add(rel)
            elif path.suffix == ".py":
                tree = ast.parse(path.read_text())
                docs = _docstrings(tree)
                if any(
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docs
                    and E_MAIL.search(node.value)
                    for node in ast.walk(tree)
                ):
                    found.add(rel)
    return found


def test_no_page_form_or_message_says_e_mail():
    found = files_saying_e_mail()
    assert found - PENDING == set(), "say “email”, not “e-mail”"
    assert PENDING - found == set(), "fixed: remove these from PENDING"


# --- the notification settings ------------------------------------------------------------------


@pytest.fixture
def settings_page(client):
    user = ClientFactory()
    client.force_login(user)
    url = reverse("tracker:notification_settings")
    data = {
        "session_upcoming": "on",
        "session_upcoming_channel": "email",
        "session_mode": "before",
        "digest_time": "07:30",
        "session_missed": "on",
        "session_missed_channel": "email",
        "assessment_due": "on",
        "assessment_due_channel": "in_app",
    }
    return SimpleNamespace(user=user, url=url, data=data)


@pytest.mark.django_db
@pin()
def test_reminder_settings_speak_in_words_and_save_a_lead_time(client, settings_page):
    page = client.get(settings_page.url).content.decode()
    assert "How to remind you" in page and "Session reminders" in page
    assert "Session upcoming channel" not in page and "Email and in the app" in page
    assert "urgent alerts about a client" not in page  # a client has no clients

    response = client.post(settings_page.url, {**settings_page.data, "session_lead_minutes": 30})

    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=settings_page.user).session_lead_minutes == 30


@pytest.mark.django_db
@pin()
@pytest.mark.parametrize("minutes", [2000, 1])
def test_a_lead_time_out_of_range_is_refused_in_words(client, settings_page, minutes):
    response = client.post(
        settings_page.url, {**settings_page.data, "session_lead_minutes": minutes}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert str(ERR_LEAD_MINUTES) in page and "Ensure this value" not in page
    saved = NotificationSettings.objects.filter(user=settings_page.user).first()
    assert saved is None or saved.session_lead_minutes == 60


# --- allauth's pages ----------------------------------------------------------------------------

HEADINGS = re.compile(r"<(h1|h2|title|button|legend)[^>]*>(.*?)</\1>", re.DOTALL)


def _title_case_in_headings(html: str) -> list[str]:
    found = []
    for _tag, inner in HEADINGS.findall(html):
        text = " ".join(strip_tags(inner).split()).replace(" · Prenafit", "")
        if title_case_words(text) or "E-mail" in text:
            found.append(text)
    return found


@pytest.mark.django_db
@pin()
@pytest.mark.parametrize(
    ("url", "logged_in"),
    [
        ("account_login", False),
        ("account_signup", False),
        ("account_reset_password", False),
        ("account_reset_password_done", False),
        ("account_email_verification_sent", False),
        ("/accounts/confirm-email/not-a-key/", False),
        ("/accounts/password/reset/key/0-not-a-key/", False),
        ("account_inactive", False),
        ("account_change_password", True),
        ("account_email", True),
        ("account_logout", True),
        ("account_reauthenticate", True),
        ("mfa_index", True),
    ],
)
def test_account_pages_speak_in_sentence_case(client, url, logged_in):
    if logged_in:
        client.force_login(PTFactory() if url.startswith("mfa") else ClientFactory())
    response = client.get(url if url.startswith("/") else reverse(url), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert _title_case_in_headings(html) == []
    assert "Sign In" not in html and "Sign Up" not in html and "Signup" not in html


@pytest.mark.django_db
@pin()
def test_the_login_page_says_log_in_like_the_rest_of_the_site(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "<h1" in html and "Log in</h1>" in html.replace("\n", "")


# allauth's e-mails Prenafit can send (verification, password reset, the notices of
# ACCOUNT_EMAIL_NOTIFICATIONS, TOTP and recovery codes): not login or reset codes, not passkeys.
SENT_SUBJECTS = [
    "account/email/account_already_exists",
    "account/email/email_changed",
    "account/email/email_confirmation",
    "account/email/email_confirmation_signup",
    "account/email/email_deleted",
    "account/email/password_changed",
    "account/email/password_reset",
    "account/email/password_reset_key",
    "account/email/password_set",
    "account/email/unknown_account",
    "mfa/email/recovery_codes_generated",
    "mfa/email/totp_activated",
    "mfa/email/totp_deactivated",
]


@pytest.mark.parametrize("prefix", SENT_SUBJECTS)
def test_allauth_email_subjects_are_sentence_case_after_the_prenafit_prefix(prefix):
    from allauth.account.adapter import get_adapter
    from django.template.loader import render_to_string

    text = " ".join(render_to_string(f"{prefix}_subject.txt").split())
    subject = get_adapter().format_email_subject(text)

    assert subject.startswith("[Prenafit] ") and text[:1].isupper()
    assert title_case_words(text) == [], subject
    assert "E-mail" not in text and "Sign-In" not in text


@pytest.fixture
def reset_request(client):
    user = ClientFactory()
    return SimpleNamespace(user=user, url=reverse("account_reset_password"))


@pytest.mark.django_db
@pin()
def test_a_password_reset_email_has_a_sentence_case_subject(client, mailoutbox, reset_request):
    response = client.post(reset_request.url, {"email": reset_request.user.email})

    assert response.status_code == 302
    (email,) = mailoutbox
    assert email.to == [reset_request.user.email]
    assert email.subject == "[Prenafit] Reset your password"


@pytest.mark.django_db
@pin()
def test_a_reset_for_an_unknown_address_says_so_in_sentence_case(client, mailoutbox, reset_request):
    response = client.post(reset_request.url, {"email": "nobody@example.test"})

    assert response.status_code == 302  # the same answer: no enumeration
    (email,) = mailoutbox
    assert email.to == ["nobody@example.test"]
    assert email.subject == "[Prenafit] No account for this email address"


# --- allauth's forms keep allauth's rules under our labels -------------------------------------


@pytest.fixture
def password_page(client):
    user = ClientFactory()
    client.force_login(user)
    new = "a-new-Passw0rd-2027"
    data = {"oldpassword": settings.PRENAFIT_DEMO_PASSWORD, "password1": new, "password2": new}
    return SimpleNamespace(user=user, url=reverse("account_change_password"), data=data, new=new)


@pytest.mark.django_db
@pin()
def test_changing_her_password_shows_sentence_case_labels_and_saves_it(client, password_page):
    page = client.get(password_page.url).content.decode()
    assert "Current password" in page and "New password (again)" in page
    assert "Current Password" not in page and "New Password" not in page

    response = client.post(password_page.url, password_page.data)

    assert response.status_code == 302
    password_page.user.refresh_from_db()
    assert password_page.user.check_password(password_page.new)


@pytest.mark.django_db
@pin()
def test_a_wrong_current_password_is_still_refused(client, password_page):
    response = client.post(password_page.url, {**password_page.data, "oldpassword": "wrong-one"})

    assert response.status_code == 200
    password_page.user.refresh_from_db()
    assert password_page.user.check_password(settings.PRENAFIT_DEMO_PASSWORD)
    assert not password_page.user.check_password(password_page.new)


@pytest.mark.django_db
@pin()
def test_the_login_page_offers_remember_me_in_sentence_case(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Remember Me" not in page and "Remember me" in page


# --- doses on her session page and the first session's date -----------------------------------


@pytest.mark.django_db
@pin()
def test_a_timed_exercise_reads_in_minutes_on_her_session_page(client):
    user = ClientFactory()
    enrolment = enrolled_client(today=local_today(user), client=user)
    session = enrolment.sessions.order_by("date").first()
    rx = Prescription.objects.filter(block__template=session.template).first()
    Prescription.objects.filter(pk=rx.pk).update(reps=None, sets=2, seconds=540, rest_seconds=120)
    client.force_login(user)

    page = client.get(reverse("tracker:session", args=[session.pk])).content.decode()

    assert "2 x 9 min" in page and "rest 2 min" in page
    assert "540 s" not in page and "120 s" not in page


@pytest.mark.django_db
@pin()
def test_home_before_week_17_names_the_first_session_not_the_first_day_of_the_week(client):
    user = ClientFactory()
    today = local_today(user)
    # Week 17 begins on a Wednesday here (12+0 today, a Wednesday); she trains on Tuesdays,
    # Thursdays and Saturdays, so her first session is on the Thursday after 17+0.
    assert today.weekday() == 2
    enrolled_client(today=today, week=12, client=user, weekdays=(1, 3, 5))
    client.force_login(user)
    week_17 = today + dt.timedelta(weeks=5)
    first = week_17 + dt.timedelta(days=1)

    page = client.get(reverse("home")).content.decode()

    assert f"your first session is on Thursday {first.day} {first:%B}" in page
    assert f"Wednesday {week_17.day} {week_17:%B}" not in page
    assert "in 36 days" in page
