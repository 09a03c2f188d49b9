"""Data versions (tracker/versions.py): the database bumps a client's version on any write
about her, whatever door wrote it (ORM save, bulk update, bulk insert, raw SQL, delete), and
the shared version on any write to program content or to what pages show of a person. Cached
page parts are keyed by them, so these tests are what "never stale" rests on."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection

from programs.models import Exercise
from tests.factories import ClientFactory, PTFactory, enrolled_client
from tracker import versions
from tracker.demo import demo_seed
from tracker.models import PTNote, ScheduledSession, SessionLog
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2026, 3, 2)


def version_of(scope: int) -> str:
    return versions.versions([scope])[scope]


def owner_sql(table: str) -> str:
    """SQL giving (row id, her id) of the first row of `table` that is about a client."""
    expr = versions.CLIENT_TABLES[table].format(row=table)
    return f"SELECT id, {expr} FROM {table} WHERE {expr} IS NOT NULL ORDER BY id LIMIT 1"  # noqa: S608


def test_every_table_of_ours_is_either_versioned_or_never_shown_in_a_cached_part():
    ours = {
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label in {"users", "programs", "tracker"}
    }
    listed = set(versions.CLIENT_TABLES) | set(versions.GLOBAL_TABLES) | versions.NOT_SHOWN
    assert ours - listed == {"users_user", "tracker_dataversion"}  # the person: USER_COLUMNS
    assert listed - ours == set()


@pytest.fixture
def seeded():
    """The demo, plus a row of each form of trigger it has none of (a log's exercise line: her
    id through the log; a check-in's revision: through the check-in; her settings: user_id)."""
    from tracker.models import Assessment, AssessmentRevision, ExerciseLog, NotificationSettings

    demo_seed()
    log = SessionLog.objects.filter(session__isnull=False).select_related("session").first()
    line = log.session.template.blocks.first().prescriptions.first()
    ExerciseLog.objects.create(log=log, prescription=line)
    assessment = Assessment.objects.first()
    AssessmentRevision.objects.create(
        assessment=assessment, snapshot={}, edited_by=assessment.client
    )
    NotificationSettings.objects.get_or_create(user=log.client)
    PTNote.objects.create(client=log.client, author=PTFactory(), text="A note.")


def test_any_write_to_any_table_about_her_changes_her_version_and_no_one_elses(seeded):
    others = list(User.objects.values_list("pk", flat=True))
    missing = []
    for table in versions.CLIENT_TABLES:
        with connection.cursor() as cursor:
            cursor.execute(owner_sql(table))
            found = cursor.fetchone()
        if found is None:
            missing.append(table)
            continue
        row_id, client_id = found
        before = versions.versions(others)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [row_id])  # noqa: S608
        after = versions.versions(others)
        changed = {scope for scope in after if after[scope] != before[scope]}
        assert changed == {client_id}, table
    # Tables the demo leaves empty are written by the tests below.
    # Same forms of trigger as tables written above (her id in the row, or through her log).
    assert set(missing) <= {
        "tracker_sessionlogrevision",
        "tracker_exerciseswap",
        "tracker_clearance",
        "tracker_safetyitem",
        "tracker_planchange",
    }, missing


def test_orm_saves_bulk_writes_and_deletes_all_bump_her_version():
    client = enrolled_client(today=TODAY, pt=PTFactory()).client
    other = enrolled_client(today=TODAY).client
    session = ScheduledSession.objects.filter(client=client).first()

    def bumped(write) -> bool:
        before = versions.versions([client.pk, other.pk])
        write()
        after = versions.versions([client.pk, other.pk])
        assert after[other.pk] == before[other.pk], "another client's version moved"
        return after[client.pk] != before[client.pk]

    log = SessionLog(client=client, session=session, performed_on=session.date, minutes=60)
    assert bumped(log.save)
    assert bumped(lambda: SessionLog.objects.filter(pk=log.pk).update(notes="a queryset update"))
    assert bumped(
        lambda: PTNote.objects.bulk_create([PTNote(client=client, author=PTFactory(), text="bulk")])
    )
    assert bumped(lambda: SessionLog.objects.filter(pk=log.pk).delete())
    assert bumped(
        lambda: ScheduledSession.objects.filter(client=client).update(start_time=dt.time(9))
    )


def test_program_content_bumps_the_shared_version_and_no_client():
    client = enrolled_client(today=TODAY).client
    before = versions.versions([client.pk])
    Exercise.objects.filter(pk=Exercise.objects.first().pk).update(name_en="Renamed")
    after = versions.versions([client.pk])
    assert after[versions.GLOBAL] != before[versions.GLOBAL]
    assert after[client.pk] == before[client.pk]


def test_a_persons_name_changes_versions_her_log_in_does_not():
    pt = PTFactory()
    client = ClientFactory()
    before = versions.versions([pt.pk, client.pk])
    User.objects.filter(pk=pt.pk).update(last_login=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    pt.set_password("another long password 123")
    pt.save(update_fields=["password"])
    assert versions.versions([pt.pk, client.pk]) == before
    pt.full_name = "Ana Renamed"
    pt.save()  # every column written: only a changed one counts
    after = versions.versions([pt.pk, client.pk])
    assert after[pt.pk] != before[pt.pk]
    assert after[versions.GLOBAL] != before[versions.GLOBAL]  # her name shows on many pages
    assert after[client.pk] == before[client.pk]
    pt.save()  # nothing changed
    assert versions.versions([pt.pk, client.pk]) == after


def test_a_version_is_one_query_and_new_databases_never_repeat_one(django_assert_num_queries):
    client = enrolled_client(today=TODAY).client
    with django_assert_num_queries(1):
        first = versions.client_version(client)
    token = first.split(":")[1].split(".")[0]
    assert len(token) == 32  # random per row: a rebuilt database starts other keys
    assert versions.client_version(ClientFactory()).split(":")[1] == "0"  # nothing written yet


def test_installing_the_triggers_again_changes_nothing():
    assert versions.install_triggers() is False
