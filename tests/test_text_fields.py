"""Single-line text refuses control characters everywhere; notes keep their line breaks but
refuse NUL and the other control characters (config/validators.py).

The walks below look at every form class, every API request serializer and every model text
field of our apps, so a field added later without a validator fails here. Search words and
the calendar feed's token with a NUL answer 4xx, never a 500 on PostgreSQL."""

import inspect
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from config.validators import (
    ERR_CONTROL,
    ERR_SINGLE_LINE,
    multi_line,
    one_line,
    single_line,
)
from tests.clock import pin
from tests.factories import CareLinkFactory, ClientFactory, PTFactory
from users.models import User

pytestmark = [pytest.mark.django_db, pin()]

NEWLINE = "Xena\nOne"
NUL = "Xena\x00One"
ESCAPE = "Xena\x1bOne"  # a control character Django's own NUL check lets through
NOTE = "First line\r\nsecond line\n\tindented"


# --- the validators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [NEWLINE, "a\rb", "a\tb", NUL, ESCAPE, "a\x7fb", "a\x85b", "a\u2028b", "a\u2029b"],
    ids=["LF", "CR", "tab", "NUL", "ESC", "DEL", "NEL", "line-sep", "para-sep"],
)
def test_single_line_refuses_control_characters_and_line_separators(value):
    with pytest.raises(ValidationError) as caught:
        single_line(value)
    assert caught.value.messages == [str(ERR_SINGLE_LINE)]


@pytest.mark.parametrize("value", ["", "Zoë Ruiz-López", "Dr O'Neil, obstetrician 👶", "a b"])
def test_single_line_accepts_ordinary_text(value):
    single_line(value)


def test_multi_line_keeps_line_breaks_and_tabs_and_refuses_other_control_characters():
    multi_line(NOTE)
    for value in (NUL, ESCAPE, "a\x7fb", "a\x0bb"):
        with pytest.raises(ValidationError) as caught:
            multi_line(value)
        assert caught.value.messages == [str(ERR_CONTROL)]


def test_one_line_makes_stored_text_safe_for_a_header():
    assert one_line("Xena\nOne") == "Xena One"
    assert one_line("\r\nXena\x00\x00One\u2028") == "Xena One"  # one space a run, none at the ends
    assert one_line("Zoë") == "Zoë"


# --- every form -------------------------------------------------------------------------------


def _form_kwargs():
    """What each form needs to be built (a sensible default); forms not named need nothing."""
    from programs.models import Exercise

    rx = SimpleNamespace(pk=1, exercise=SimpleNamespace(name="Squat"))
    return {
        "ScreeningForm": {"questions": []},
        "SessionLogForm": {"prescriptions": [rx]},  # adds the "load used" field of one line
        "AssessmentForm": {"sections": []},
        "SwapForm": {"in_plan": Exercise.objects.none(), "candidates": []},
    }


FORM_MODULES = ["users.forms", "tracker.forms", "programs.forms"]


def _form_classes():
    import importlib

    found = []
    for name in FORM_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
        ]
    return found


def _errors(form_class, kwargs, name, value):
    form = form_class(data={name: value}, **kwargs)
    form.is_valid()
    return [str(m) for m in form.errors.get(name, [])]


def test_every_form_text_field_refuses_control_characters():
    kwargs_for = _form_kwargs()
    checked = set()
    for form_class in _form_classes():
        kwargs = kwargs_for.get(form_class.__name__, {})
        for name, field in form_class(**kwargs).fields.items():
            if not isinstance(field, forms.CharField):
                continue
            where = f"{form_class.__name__}.{name}"
            plain = type(field) is forms.CharField  # e-mail, slug...: their format refuses
            assert _errors(form_class, kwargs, name, NUL), where
            if isinstance(field.widget, forms.Textarea):
                assert not _errors(form_class, kwargs, name, NOTE), where
                assert str(ERR_CONTROL) in _errors(form_class, kwargs, name, ESCAPE), where
            else:
                newline = _errors(form_class, kwargs, name, NEWLINE)
                escape = _errors(form_class, kwargs, name, ESCAPE)
                assert newline and escape, where
                if plain:
                    assert str(ERR_SINGLE_LINE) in newline, where
                    assert str(ERR_SINGLE_LINE) in escape, where
            checked.add(where)
    # The walk did find the forms (a typo in FORM_MODULES would check nothing).
    assert {
        "SignupExtraForm.full_name",
        "ProfileForm.full_name",
        "InviteForm.email",
        "SessionLogForm.notes",
        "SessionLogForm.rx_1_load",
        "ClearanceForm.provider",
        "CaseloadFilterForm.q",
        "NoteForm.text",
        "SeenForm.provider",
    } <= checked


# --- every API request serializer -------------------------------------------------------------

# Fields meant for notes: line breaks are kept.
MULTI_LINE_API = {
    "LogRequestSerializer.notes",
    "SessionLogRequestSerializer.notes",  # its subclasses: a scheduled log, a correction
    "LogCorrectionSerializer.notes",
    "ClearanceRequestSerializer.note",
    "ReviewRequestSerializer.note",
    "NoteSerializer.text",
}
# Passwords may hold any character: they are only hashed, never shown nor put in a header.
EXEMPT_API = {"TokenRequestSerializer.password", "DeleteAccountSerializer.password"}


def _request_serializer_classes(monkeypatch):
    """The serializers the API reads request bodies with, as its OpenAPI schema declares them
    (every view declares its request with extend_schema), and the ones nested in them."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.openapi import AutoSchema

    found = set()
    original = AutoSchema.get_operation

    def recording(self, *args, **kwargs):
        operation = original(self, *args, **kwargs)
        if operation and self.method in ("POST", "PUT", "PATCH"):
            serializer = self.get_request_serializer()
            if serializer is not None:
                found.add(serializer if inspect.isclass(serializer) else type(serializer))
        return operation

    monkeypatch.setattr(AutoSchema, "get_operation", recording)
    SchemaGenerator().get_schema(request=None, public=True)
    pending, seen = list(found), set()
    while pending:
        cls = pending.pop()
        if cls in seen or not issubclass(cls, serializers.BaseSerializer):
            continue
        if issubclass(cls, serializers.ListSerializer):
            continue
        seen.add(cls)
        for field in cls().fields.values():
            nested = getattr(field, "child", field)
            if isinstance(nested, serializers.BaseSerializer) and not field.read_only:
                pending.append(type(nested))
    return seen


def _api_errors(serializer_class, name, value):
    serializer = serializer_class(data={name: value}, partial=True)
    serializer.is_valid()
    return [str(m) for m in serializer.errors.get(name, [])]


def test_every_api_request_text_field_refuses_control_characters(monkeypatch):
    requests = _request_serializer_classes(monkeypatch)
    # The others are only written in responses, where validators never run.
    assert {c.__name__ for c in requests} >= {
        "ProfileSerializer",
        "LogRequestSerializer",
        "ExerciseLineSerializer",
        "ClearanceRequestSerializer",
        "NoteSerializer",
        "TokenRequestSerializer",
    }
    checked = set()
    for serializer_class in requests:
        for name, field in serializer_class().fields.items():
            where = f"{serializer_class.__name__}.{name}"
            if field.read_only or not isinstance(field, serializers.CharField):
                continue
            if where in EXEMPT_API:
                continue
            plain = type(field) is serializers.CharField
            assert _api_errors(serializer_class, name, NUL), where
            if where in MULTI_LINE_API:
                assert not _api_errors(serializer_class, name, NOTE), where
                assert str(ERR_CONTROL) in _api_errors(serializer_class, name, ESCAPE), where
            else:
                newline = _api_errors(serializer_class, name, NEWLINE)
                escape = _api_errors(serializer_class, name, ESCAPE)
                assert newline and escape, where
                if plain:
                    assert str(ERR_SINGLE_LINE) in newline, where
                    assert str(ERR_SINGLE_LINE) in escape, where
            checked.add(where)
    assert {"ProfileSerializer.time_zone", "ExerciseLineSerializer.load_used"} <= checked
    assert MULTI_LINE_API <= checked


# --- every model text field (the admin's door) ----------------------------------------------

# Text our code writes itself from fixed words, keys, ids or hashes, never typed by a person.
SYSTEM_WRITTEN = {
    "users.User.password",  # a hash
    "users.Invitation.token_hash",
    "users.Consent.notice_version",  # PRENAFIT_PRIVACY_NOTICE_VERSION, a setting
    "users.ApiToken.token_key",  # django-rest-knox: a prefix and a hash of the key
    "users.ApiToken.digest",
    "tracker.SafetyItem.question_key",
    "tracker.Enrolment.feed_token",
    "tracker.ScheduledSession.cancel_reason",
    "tracker.Notification.title",  # in-app text the services compose
    "tracker.Notification.body",
    "tracker.Notification.url",
    "tracker.PlanChange.description",
    "tracker.AuditEvent.what",
    "tracker.AuditEvent.object_type",
    "tracker.AuditEvent.object_id",
    "tracker.Delivery.object_key",
    "tracker.Delivery.last_error",
    "tracker.Delivery.skip_reason",
    "users.RequestKey.route",  # the request's path
    "users.RequestKey.fingerprint",  # a hash
    "users.RequestKey.location",  # the URL our own view redirected to
}
# Checked by their own validator, stricter than one line (a known time zone).
OWN_VALIDATOR = {
    "users.User.time_zone",
    "tracker.Enrolment.time_zone",
    "users.RequestKey.key",  # users.idempotency.key_problem: printable ASCII only
}


def test_every_model_text_field_people_type_into_is_validated():
    missing = []
    for app in ("users", "tracker", "programs"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, (models.CharField, models.TextField)):
                    continue
                if field.choices or not field.editable:
                    continue
                if isinstance(field, (models.EmailField, models.SlugField, models.URLField)):
                    continue
                where = f"{app}.{model.__name__}.{field.name}"
                if where in SYSTEM_WRITTEN | OWN_VALIDATOR:
                    continue
                wanted = multi_line if isinstance(field, models.TextField) else single_line
                if wanted not in field.validators:
                    missing.append(where)
    assert missing == []


def test_the_admin_refuses_a_name_on_two_lines(client):
    from tests.factories import AdminFactory

    admin, user = AdminFactory(), ClientFactory(full_name="Xena One")
    client.force_login(admin)
    url = reverse("admin:users_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        k: v
        for k, v in page.context["adminform"].form.initial.items()
        if v is not None and not isinstance(v, list | tuple)
    }
    response = client.post(url, {**data, "full_name": NEWLINE})
    assert response.status_code == 200
    assert str(ERR_SINGLE_LINE) in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "Xena One"


# --- the doors, end to end --------------------------------------------------------------------


def test_sign_up_refuses_a_name_on_two_lines(client):
    from tests.users.test_accounts import signup

    response = signup(client, email="xena@example.test", full_name=NEWLINE)
    assert response.status_code == 200
    assert str(ERR_SINGLE_LINE) in response.content.decode()
    assert not User.objects.filter(email="xena@example.test").exists()
    assert signup(client, email="xena@example.test", full_name="Xena One").status_code == 302


def test_the_profile_refuses_a_name_on_two_lines_next_to_the_field(client):
    user = ClientFactory(full_name="Xena One")
    client.force_login(user)
    response = client.post(
        reverse("profile"), {"full_name": NEWLINE, "time_zone": "UTC", "language": "en"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [str(ERR_SINGLE_LINE)]
    user.refresh_from_db()
    assert user.full_name == "Xena One"


def test_a_nul_in_the_dashboard_search_is_a_form_error_not_a_500(client):
    pt = PTFactory()
    CareLinkFactory(pt=pt, client=ClientFactory(full_name="Xena One"))
    client.force_login(pt)
    response = client.get(reverse("home"), {"q": "Xe\x00na"})
    assert response.status_code == 200
    assert str(ERR_SINGLE_LINE) in response.content.decode()
    assert client.get(reverse("home"), {"q": "Xena"}).status_code == 200


def test_a_nul_in_the_api_caseload_search_is_a_400_with_the_message():
    pt = PTFactory()
    CareLinkFactory(pt=pt, client=ClientFactory(full_name="Xena One"))
    api = APIClient()
    api.force_authenticate(pt)
    response = api.get("/api/v1/clients/", {"q": "Xe\x00na"})
    assert response.status_code == 400
    assert response.json()["fields"]["q"] == [str(ERR_SINGLE_LINE)]
    found = api.get("/api/v1/clients/", {"q": "Xena"})
    assert found.status_code == 200 and found.json()["count"] == 1


def test_a_nul_in_the_exercise_search_is_a_400_with_the_message(client):
    response = client.get(reverse("programs:exercise_list"), {"q": "squat\x00"})
    assert response.status_code == 400
    assert str(ERR_SINGLE_LINE) in response.content.decode()
    assert client.get(reverse("programs:exercise_list"), {"q": "squat"}).status_code == 200


def test_a_nul_in_a_calendar_feed_url_is_a_404(client):
    assert client.get("/calendar/abc%00def.ics").status_code == 404
    assert client.get("/calendar/abc%0Adef.ics").status_code == 404


def test_an_api_note_keeps_its_line_breaks_and_refuses_nul():
    pt = PTFactory()
    user = ClientFactory()
    CareLinkFactory(pt=pt, client=user)
    api = APIClient()
    api.force_authenticate(pt)
    url = f"/api/v1/clients/{user.pk}/notes/"
    refused = api.post(url, {"text": "bad\x00note"}, format="json")
    assert refused.status_code == 400 and str(ERR_CONTROL) in refused.json()["fields"]["text"]
    saved = api.post(url, {"text": NOTE}, format="json")
    assert saved.status_code == 201 and saved.json()["text"] == NOTE.strip()
