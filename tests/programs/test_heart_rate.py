"""Heart rate is a ceiling, not a target, and heat advice sits in every aerobic block
(SAFETY.md section 5): the shipped program's new version, how it loads, and what she sees."""

import copy
import io
import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from programs.loaders import DATA_DIR, ProgramFileError, program_load, read_program_file
from programs.models import Block, Prescription, ProgramVersion
from programs.selectors import current_version_by_slug
from tests.clock import pin
from tests.factories import ClientFactory, enrolled_client
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

SHIPPED = DATA_DIR / "aparicio2023.yaml"


def shipped() -> dict:
    return read_program_file(SHIPPED)


def with_the_old_band(data: dict) -> dict:
    """The program as version 1.0 shipped it: aerobic work at 60-80% of maximum, no ceiling."""
    old = copy.deepcopy(data)
    old["version"]["label"] = "1.0"
    for phase in old["version"]["phases"]:
        for template in phase["templates"]:
            for block in template["blocks"]:
                for rx in block["prescriptions"]:
                    ceiling = rx.pop("hr_max_bpm")
                    rx["hr_min_pct"], rx["hr_max_pct"] = (60, 80) if ceiling else (None, None)
    return old


def aerobic(version) -> list[Prescription]:
    return list(
        Prescription.objects.filter(
            block__template__phase__version=version, block__kind=Block.Kind.AEROBIC
        )
    )


def test_the_shipped_version_gives_a_140_bpm_ceiling_and_no_percent_band():
    data = shipped()
    text = SHIPPED.read_text(encoding="utf-8")
    assert "hr_min_pct" not in text and "hr_max_pct" not in text
    assert "60-80%" not in text.replace("60-80%-of-maximum", "")  # only the change note names it
    blocks = [
        block
        for phase in data["version"]["phases"]
        for template in phase["templates"]
        for block in template["blocks"]
    ]
    aerobic_rx = [rx for b in blocks if b["kind"] == "aerobic" for rx in b["prescriptions"]]
    assert aerobic_rx and all(rx["hr_max_bpm"] == 140 for rx in aerobic_rx)
    others = [rx for b in blocks if b["kind"] != "aerobic" for rx in b["prescriptions"]]
    assert all(rx["hr_max_bpm"] is None for rx in others)

    version = program_load(data).version
    rows = aerobic(version)
    assert rows and {(rx.hr_max_bpm, rx.hr_min_pct, rx.hr_max_pct) for rx in rows} == {
        (140, None, None)
    }


def test_every_aerobic_block_carries_the_heat_and_water_advice():
    version = program_load(shipped()).version
    blocks = Block.objects.filter(template__phase__version=version, kind=Block.Kind.AEROBIC)
    assert blocks.count() == 12
    for block in blocks:
        notes = block.notes.lower()
        assert "cool, airy place" in notes and "drink water" in notes, block.notes
        assert "heat and humidity" in notes
    facts = {f["key"]: f for f in version.facts}
    assert "140 beats a minute" in facts["aerobic_intensity"]["value"]
    assert facts["heat"]["evidence"] == "guideline"


def test_a_database_with_the_banded_version_gets_the_ceiling_as_its_current_version():
    old = program_load(with_the_old_band(shipped())).version
    assert old.number == 1 and old.is_published
    assert {(rx.hr_min_pct, rx.hr_max_pct) for rx in aerobic(old)} == {(60, 80)}

    out = io.StringIO()
    call_command("load_program", "aparicio2023", "--publish", stdout=out)

    assert "loaded and published as version 2" in out.getvalue()
    current = current_version_by_slug(slug="aparicio2023")
    assert current.number == 2 and current.label == "2.0"
    assert {rx.hr_max_bpm for rx in aerobic(current)} == {140}
    # The published version 1 keeps its data.
    assert {(rx.hr_min_pct, rx.hr_max_pct) for rx in aerobic(old)} == {(60, 80)}


def test_without_publish_a_changed_file_is_a_draft_and_publish_later_promotes_it():
    program_load(with_the_old_band(shipped()))
    draft = program_load(shipped())
    assert draft.outcome == "draft"
    assert current_version_by_slug(slug="aparicio2023").number == 1

    again = program_load(shipped(), publish=True)

    assert (again.outcome, again.version.pk) == ("published", draft.version.pk)
    assert current_version_by_slug(slug="aparicio2023").pk == draft.version.pk


def test_seed_demo_uses_the_new_version_on_a_database_that_had_the_old_one():
    program_load(with_the_old_band(shipped()))

    call_command("seed_demo", "--force", stdout=io.StringIO())

    current = current_version_by_slug(slug="aparicio2023")
    assert current.number == 2 and {rx.hr_max_bpm for rx in aerobic(current)} == {140}
    versions = ProgramVersion.objects.filter(program__slug="aparicio2023")
    assert versions.filter(status="published").count() == 2


def test_the_loader_accepts_the_old_band_and_refuses_an_impossible_ceiling(tmp_path):
    data = shipped()
    rx = data["version"]["phases"][0]["templates"][0]["blocks"][1]["prescriptions"][0]
    rx["hr_max_bpm"] = 400
    with pytest.raises(ProgramFileError, match="hr_max_bpm is a ceiling from 90 to 200"):
        program_load(data)
    rx["hr_max_bpm"], rx["hr_min_pct"], rx["hr_max_pct"] = None, 80, 60
    with pytest.raises(ProgramFileError, match="must run from low to high"):
        program_load(data)

    # The old band round-trips: exported where set, left out where not.
    result = program_load(with_the_old_band(shipped()))
    out = io.StringIO()
    call_command("export_program", "aparicio2023", stdout=out)
    exported = yaml.safe_load(out.getvalue())
    block = exported["version"]["phases"][0]["templates"][0]["blocks"][1]
    assert (block["prescriptions"][0]["hr_min_pct"], block["prescriptions"][0]["hr_max_pct"]) == (
        60,
        80,
    )
    warm_up = exported["version"]["phases"][0]["templates"][0]["blocks"][0]
    assert "hr_min_pct" not in warm_up["prescriptions"][0]
    assert result.version.number == 1


def _session_with_aerobic_work(user, version):
    enrolment = enrolled_client(today=local_today(user), week=24, client=user, version=version)
    return enrolment.sessions.order_by("date").first()


def test_the_session_page_shows_the_ceiling_and_the_heat_advice(client):
    version = program_load(shipped()).version
    user = ClientFactory()
    session = _session_with_aerobic_work(user, version)
    client.force_login(user)

    page = client.get(reverse("tracker:session", args=[session.pk])).content.decode()

    assert "Keep your heart rate under about 140 beats a minute (ACOG)" in page
    assert "RPE 12-14 and the talk test guide you" in page
    assert "cool, airy place" in page and "drink water" in page
    # A word, not three letters that a random CSRF token may hold ("...jbpmxk...").
    assert not re.search(r"\bbpm\b", page) and "% of your maximum heart rate" not in page
    assert "year of birth" not in page


def test_a_session_of_the_old_banded_version_shows_the_ceiling_too(client):
    version = program_load(with_the_old_band(shipped())).version
    user = ClientFactory()
    session = _session_with_aerobic_work(user, version)
    client.force_login(user)

    page = client.get(reverse("tracker:session", args=[session.pk])).content.decode()

    assert "Keep your heart rate under about 140 beats a minute (ACOG)" in page
    assert "60-80" not in page and "of your maximum heart rate" not in page


def test_the_pregnancy_form_no_longer_asks_her_year_of_birth(client):
    user = ClientFactory()
    client.force_login(user)
    page = client.get(reverse("tracker:pregnancy")).content.decode()
    assert "year of birth" not in page.lower() and "birth_year" not in page
