"""Her PT's client page (issue 19): a light first view (safety, alerts, progress, the latest
notes, her plan) and the long lists as sections loaded when opened. Each section has its own
address: its partial alone for the page's script (`X-Requested-With: fetch`), a page in the
site's layout otherwise (without JavaScript); her PT only, one audit row each."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services
from tracker.models import AuditEvent, PlanChange, PTNote, ScreeningQuestion, SessionLog
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

FETCH = {"X-Requested-With": "fetch"}
# Each section: its audit label, and a text it shows for the case below.
SECTIONS = {
    "logs": ("client page: logs", "Felt strong after the walk"),
    "check_ins": ("client page: check-ins", "<td>37</td>"),
    "corrections": ("client page: corrections", "Withdrawn by her on"),
    "sessions": ("client page: sessions", 'class="calendar-week'),
    "screen": ("client page: screen", None),  # the first question's text (the fixture's)
    "notes": ("client page: notes", "Note 1 of 5"),
    "plan_changes": ("client page: plan changes", "Change 1 of 5"),
}


@pytest.fixture
def case():
    version = build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=2
    )
    pt = PTFactory()
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(
        today=today, client=user, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    SessionLog.objects.create(
        client=user,
        status="completed",
        performed_on=today,
        minutes=31,
        rpe=13,
        notes="Felt strong after the walk",
    )
    SessionLog.objects.create(
        client=user,
        status="completed",
        performed_on=today - dt.timedelta(days=1),
        minutes=20,
        withdrawn_at=timezone.now(),
    )
    services.assessment_record(
        client=user,
        vas_low_back_mm=37,
        vas_sciatic_mm=23,
        odi_answers=[2] * 10,
        pain_locations=["low_back"],
        symptoms=[],
        today=today,
    )
    for n in range(1, 6):  # oldest first: "5 of 5" is the latest
        PTNote.objects.create(client=user, author=pt, text=f"Note {n} of 5")
        PlanChange.objects.create(client=user, changed_by=pt, description=f"Change {n} of 5")
    return pt, user


def _url(section, user, **query):
    url = reverse(f"tracker:pt_client_{section}", args=[user.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _shows(section):
    text = SECTIONS[section][1]
    return text if text is not None else ScreeningQuestion.objects.order_by("pk").first().text


def test_the_first_view_links_to_each_section_and_leaves_the_long_lists_out(client, case):
    pt, user = case
    client.force_login(pt)

    page = client.get(reverse("tracker:pt_client", args=[user.pk])).content.decode()

    for section in SECTIONS:
        url = _url(section, user)
        assert f'href="{url}"' in page, section  # the page of its own (without JavaScript)
    for section in ("logs", "check_ins", "corrections", "sessions", "screen"):
        assert f'data-section="{_url(section, user)}"' in page, section
    # The latest notes and plan changes are there; the older ones are loaded when asked.
    assert f'data-section="{_url("notes", user, start=3)}"' in page
    assert f'data-section="{_url("plan_changes", user, start=3)}"' in page
    assert "Note 5 of 5" in page and "Note 3 of 5" in page and "Note 2 of 5" not in page
    assert "Change 5 of 5" in page and "Change 3 of 5" in page and "Change 2 of 5" not in page
    for section in ("logs", "check_ins", "corrections", "sessions", "screen"):
        assert _shows(section) not in page, section
    assert "js/sections.js" in page


def test_without_more_notes_or_changes_than_it_shows_the_first_view_offers_none(client, case):
    pt, user = case
    PTNote.objects.filter(text__in=["Note 1 of 5", "Note 2 of 5"]).delete()
    PlanChange.objects.filter(description__in=["Change 1 of 5", "Change 2 of 5"]).delete()
    client.force_login(pt)

    page = client.get(reverse("tracker:pt_client", args=[user.pk])).content.decode()

    assert "Note 3 of 5" in page and "Change 3 of 5" in page
    assert _url("notes", user) not in page and _url("plan_changes", user) not in page


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_each_section_shows_its_data_alone_for_the_script_and_as_a_page_without_it(
    client, case, section
):
    pt, user = case
    client.force_login(pt)
    label = SECTIONS[section][0]
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    fetched = client.get(_url(section, user), headers=FETCH)
    plain = client.get(_url(section, user))

    for response in (fetched, plain):
        assert response.status_code == 200
        assert _shows(section) in response.content.decode()
        assert "X-Requested-With" in response["Vary"]
    assert "<html" not in fetched.content.decode()  # the partial alone
    page = plain.content.decode()
    assert "<html" in page and f'href="{reverse("tracker:pt_client", args=[user.pk])}"' in page
    events = AuditEvent.objects.exclude(pk__in=before)
    assert [(e.actor, e.action, e.what, e.client_ids) for e in events] == [
        (pt, "view", label, [user.pk])
    ] * 2


def test_the_older_notes_and_changes_follow_the_ones_the_first_view_shows(client, case):
    pt, user = case
    client.force_login(pt)

    for section, word in (("notes", "Note"), ("plan_changes", "Change")):
        older = client.get(_url(section, user, start=3), headers=FETCH).content.decode()
        assert f"{word} 2 of 5" in older and f"{word} 1 of 5" in older
        assert f"{word} 3 of 5" not in older
        every = client.get(_url(section, user)).content.decode()
        assert all(f"{word} {n} of 5" in every for n in range(1, 6))
        assert client.get(_url(section, user, start="x")).status_code == 200  # all of them


def test_another_pt_and_the_client_get_404_from_every_section(client, case):
    _pt, user = case
    for someone in (PTFactory(), user):
        client.force_login(someone)
        for section in SECTIONS:
            assert client.get(_url(section, user), headers=FETCH).status_code == 404, section


def test_the_first_view_runs_fewer_queries_than_before_whatever_her_history(
    client, case, django_assert_max_num_queries
):
    """22 here (the sections left out of it run their own), and no more with many more rows.
    Both are its body drawn (a cache miss; a hit: tests/tracker/test_pt_client_cache.py)."""
    pt, user = case
    client.force_login(pt)
    url = reverse("tracker:pt_client", args=[user.pk])
    client.get(url)  # the session saved once after logging in
    cache.clear()  # its body drawn again (the writes below make a new key as well)
    with django_assert_max_num_queries(22) as few:
        client.get(url)
    for n in range(10):
        PTNote.objects.create(client=user, author=pt, text=f"More {n}")
        PlanChange.objects.create(client=user, changed_by=pt, description=f"More {n}")
        services.assessment_record(
            client=user,
            vas_low_back_mm=10 + n,
            vas_sciatic_mm=5,
            odi_answers=[1] * 10,
            pain_locations=[],
            symptoms=[],
            today=local_today(user),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_each_section_runs_a_fixed_number_of_queries(
    client, case, section, django_assert_max_num_queries
):
    pt, user = case
    client.force_login(pt)
    client.get(_url(section, user), headers=FETCH)  # the session saved once after logging in
    with django_assert_max_num_queries(16) as few:
        client.get(_url(section, user), headers=FETCH)
    logs = [
        SessionLog(client=user, status="completed", performed_on=local_today(user), minutes=n)
        for n in range(1, 11)
    ]
    SessionLog.objects.bulk_create(logs)
    for n in range(10):
        PTNote.objects.create(client=user, author=pt, text=f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_url(section, user), headers=FETCH)
