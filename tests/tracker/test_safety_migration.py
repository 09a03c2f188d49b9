"""The data migration of SAFETY.md section 4: existing screen answers and stored states become
safety items, and nothing a client recorded is lost."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tracker", "0007_safety_items")]


@pytest.fixture
def old_apps(transactional_db):
    """The database as it was before the safety items were filled in; forwards again after."""
    call_command("migrate", "tracker", "0007_safety_items", verbosity=0)
    executor = MigrationExecutor(connection)
    yield executor.loader.project_state(BEFORE).apps
    call_command("migrate", verbosity=0)


def test_old_answers_and_pauses_become_items_and_a_moved_question_keeps_its_clearance(old_apps):
    from django.apps import apps as current

    User = old_apps.get_model("users", "User")
    Screening = old_apps.get_model("tracker", "Screening")
    Clearance = old_apps.get_model("tracker", "Clearance")
    Enrolment = old_apps.get_model("tracker", "Enrolment")
    Program = old_apps.get_model("programs", "Program")
    Version = old_apps.get_model("programs", "ProgramVersion")
    at = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)

    # Relative "hypertension" (now absolute), cleared by her PT: kept, flagged for review.
    cleared = User.objects.create(email="cleared@example.org", role="client")
    pt = User.objects.create(email="pt@example.org", role="pt", pt_approved=True)
    screening = Screening.objects.create(
        client=cleared,
        submitted_at=at,
        answers={"hypertension": True},
        positive_keys=["hypertension"],
        result="pending_clearance",
    )
    Clearance.objects.create(
        client=cleared,
        screening=screening,
        provider="Dr Ruiz",
        recorded_by=pt,
        recorded_at=at + dt.timedelta(days=2),
    )
    # A yes she later answered "no" to (answers are sticky now), and a retired question.
    sticky = User.objects.create(email="sticky@example.org", role="client")
    Screening.objects.create(
        client=sticky,
        submitted_at=at,
        answers={"anaemia": True, "underweight": True},
        positive_keys=["anaemia", "underweight"],
        result="pending_clearance",
    )
    Screening.objects.create(
        client=sticky,
        submitted_at=at + dt.timedelta(days=1),
        answers={"anaemia": False},
        positive_keys=[],
        result="cleared",
    )
    # Paused by herself for a holiday.
    paused = User.objects.create(email="paused@example.org", role="client")
    program = Program.objects.create(slug="p", name="P")
    version = Version.objects.create(program=program, number=1, status="published")
    Enrolment.objects.create(
        client=paused,
        program_version=version,
        weekdays=[0, 2, 4],
        start_time=dt.time(18),
        time_zone="UTC",
        status="paused",
        pause_reason="Holiday",
        paused_by=paused,
        paused_at=at,
    )

    call_command("migrate", verbosity=0)

    Item = current.get_model("tracker", "SafetyItem")
    moved = Item.objects.get(client_id=cleared.pk)
    assert (moved.kind, moved.question_key, moved.closed_how, moved.needs_review) == (
        "absolute",
        "hypertension",
        "clearance",
        True,
    )
    assert moved.clearance.provider == "Dr Ruiz"
    assert sorted(
        Item.objects.filter(client_id=sticky.pk).values_list("kind", "question_key", "closed_at")
    ) == [("relative", "anaemia", None), ("relative", "weight_extremes", None)]
    pause = Item.objects.get(client_id=paused.pk)
    assert (pause.kind, pause.reason, pause.opened_by_id, pause.closed_at) == (
        "pause",
        "Holiday",
        paused.pk,
        None,
    )
    from tracker.safety import state_of

    User = current.get_model("users", "User")
    assert state_of(User.objects.get(pk=cleared.pk)).state == "active"
    assert state_of(User.objects.get(pk=sticky.pk)).state == "pending_clearance"
    assert state_of(User.objects.get(pk=paused.pk)).state == "paused"
    Question = current.get_model("tracker", "ScreeningQuestion")
    assert Question.objects.filter(active=True, kind="absolute").count() == 15
    assert Question.objects.filter(active=True, kind="relative").count() == 15
    assert not Question.objects.filter(active=True, source="").exists()
