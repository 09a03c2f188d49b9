"""An admin revises the program in the Django admin: she clones the published version as a
draft, edits the draft, publishes it and moves the enrolled clients' future sessions to it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from programs.models import ProgramVersion
from tests.browser.conftest import utc_today
from tests.clock import pin
from tests.factories import AdminFactory, ClientFactory, build_program_version, enrolled_client
from tracker.models import ScheduledSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]

CLONE = "Clone as a new draft"
PUBLISH = "Publish (makes it the current version; it can no longer change)"
MOVE = "Move enrolled clients' future unlogged sessions to this version"


def run_action(page, row_text: str, action: str):
    """Tick the changelist row that shows row_text and run an admin action on it."""
    row = page.get_by_role("row").filter(has_text=row_text)
    expect(row).to_have_count(1)
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option(label=action)
    page.get_by_role("button", name="Run", exact=True).click()


def test_admin_clones_edits_publishes_and_moves_clients(journey, reference_data):
    today = utc_today()
    admin = AdminFactory(full_name="Ada Admin", time_zone="UTC")
    v1 = build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=1
    )
    client = ClientFactory(full_name="Carmen Client", time_zone="UTC")
    enrolled_client(
        today=today, week=24, client=client, version=v1, start=today - dt.timedelta(days=14)
    )
    page = journey.page

    journey.log_in(admin.email)
    expect(page.get_by_role("heading", name=re.compile("Hello|Admin"))).to_be_visible()
    journey.goto("/admin/")
    expect(page.get_by_role("link", name="Program versions")).to_be_visible()
    journey.snap("admin", "01-index")

    # Clone the published version as a draft, then open the draft.
    page.get_by_role("link", name="Program versions").click()
    expect(page.get_by_role("row").filter(has_text="v1 (Published)")).to_be_visible()
    journey.snap("admin", "02-versions")
    run_action(page, "v1 (Published)", CLONE)
    expect(page.get_by_text("Draft version 2 created from version 1")).to_be_visible()
    journey.check()
    page.get_by_role("link", name="edit it").click()
    expect(page.get_by_role("heading", name=re.compile(r"v2 \(Draft\)"))).to_be_visible()
    journey.snap("admin", "03-draft")

    # Edit the draft's label and notes.
    page.get_by_label("Label").fill("2.0 autumn review")
    # Notes come in both languages, side by side: "Notes [en]" and "Notes [es]".
    page.get_by_label("Notes [en]").fill("Reviewed the cool-down wording.")
    page.get_by_label("Notes [es]").fill("Revisada la redacción de la vuelta a la calma.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    journey.check()
    draft = ProgramVersion.objects.get(program=v1.program, number=2)
    assert (draft.status, draft.label) == ("draft", "2.0 autumn review")
    assert draft.notes == "Reviewed the cool-down wording."
    assert draft.notes_es == "Revisada la redacción de la vuelta a la calma."

    # Publish it.
    run_action(page, "v2 (Draft)", PUBLISH)
    expect(page.get_by_text("Version 2 published.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="v2 (Published)")).to_be_visible()
    journey.snap("admin", "04-published")

    # Move the enrolled client's future sessions to it.
    run_action(page, "v2 (Published)", MOVE)
    # It asks first, with the count and the target version, and moves nobody until confirmed.
    expect(page.get_by_role("heading", name="Move 1 client to")).to_contain_text("version 2?")
    assert set(
        ScheduledSession.objects.filter(client=client, date__gt=today).values_list(
            "version__number", flat=True
        )
    ) == {1}
    journey.snap("admin", "05-move-confirm")
    page.get_by_role("button", name="Yes, move them").click()
    expect(page.get_by_text("1 client moved to")).to_contain_text("version 2")
    journey.snap("admin", "06-moved")

    sessions = ScheduledSession.objects.filter(client=client, status="scheduled")
    future = sessions.filter(date__gt=today)
    assert future.exists()
    assert set(future.values_list("version__number", flat=True)) == {2}
    assert set(future.values_list("phase__version__number", flat=True)) == {2}
    assert set(sessions.filter(date__lte=today).values_list("version__number", flat=True)) == {1}
