"""Program content in English and Spanish (issue 18): the shipped file carries both, loading it
again only refreshes the Spanish, a missing Spanish text falls back to English and is listed,
and the admin edits both side by side."""

import copy
import io

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from programs.loaders import DATA_DIR, dump_program, english_only, program_export, program_load
from programs.models import Exercise, Phase, ProgramVersion
from tests.clock import pin
from tests.factories import AdminFactory

pytestmark = [pytest.mark.django_db, pin()]
SHIPPED = DATA_DIR / "aparicio2023.yaml"


def shipped() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def status(*args) -> str:
    out = io.StringIO()
    call_command("program_translation_status", *args, stdout=out)
    return out.getvalue()


def test_every_shipped_text_has_its_spanish():
    program_load(shipped(), publish=True)
    assert status().strip() == "Every text has its es translation."


def test_pages_show_the_active_languages_text_and_fall_back_to_english(client):
    program_load(shipped(), publish=True)
    chair = Exercise.objects.get(slug="squat-to-chair")
    assert chair.name_es and chair.name_es != chair.name_en

    page = client.get("/exercises/squat-to-chair/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert chair.name_es in page and chair.instructions_es.splitlines()[0] in page

    Exercise.objects.filter(pk=chair.pk).update(name_es="")
    page = client.get("/exercises/squat-to-chair/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert chair.name_en in page
    listed = status()
    assert f"programs.Exercise #{chair.pk}: name" in listed
    assert "1 row(s) fall back to English for es." in listed
    with pytest.raises(CommandError):
        status("--check")


def test_adding_spanish_to_a_loaded_file_keeps_the_version_and_refreshes_its_spanish():
    first = program_load(english_only(shipped()), publish=True)
    phase = Phase.objects.filter(version=first.version).order_by("start_week").first()
    assert not phase.name_es
    with translation.override("es"):
        assert Phase.objects.get(pk=phase.pk).name == phase.name_en  # English as the fallback

    again = program_load(shipped())
    assert again.outcome == "translated"
    assert again.version.pk == first.version.pk
    assert ProgramVersion.objects.filter(program=first.program).count() == 1
    phase.refresh_from_db()
    assert phase.name_es == shipped()["version"]["phases"][0]["name_es"]
    assert again.version.content_hash == first.version.content_hash
    assert program_load(shipped()).outcome == "unchanged"


def test_a_change_to_the_english_is_still_a_new_draft():
    program_load(shipped(), publish=True)
    data = shipped()
    data["version"]["phases"][0]["description"] += " Changed."
    assert program_load(data).outcome == "draft"


def test_the_export_is_the_same_whatever_language_is_active():
    result = program_load(shipped(), publish=True)
    with translation.override("es"):
        spanish_active = dump_program(
            program_export(program=result.program, version=result.version)
        )
    assert spanish_active == SHIPPED.read_text(encoding="utf-8")


def test_a_file_without_spanish_round_trips_without_spanish_keys():
    data = english_only(shipped())
    result = program_load(copy.deepcopy(data), publish=True)
    text = dump_program(program_export(program=result.program, version=result.version))
    assert "_es:" not in text
    assert text == dump_program(data)


def test_the_admin_edits_both_languages_side_by_side(client):
    program_load(shipped(), publish=True)
    client.force_login(AdminFactory())
    chair = Exercise.objects.get(slug="squat-to-chair")
    page = client.get(f"/admin/programs/exercise/{chair.pk}/change/").content.decode()
    for field in ("name_en", "name_es", "instructions_en", "instructions_es"):
        assert f'name="{field}"' in page

    from tracker.models import OdiSection, ScreeningQuestion

    question = ScreeningQuestion.objects.first()
    page = client.get(f"/admin/tracker/screeningquestion/{question.pk}/change/").content.decode()
    assert 'name="text_en"' in page and 'name="text_es"' in page
    section = OdiSection.objects.get(number=1)
    assert section.title_es and len(section.options_es) == 6
