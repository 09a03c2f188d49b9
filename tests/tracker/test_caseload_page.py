"""The PT dashboard's page of her caseload (tracker.caseload.caseload_page): the clients, order
and values of `caseload()` for every sort and filter, with the costly columns computed for the
page only; its rows' markup cached under a digest of what they show, never stale."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.clock import pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import caseload as caseload_module
from tracker import fragments, services
from tracker.caseload import FILTERS, SORTS, caseload, caseload_page, rows
from tracker.models import Alert, SafetyItem, SessionLog
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def version():
    return build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=2
    )


def _check_in(user, day, low_back, sciatic=10, odi=1):
    return services.assessment_record(
        client=user,
        vas_low_back_mm=low_back,
        vas_sciatic_mm=sciatic,
        odi_answers=[odi] * 10,
        pain_locations=[],
        symptoms=[],
        today=day,
    )


def _log(user, session, status="completed", minutes=60):
    return SessionLog.objects.create(
        client=user,
        session=session,
        status=status,
        performed_on=session.date,
        minutes=minutes,
        rpe=13,
    )


def _varied_caseload(pt, version, today):
    """Clients unlike each other in every column the dashboard shows, sorts or filters by."""
    clients = []
    for i, week in enumerate((18, 20, 22, 26, 30, 34, 37)):
        user = ClientFactory(full_name=f"Client {chr(ord('G') - i)}")  # names against weeks
        enrolment = enrolled_client(
            today=today,
            week=week,
            client=user,
            version=version,
            pt=pt,
            start=today - dt.timedelta(days=21),
        )
        past = list(enrolment.sessions.filter(date__lt=today).order_by("date"))
        for n, session in enumerate(past[: i + 1]):
            status = ("completed", "partial", "skipped")[(n + i) % 3]
            _log(user, session, status=status, minutes=(20, 45)[n % 2])
        if i % 2:
            _check_in(user, today - dt.timedelta(days=14), 20 + i, sciatic=i)
            _check_in(user, today - dt.timedelta(days=7), 30 + 3 * i, sciatic=2 * i, odi=2)
        clients.append(user)
    services.alert_raise(client=clients[2], kind=Alert.Kind.WARNING_SIGN, signs=["headache"])
    services.alert_raise(client=clients[2], kind=Alert.Kind.LEG_WEAKNESS)
    services.alert_raise(client=clients[5], kind=Alert.Kind.RED_FLAG, signs=["dizziness"])
    SafetyItem.objects.create(client=clients[4], kind=SafetyItem.Kind.HOLD)
    SafetyItem.objects.create(client=clients[5], kind=SafetyItem.Kind.RESCREEN_DUE)
    withdrawn = _check_in(clients[1], today, 90)  # withdrawn: not her latest
    services.assessment_withdraw(assessment=withdrawn, by=clients[1])
    early = ClientFactory(full_name="Client Z")  # 10+0 and not enrolled yet
    CareLinkFactory(pt=pt, client=early)
    services.pregnancy_save(
        client=early, due_date=today + dt.timedelta(days=280 - 70), lmp_date=None, today=today
    )
    CareLinkFactory(pt=pt, client=ClientFactory(full_name="Client X"))  # no due date yet
    CareLinkFactory(pt=PTFactory(), client=ClientFactory(full_name="Client Y"))  # not hers
    return clients


def _shown(row):
    return (
        row.client.pk,
        str(row.ga),
        row.phase,
        row.adherence,
        row.below,
        row.last_session,
        row.low_back,
        row.sciatic,
        row.odi,
        row.low_back_change,
        row.sciatic_change,
        row.odi_change,
        row.open_alerts,
        row.pending,
    )


def test_every_sort_filter_and_page_shows_what_the_whole_caseload_shows(version):
    pt = PTFactory()
    today = local_today(pt)
    _varied_caseload(pt, version, today)
    seen = set()
    for sort in [*SORTS, "nonsense"]:
        for show in FILTERS:
            for q in ("", "client "):
                whole = list(caseload(pt=pt, today=today, q=q, show=show, sort=sort))
                for number in (1, 2, 3):
                    page, shown = caseload_page(
                        pt=pt, today=today, q=q, show=show, sort=sort, number=number, per_page=3
                    )
                    expected = rows(whole[(page.number - 1) * 3 :][:3], today)
                    assert page.paginator.count == len(whole), (sort, show, q)
                    assert [_shown(r) for r in shown] == [_shown(r) for r in expected], (
                        sort,
                        show,
                        q,
                        number,
                    )
                    seen |= {_shown(r)[3:] for r in shown}
    assert len(seen) >= 8  # the clients differ: the comparison compares something


def test_in_spanish_too_and_in_three_queries_whatever_the_sort_or_filter(
    version, django_assert_max_num_queries
):
    pt = PTFactory()
    today = local_today(pt)
    _varied_caseload(pt, version, today)
    with translation.override("es"):
        whole = rows(list(caseload(pt=pt, today=today, sort="week")), today)
        _page, shown = caseload_page(pt=pt, today=today, sort="week", per_page=50)
        assert [_shown(r) for r in shown] == [_shown(r) for r in whole]
        for sort in SORTS:
            for show in FILTERS:
                # Her clients in order; the page's columns; their open alerts (none when no one).
                with django_assert_max_num_queries(3):
                    caseload_page(pt=pt, today=today, sort=sort, show=show)


def test_the_page_names_the_signs_of_her_open_alerts_once_each(version):
    pt = PTFactory()
    today = local_today(pt)
    clients = _varied_caseload(pt, version, today)
    Alert.objects.filter(client=clients[5]).update(acknowledged_at=dt.datetime.now(dt.UTC))

    _page, shown = caseload_page(pt=pt, today=today, sort="name", per_page=50)

    signs = {row.client.pk: row.alert_signs for row in shown}
    assert signs[clients[2].pk] == ["New leg weakness", "Headache"]  # the newest first
    assert signs[clients[5].pk] == []  # acknowledged
    by_pk = {row.client.pk: row for row in shown}
    assert (by_pk[clients[2].pk].open_alerts, by_pk[clients[5].pk].open_alerts) == (2, 0)


def _row_of(page, name):
    match = re.search(
        rf'<tr class="with-phone-summary[^"]*">\s*<td><a [^>]*>{name}</a>.*?</tr>'
        r'\s*<tr class="d-md-none phone-summary[^"]*">.*?</tr>',
        page,
        re.S,
    )
    assert match, name
    return match.group(0)


def test_the_rows_change_when_her_data_does_though_they_are_cached(client, version):
    pt = PTFactory()
    user = ClientFactory(full_name="Rosa Cached")
    today = local_today(user)
    enrolled_client(today=today, client=user, version=version, pt=pt)
    _check_in(user, today - dt.timedelta(days=7), 20)
    client.force_login(pt)

    before = _row_of(client.get(reverse("home")).content.decode(), "Rosa Cached")
    assert before == _row_of(client.get(reverse("home")).content.decode(), "Rosa Cached")
    _check_in(user, today, 35)
    services.alert_raise(client=user, kind=Alert.Kind.WARNING_SIGN, signs=["headache"])
    after = _row_of(client.get(reverse("home")).content.decode(), "Rosa Cached")

    assert "Low back 20 mm" in before and "alert" not in before
    assert "Low back 35 mm (+15)" in after and "1 alert" in after and "Headache" in after
    assert "table-danger" in after and "table-danger" not in before

    pt.language = "es"
    pt.save(update_fields=["language"])
    spanish = _row_of(client.get(reverse("home")).content.decode(), "Rosa Cached")
    assert "Lumbar 35 mm (+15)" in spanish and "1 alerta" in spanish


def test_the_same_rows_again_come_from_the_cache(client, version, monkeypatch):
    pt = PTFactory()
    enrolled_client(today=local_today(pt), client=ClientFactory(), version=version, pt=pt)
    client.force_login(pt)
    rendered = []
    render = caseload_module.render_to_string
    monkeypatch.setattr(
        caseload_module, "render_to_string", lambda *a, **k: rendered.append(a) or render(*a, **k)
    )

    first = client.get(reverse("home")).content
    second = client.get(reverse("home")).content

    assert len(rendered) == 1
    assert first.count(b"with-phone-summary") == second.count(b"with-phone-summary") == 1


class BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("the cache is down")

    set = get


def test_a_cache_that_fails_does_not_break_the_dashboard(client, version, monkeypatch):
    pt = PTFactory()
    enrolled_client(
        today=local_today(pt), client=ClientFactory(full_name="Rosa Down"), version=version, pt=pt
    )
    monkeypatch.setattr(fragments, "cache", BrokenCache())  # the body's and the rows'
    client.force_login(pt)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Rosa Down" in _row_of(response.content.decode(), "Rosa Down")


def test_names_and_signs_are_escaped_in_the_rows(client, version):
    pt = PTFactory()
    user = ClientFactory(full_name="<b>Ana</b> & Co")
    enrolled_client(today=local_today(user), client=user, version=version, pt=pt)
    services.alert_raise(client=user, kind=Alert.Kind.WARNING_SIGN, signs=["<i>odd</i>"])
    client.force_login(pt)

    page = client.get(reverse("home")).content.decode()

    assert "&lt;b&gt;Ana&lt;/b&gt; &amp; Co" in page and "<b>Ana</b>" not in page
    assert "&lt;i&gt;odd&lt;/i&gt;" in page and "<i>odd</i>" not in page
