"""Program edits in the admin leave an audit row (ids and fixed labels only), and the block
rules (no strength exercise in a cool-down...) are kept by the admin, publishing and the
program loader, each with the rule's own words."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from programs.loaders import (
    ProgramFileError,
    program_load,
    read_program_file,
    resolve_program_file,
)
from programs.models import Block, Exercise, Prescription, ProgramVersion
from programs.rules import block_exercise_error
from programs.services import version_publish
from tests.factories import AdminFactory, ExerciseFactory, build_program_version
from tracker.admin import AUDIT_PROGRAM_EDIT, AUDIT_VERSION_CLONED, AUDIT_VERSION_PUBLISHED
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:programs_programversion_changelist"
STEP_UP_IN_COOL_DOWN = block_exercise_error("cool_down", "Step-up", "resistance")
BLOCK_FIELDS = ["order", "kind", "minutes", "notes", "evidence", "source"]
RX_FIELDS = [
    "order",
    "exercise",
    "sets",
    "reps",
    "seconds",
    "rest_seconds",
    "rpe_min",
    "rpe_max",
    "hr_max_bpm",
    "hr_min_pct",
    "hr_max_pct",
    "load",
    "evidence",
    "cue",
    "source",
]


def _values(obj, fields, prefix="", **changes) -> dict:
    values = {**model_to_dict(obj, fields=fields), **changes}
    return {f"{prefix}{k}": "" if v is None else v for k, v in values.items()}


def _inline(prefix, parent_field, parent, rows, fields, changes=None) -> dict:
    """POST data of an admin inline holding these rows (`changes` by row index)."""
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": len(rows),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        data |= _values(row, fields, f"{prefix}-{i}-", **(changes or {}).get(i, {}))
        data |= {f"{prefix}-{i}-id": row.pk, f"{prefix}-{i}-{parent_field}": parent.pk}
    return data


def _audited(what_prefix="program edit"):
    return list(
        AuditEvent.objects.filter(what__startswith=what_prefix)
        .order_by("pk")
        .values_list("what", "object_type", "object_id", "client_ids")
    )


@pytest.fixture
def cool_down(client):
    """A draft's cool-down block holding one stretch, a step-up and another stretch on hand,
    and an admin signed in."""
    version = build_program_version(
        published=False, templates_per_phase=1, prescriptions_per_block=1
    )
    block = Block.objects.filter(template__phase__version=version, kind="cool_down").first()
    step_up = ExerciseFactory(name="Step-up", kind="resistance")
    stretch = ExerciseFactory(name="Seated side stretch", kind="mobility")
    client.force_login(AdminFactory())
    return version, block, step_up, stretch


def _post_block(client, block, exercise):
    rx = block.prescriptions.get()
    data = _values(block, BLOCK_FIELDS) | _inline(
        "prescriptions", "block", block, [rx], RX_FIELDS, {0: {"exercise": exercise.pk}}
    )
    return client.post(reverse("admin:programs_block_change", args=[block.pk]), data)


def test_the_admin_refuses_a_step_up_in_a_cool_down_and_says_why(client, cool_down):
    _version, block, step_up, _stretch = cool_down
    before = block.prescriptions.get().exercise_id

    response = _post_block(client, block, step_up)

    assert response.status_code == 200
    assert STEP_UP_IN_COOL_DOWN in html.unescape(response.content.decode())
    assert block.prescriptions.get().exercise_id == before
    assert _audited() == []


def test_the_admin_saves_a_stretch_in_a_cool_down_and_audits_the_edit(client, cool_down):
    _version, block, _step_up, stretch = cool_down
    rx = block.prescriptions.get()

    response = _post_block(client, block, stretch)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert block.prescriptions.get().exercise == stretch
    assert _audited() == [
        (
            AUDIT_PROGRAM_EDIT.format(model="block", verb="changed"),
            "programs.Block",
            str(block.pk),
            [],
        ),
        (
            AUDIT_PROGRAM_EDIT.format(model="prescription", verb="changed"),
            "programs.Prescription",
            str(rx.pk),
            [],
        ),
    ]


def test_the_admin_refuses_to_turn_a_block_of_strength_work_into_a_cool_down(client, cool_down):
    version, _block, _step_up, _stretch = cool_down
    resistance = Block.objects.filter(template__phase__version=version, kind="resistance").first()
    template = resistance.template
    blocks = list(template.blocks.order_by("order"))
    index = blocks.index(resistance)
    # The admin edits each translated field in both languages (name_en, name_es...).
    data = _values(
        template,
        ["order", "code", "name_en", "name_es", "description_en", "description_es"]
        + ["evidence", "source"],
    )

    def post(kind):
        changes = {index: {"kind": kind}}
        form = data | _inline("blocks", "template", template, blocks, BLOCK_FIELDS, changes)
        return client.post(
            reverse("admin:programs_sessiontemplate_change", args=[template.pk]), form
        )

    refused = post("cool_down")
    assert refused.status_code == 200
    exercise = resistance.prescriptions.get().exercise
    problem = block_exercise_error("cool_down", exercise.name, "resistance")
    assert problem in html.unescape(refused.content.decode())
    resistance.refresh_from_db()
    assert resistance.kind == "resistance"

    assert post("resistance").status_code == 302  # the same page, kind unchanged, saves


def test_exercises_added_and_deleted_in_the_admin_are_audited_with_their_ids(client):
    client.force_login(AdminFactory())
    response = client.post(
        reverse("admin:programs_exercise_add"),
        {
            "slug": "wall-push-up",
            "name_en": "Wall push-up",
            "name_es": "Flexión en la pared",
            "kind": "resistance",
            "body_region": "upper_body",
            "instructions_en": "Hands on the wall, lower slowly.",
            "instructions_es": "Manos en la pared, baja despacio.",
            "sciatica_sources": "[]",
            "evidence": "default",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    exercise = Exercise.objects.get(slug="wall-push-up")
    assert (exercise.name_en, exercise.name_es) == ("Wall push-up", "Flexión en la pared")
    pk = exercise.pk

    client.post(reverse("admin:programs_exercise_delete", args=[pk]), {"post": "yes"})

    assert not Exercise.objects.filter(pk=pk).exists()
    assert _audited() == [
        (
            AUDIT_PROGRAM_EDIT.format(model="exercise", verb="added"),
            "programs.Exercise",
            str(pk),
            [],
        ),
        (
            AUDIT_PROGRAM_EDIT.format(model="exercise", verb="deleted"),
            "programs.Exercise",
            str(pk),
            [],
        ),
    ]
    assert "Wall" not in str(_audited())  # labels only, never what was typed


def test_publish_and_clone_in_the_admin_are_audited_and_a_refused_publish_is_not(client):
    broken = build_program_version(slug="broken", published=False, phase_weeks=[(17, 30), (32, 42)])
    good = build_program_version(published=False)
    client.force_login(AdminFactory())
    url = reverse(CHANGELIST)

    client.post(url, {"action": "publish", "_selected_action": [broken.pk, good.pk]})
    client.post(url, {"action": "clone_as_draft", "_selected_action": [good.pk]})

    clone = ProgramVersion.objects.get(cloned_from=good)
    assert _audited("program version") == [
        (AUDIT_VERSION_PUBLISHED, "programs.ProgramVersion", str(good.pk), []),
        (AUDIT_VERSION_CLONED, "programs.ProgramVersion", str(clone.pk), []),
    ]


def test_publishing_refuses_a_step_up_in_a_cool_down_and_names_where(cool_down):
    version, block, step_up, stretch = cool_down
    rx = block.prescriptions.get()
    Prescription.objects.filter(pk=rx.pk).update(exercise=step_up)  # past the form's check

    with pytest.raises(ValidationError) as refused:
        version_publish(version=version)

    message = " ".join(refused.value.messages)
    assert STEP_UP_IN_COOL_DOWN in message and block.template.phase.name in message
    version.refresh_from_db()
    assert version.status == "draft"

    Prescription.objects.filter(pk=rx.pk).update(exercise=stretch)
    version_publish(version=version)
    version.refresh_from_db()
    assert version.status == "published"


def test_the_loader_refuses_a_file_with_a_step_up_in_a_cool_down(tmp_path):
    data = read_program_file(resolve_program_file("aparicio2023"))
    strength = next(e for e in data["exercises"] if e["kind"] == "resistance")
    cool = next(
        b
        for p in data["version"]["phases"]
        for t in p["templates"]
        for b in t["blocks"]
        if b["kind"] == "cool_down" and b["prescriptions"]
    )
    cool["prescriptions"][0]["exercise"] = strength["slug"]

    with pytest.raises(ProgramFileError) as refused:
        program_load(data)

    problem = block_exercise_error("cool_down", strength["name"], "resistance")
    assert any(problem in m for m in refused.value.messages)
    assert not ProgramVersion.objects.exists()
