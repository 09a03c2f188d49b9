"""Issue 18: a Spanish-speaking client and PT meet no English on any page of their journeys,
the program's own content included (the shipped program carries Spanish for every text)."""

import re
from pprint import pformat

import pytest
from django.urls import reverse

from tests.clock import pin

from .english import english_left, visible_text

pytestmark = [pin(), pytest.mark.django_db]


@pytest.fixture
def demo(monkeypatch):
    from tracker.demo import demo_seed
    from users.models import User

    # Every demo account is Spanish from the start, so what the seed writes for them (the PT's
    # alert notices...) is written in Spanish, as it would be for Spanish-speaking users.
    monkeypatch.setattr(User._meta.get_field("language"), "default", "es")
    demo_seed()
    assert set(User.objects.values_list("language", flat=True)) == {"es"}
    return {u.email: u for u in User.objects.all()}


def _pages_of_client(client_user):
    from tracker.models import Assessment, ScheduledSession, SessionLog

    session = ScheduledSession.objects.filter(client=client_user).order_by("date").last()
    log = SessionLog.objects.filter(client=client_user).order_by("-pk").first()
    check_in = Assessment.objects.filter(client=client_user).order_by("-pk").first()
    exercise = session.template.blocks.first().prescriptions.first().exercise
    urls = [
        reverse("home"),
        reverse("tracker:week"),
        reverse("tracker:calendar"),
        reverse("tracker:session", args=[session.pk]),
        reverse("tracker:session_go", args=[session.pk]),
        reverse("tracker:logs"),
        reverse("tracker:extra_log"),
        reverse("tracker:log_edit", args=[log.pk]),
        reverse("tracker:stop", args=[log.pk]),
        reverse("tracker:assessment_new"),
        reverse("tracker:assessment", args=[check_in.pk]),
        reverse("tracker:progress"),
        reverse("tracker:schedule"),
        reverse("tracker:pregnancy"),
        reverse("tracker:pregnancy_end"),
        reverse("tracker:birth"),
        reverse("tracker:delete_account"),
        reverse("tracker:notifications"),
        reverse("tracker:notification_settings"),
        reverse("tracker:screening"),
        reverse("programs:about"),
        reverse("programs:exercise_list"),
        reverse("programs:exercise_detail", args=[exercise.slug]),
        reverse("profile"),
        reverse("privacy"),
    ]
    return urls


def english_content() -> set[str]:
    """Every program text (exercise names, phases, doses, the screen's questions...) whose
    Spanish differs from its English: the English must not show on a Spanish page."""
    from modeltranslation.translator import translator

    texts = set()
    for model in translator.get_registered_models():
        for field in translator.get_options_for_model(model).fields:
            rows = model.objects.values_list(f"{field}_en", f"{field}_es")
            for english, spanish in rows:
                for en, es in zip(_lines(english), _lines(spanish), strict=False):
                    if len(en) >= 6 and en != es:
                        texts.add(en)
    return texts


def _lines(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _english_on(client, urls, numbers=True):
    content = english_content()
    found = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == "es", url
        text = visible_text(response.content.decode())
        left = english_left(text) + (english_numbers(text) if numbers else [])
        left += [f"program text: {en}" for en in content if en in text]
        if left:
            found[url] = left[:4]
    return found


def english_numbers(text: str) -> list[str]:
    """A decimal point where Spanish writes a comma ("+11.2 puntos"); a version label such as
    "2.0" is a name, not a number."""
    found = []
    for match in re.finditer(r"(?<![\w.])[+−-]?\d+\.\d+(?![\w.])", text):
        before = text[max(0, match.start() - 12) : match.start()].lower()
        if "versión" not in before:
            found.append(text[max(0, match.start() - 30) : match.end() + 30])
    return found


def test_a_spanish_client_meets_no_english(client, demo):
    her = demo["client@prenafit.test"]
    client.force_login(her)
    found = _english_on(client, _pages_of_client(her))
    assert not found, pformat(found, width=100)


def test_a_spanish_pt_meets_no_english(client, demo):
    pt = demo["pt@prenafit.test"]
    client.force_login(pt)
    from users.selectors import active_link_for_client

    her = demo["client@prenafit.test"]
    assert active_link_for_client(client=her).pt == pt
    urls = [
        reverse("home"),
        reverse("tracker:pt_client", args=[her.pk]),
        *(  # the sections of her page loaded on demand, each as a page of its own
            reverse(f"tracker:pt_client_{section}", args=[her.pk])
            for section in (
                "logs",
                "check_ins",
                "corrections",
                "sessions",
                "screen",
                "notes",
                "plan_changes",
            )
        ),
        reverse("tracker:pt_report", args=[her.pk]),
        reverse("tracker:pt_schedule", args=[her.pk]),
        reverse("tracker:pt_clearance", args=[her.pk]),
        reverse("invite"),
        reverse("tracker:notifications"),
    ]
    urls += [reverse("tracker:pt_client", args=[u.pk]) for e, u in demo.items() if e in (
        "maria@prenafit.test", "sofia@prenafit.test")]  # fmt: skip
    found = _english_on(client, urls, numbers=False)  # version labels ("2.0") are names
    assert not found, pformat(found, width=100)


def test_a_visitor_meets_no_english(client, demo):
    """No account: her browser's Accept-Language decides."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es-ES,es;q=0.9,en;q=0.5"
    urls = [
        reverse("landing"),
        reverse("programs:about"),
        reverse("programs:exercise_list"),
        reverse("privacy"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ]
    found = _english_on(client, urls)
    assert not found, pformat(found, width=100)


def test_a_spanish_admin_meets_no_english_in_the_admin(client, demo):
    from programs.models import Exercise, ProgramVersion
    from tracker.models import OdiSection, ScreeningQuestion

    client.force_login(demo["admin@prenafit.test"])
    version = ProgramVersion.objects.order_by("-number").first()
    urls = [
        "/admin/",
        "/admin/programs/exercise/",
        f"/admin/programs/exercise/{Exercise.objects.first().pk}/change/",
        "/admin/programs/programversion/",
        f"/admin/programs/programversion/{version.pk}/change/",
        "/admin/programs/phase/",
        "/admin/tracker/screeningquestion/",
        f"/admin/tracker/screeningquestion/{ScreeningQuestion.objects.first().pk}/change/",
        f"/admin/tracker/odisection/{OdiSection.objects.first().pk}/change/",
        "/admin/tracker/alert/",
        "/admin/tracker/sessionlog/",
        "/admin/tracker/enrolment/",
        "/admin/users/user/",
    ]
    found = _english_on(client, urls, numbers=False)  # version labels ("2.0") are names
    assert not found, pformat(found, width=100)
