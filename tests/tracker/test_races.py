"""Two requests at once, on real connections: the database's unique constraints decide, and the
loser gets an answer she can act on (a redirect to what the winner made, with a message, or a
409/400 in the API), never a 500. Also a link to an account deleted since it was sent, and
development SQLite waiting for its lock instead of "database is locked".

The races run on PostgreSQL (CI's database), in threads that meet at a `threading.Barrier`
placed between the service's checks and its write, so both requests have passed every check
before either writes: only the constraint can tell them apart."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from tests.clock import WEDNESDAY_MORNING, pin
from tests.factories import ClientFactory, PTFactory, all_no, build_program_version
from tracker import services
from tracker.models import Enrolment, NotificationSettings
from users.models import CareLink, Invitation
from users.services import ERR_ALREADY_LINKED, invitation_create

pytestmark = [pytest.mark.django_db(transaction=True), pin()]

on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="a race needs a database with concurrent writers (PostgreSQL, as in CI)",
)
TODAY = WEDNESDAY_MORNING.date()


def race(*calls, timeout=20.0):
    """Run each call in its own thread, released together; their results (or exceptions)."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait(timeout)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 (the test asserts on it)
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout * 2)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def meet_before(monkeypatch, owner, name, parties=2, timeout=10.0):
    """Make `owner.name` wait until `parties` threads have reached it, then run."""
    original = getattr(owner, name)
    barrier = threading.Barrier(parties)

    def waiting(*args, **kwargs):
        barrier.wait(timeout)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, waiting)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def logged_in(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


# --- two enrolments at once ------------------------------------------------------------------


@pytest.fixture
def screened(reference_data):
    """A client with her due date and a clear screen, and the published program."""
    version = build_program_version(slug="aparicio2023")
    client = ClientFactory()
    due = TODAY + dt.timedelta(days=280 - 7 * 20)
    services.pregnancy_save(client=client, due_date=due, lmp_date=None, today=TODAY)
    services.screening_submit(client=client, answers=all_no(), today=TODAY)
    return client, version


@on_postgresql
def test_two_enrolments_at_once_on_the_web_make_one(screened, monkeypatch):
    client, version = screened
    meet_before(monkeypatch, services.enrolment, "_check_version")
    data = {"weekdays": ["0", "2", "4"], "start_time": "18:00", "time_zone": "Europe/Madrid"}
    data["version"] = version.pk
    tabs = [logged_in(client), logged_in(client)]

    responses = race(
        *[lambda http=http: http.post(reverse("tracker:enrol"), data) for http in tabs]
    )

    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {reverse("home")}
    said = sorted(texts(r)[0] for r in responses)
    assert said[0] == "You are already enrolled."
    assert said[1].startswith("You are enrolled:")
    enrolment = Enrolment.objects.get(client=client)
    assert client.scheduled_sessions.exclude(enrolment=enrolment).count() == 0
    assert enrolment.sessions.count() > 0


@on_postgresql
def test_two_enrolments_at_once_in_the_api_make_one_and_a_409(screened, monkeypatch):
    client, _version = screened
    meet_before(monkeypatch, services.enrolment, "_check_version")
    body = {"weekdays": ["mon", "wed", "fri"], "start_time": "18:00", "time_zone": "Europe/Madrid"}
    apps = [logged_in(client), logged_in(client)]

    responses = race(
        *[
            lambda http=http: http.post(
                reverse("api_enrolment"), body, content_type="application/json"
            )
            for http in apps
        ]
    )

    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json() == {
        "detail": services.ERR_ALREADY_ENROLLED,
        "code": "already_enrolled",
        "fields": {},
    }
    assert Enrolment.objects.filter(client=client).count() == 1


# --- two invitation acceptances at once --------------------------------------------------------


def _invite(pt, client):
    return invitation_create(pt=pt, email=client.email, base_url="http://testserver/")[1]


@on_postgresql
def test_one_invitation_accepted_twice_at_once_links_once_and_tells_the_second():
    pt, client = PTFactory(full_name="Ana Ruiz"), ClientFactory()
    token = _invite(pt, client)
    url = reverse("invitation", args=[token])
    tabs = [logged_in(client), logged_in(client)]

    responses = race(*[lambda http=http: http.post(url) for http in tabs])

    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {reverse("home")}
    assert sorted(texts(r)[0] for r in responses) == [
        "You are now linked to Ana Ruiz.",
        "You have already accepted this invitation from Ana Ruiz.",
    ]
    assert CareLink.objects.filter(client=client, ended_at__isnull=True).count() == 1
    assert Invitation.objects.get().accepted_by == client


@on_postgresql
def test_two_invitations_from_her_pt_accepted_at_once_both_count(monkeypatch):
    pt, client = PTFactory(full_name="Ana Ruiz"), ClientFactory()
    urls = [reverse("invitation", args=[_invite(pt, client)]) for _ in range(2)]
    meet_before(monkeypatch, CareLink, "save")
    tabs = [logged_in(client), logged_in(client)]

    responses = race(*[lambda h=h, u=u: h.post(u) for h, u in zip(tabs, urls, strict=True)])

    assert [r.status_code for r in responses] == [302, 302]
    assert [texts(r) for r in responses] == [["You are now linked to Ana Ruiz."]] * 2
    assert CareLink.objects.filter(client=client, ended_at__isnull=True).count() == 1
    assert Invitation.objects.filter(accepted_by=client).count() == 2


@on_postgresql
def test_invitations_from_two_pts_accepted_at_once_link_her_to_one(monkeypatch):
    client = ClientFactory()
    pts = [PTFactory(full_name="Ana Ruiz"), PTFactory(full_name="Bea Sol")]
    urls = [reverse("invitation", args=[_invite(pt, client)]) for pt in pts]
    meet_before(monkeypatch, CareLink, "save")
    tabs = [logged_in(client), logged_in(client)]

    responses = race(*[lambda h=h, u=u: h.post(u) for h, u in zip(tabs, urls, strict=True)])

    assert sorted(r.status_code for r in responses) == [302, 400]
    loser = next(r for r in responses if r.status_code == 400)
    assert str(ERR_ALREADY_LINKED) in loser.content.decode()
    link = CareLink.objects.get(client=client, ended_at__isnull=True)
    assert Invitation.objects.get(accepted_by=client).pt == link.pt


# --- a link of an account deleted since it was sent ----------------------------------------------


def test_unsubscribe_link_of_a_deleted_account_is_not_valid():
    from tracker.reminders.delivery import unsubscribe_token

    client = ClientFactory()
    url = reverse("tracker:unsubscribe", args=[unsubscribe_token(client.pk, "session_upcoming")])
    client.delete()

    for response in (Client().get(url), Client().post(url)):
        assert response.status_code == 404
        assert "This unsubscribe link is not valid." in response.content.decode()
    assert not NotificationSettings.objects.exists()


# --- development SQLite waits for its lock -------------------------------------------------------


def _sqlite(path, options):
    """A connection to a SQLite file through Django's backend, with these OPTIONS."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    return DatabaseWrapper(
        {**connections.settings["default"], "NAME": str(path), "OPTIONS": options, "TEST": {}},
        alias=f"sqlite-{threading.get_ident()}",
    )


def _read_then_write(path, options, barrier: threading.Barrier):
    """A transaction (begun as `transaction.atomic` begins one) that reads, lets the other
    one read too, then writes."""
    connection = _sqlite(path, options)
    try:
        connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM visit")
            try:
                barrier.wait(1)  # with IMMEDIATE, the other one is still waiting to begin
            except threading.BrokenBarrierError:
                pass
            cursor.execute("INSERT INTO visit (n) VALUES (1)")
        connection.commit()
        return "ok"
    except OperationalError as exc:
        connection.rollback()
        return str(exc)
    finally:
        connection.close()


@pytest.mark.parametrize("immediate", [True, False], ids=["settings", "without IMMEDIATE"])
def test_development_sqlite_waits_for_the_lock(tmp_path, immediate):
    """Two read-then-write transactions at once on a SQLite file with the development
    options: both succeed. Without IMMEDIATE, SQLite refuses one at once."""
    from config.settings.base import SQLITE_OPTIONS

    assert SQLITE_OPTIONS == {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    options = dict(SQLITE_OPTIONS) if immediate else {"timeout": SQLITE_OPTIONS["timeout"]}
    path = tmp_path / "dev.sqlite3"
    setup = _sqlite(path, options)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE visit (n integer)")
        if immediate:  # write-ahead log, synced at checkpoints (SQLite's advice for WAL)
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
    setup.close()
    barrier = threading.Barrier(2)

    results = race(*[lambda: _read_then_write(path, options, barrier)] * 2)

    if immediate:
        assert results == ["ok", "ok"]
    else:
        assert "database is locked" in results
