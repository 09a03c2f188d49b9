"""Program files: load idempotently, export, round-trip byte for byte."""

import io

import pytest
import yaml
from django.core.management import CommandError, call_command

from programs.loaders import DATA_DIR, ProgramFileError, dump_program, program_export, program_load
from programs.models import Exercise, Program, ProgramVersion
from tests.factories import build_program_version

pytestmark = pytest.mark.django_db

SHIPPED = DATA_DIR / "aparicio2023.yaml"


def export_text(slug, *extra) -> str:
    out = io.StringIO()
    call_command("export_program", slug, *extra, stdout=out)
    return out.getvalue()


def load(path_or_slug) -> str:
    out = io.StringIO()
    call_command("load_program", str(path_or_slug), stdout=out)
    return out.getvalue()


def test_loading_the_shipped_program_twice_leaves_one_published_version():
    assert "loaded and published as version 1" in load("aparicio2023")
    assert "already loaded as version 1; nothing changed" in load("aparicio2023")

    versions = ProgramVersion.objects.filter(program__slug="aparicio2023")
    assert versions.count() == 1
    assert versions.get().status == ProgramVersion.Status.PUBLISHED


def test_shipped_file_is_in_export_format_and_round_trips_byte_for_byte(tmp_path):
    load("aparicio2023")
    first = export_text("aparicio2023")
    assert first == SHIPPED.read_text(encoding="utf-8")

    # Into a fresh database: wipe everything, load the export, export again.
    Program.objects.all().delete()
    Exercise.objects.all().delete()
    path = tmp_path / "exported.yaml"
    path.write_text(first, encoding="utf-8")
    load(path)
    assert export_text("aparicio2023") == first


def test_the_shipped_program_meets_the_program_rules():
    load("aparicio2023")
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    phases = data["version"]["phases"]
    assert [(p["start_week"], p["end_week"]) for p in phases] == [
        (17, 22),
        (23, 28),
        (29, 34),
        (35, 42),
    ]
    for phase in phases:
        assert len(phase["templates"]) >= 3
        for template in phase["templates"]:
            assert sum(b["minutes"] for b in template["blocks"]) == 60, template["name"]
            assert [b["kind"] for b in template["blocks"]] == [
                "warm_up",
                "aerobic",
                "resistance",
                "pelvic_floor",
                "cool_down",
            ]
    exercises = {e["slug"]: e for e in data["exercises"]}
    assert len(exercises) >= 30
    # Supine work has a side-lying or inclined replacement, which is not itself supine.
    for e in exercises.values():
        if e["supine"]:
            assert e["replaced_by"] and not exercises[e["replaced_by"]]["supine"], e["slug"]
    # Every sciatica source has at least two exercises to choose between.
    for source in ("disc", "trigger_points", "piriformis", "hamstrings", "trochanteric"):
        assert sum(source in e["sciatica_sources"] for e in exercises.values()) >= 2, source
    # Every element carries its evidence status.
    assert all(f["evidence"] in ("paper", "guideline", "default") for f in data["version"]["facts"])


def test_a_changed_file_becomes_a_new_draft_and_never_changes_the_published_one(tmp_path):
    load("aparicio2023")
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    original_minutes = data["version"]["phases"][0]["templates"][0]["blocks"][1]["minutes"]
    data["version"]["phases"][0]["templates"][0]["blocks"][1]["minutes"] += 5
    data["version"]["phases"][0]["templates"][0]["blocks"][2]["minutes"] -= 5
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    assert "changed: loaded as draft version 2" in load(path)
    assert "already loaded as version 2" in load(path)

    v1, v2 = ProgramVersion.objects.filter(program__slug="aparicio2023").order_by("number")
    assert (v1.status, v2.status) == ("published", "draft")
    first_block = lambda v: v.phases.first().templates.first().blocks.order_by("order")[1]  # noqa: E731
    assert first_block(v1).minutes == original_minutes
    assert first_block(v2).minutes == original_minutes + 5


def test_a_file_with_a_gap_is_refused_with_the_problem_named(tmp_path):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["version"]["phases"][1]["start_week"] = 24
    path = tmp_path / "gap.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    with pytest.raises(CommandError, match="Gap: no phase covers weeks 23-23"):
        load(path)
    assert not Program.objects.exists()


def test_unknown_program_name_lists_the_shipped_ones():
    with pytest.raises(CommandError, match="Shipped: aparicio2023"):
        load("no-such-program")


def test_a_program_built_in_the_database_round_trips_through_a_file():
    version = build_program_version(slug="built", templates_per_phase=2)
    first = dump_program(program_export(program=version.program, version=version))
    Program.objects.all().delete()
    Exercise.objects.all().delete()

    result = program_load(yaml.safe_load(first))

    assert result.outcome == "published"
    assert dump_program(program_export(program=result.program, version=result.version)) == first


def test_wrong_schema_version_is_refused():
    with pytest.raises(ProgramFileError, match="schema_version must be 1"):
        program_load({"schema_version": 2})
