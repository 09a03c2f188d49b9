"""Publishing, immutability and drafts, through the ORM and the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from programs import services
from programs.models import Block, Phase, Prescription, ProgramVersion
from tests.factories import AdminFactory, build_program_version

pytestmark = pytest.mark.django_db


def test_a_published_version_cannot_be_changed_through_the_orm():
    version = build_program_version()
    phase = version.phases.first()
    block = Block.objects.filter(template__phase=phase).first()
    rx = Prescription.objects.filter(block=block).first()

    for obj in (version, phase, block, rx):
        with pytest.raises(ValidationError, match="published and cannot be changed"):
            obj.save()
    with pytest.raises(ValidationError, match="published and cannot be changed"):
        rx.delete()
    assert Prescription.objects.filter(pk=rx.pk).exists()


def test_publishing_refuses_a_version_with_a_gap_and_names_it():
    version = build_program_version(published=False, phase_weeks=[(17, 22), (24, 42)])

    with pytest.raises(ValidationError) as exc:
        services.version_publish(version=version)

    assert "Gap: no phase covers weeks 23-23" in " ".join(exc.value.messages)
    version.refresh_from_db()
    assert version.status == ProgramVersion.Status.DRAFT


def test_publishing_warns_when_a_template_is_not_60_minutes():
    version = build_program_version(published=False, templates_per_phase=1)
    block = Block.objects.filter(template__phase__version=version).first()
    block.minutes += 5
    block.save()

    warnings = services.version_publish(version=version)

    assert len(warnings) == 1 and "adds up to 65 minutes, not the program's 60" in warnings[0]


def test_clone_as_draft_copies_everything_in_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    small = build_program_version(slug="small", templates_per_phase=1, prescriptions_per_block=1)
    big = build_program_version(slug="big", templates_per_phase=3, prescriptions_per_block=4)

    with django_assert_max_num_queries(12) as small_ctx:
        services.version_clone_as_draft(version=small)
    with django_assert_max_num_queries(len(small_ctx.captured_queries)):
        draft = services.version_clone_as_draft(version=big)

    assert draft.status == ProgramVersion.Status.DRAFT and draft.number == big.number + 1
    assert draft.cloned_from == big
    for model, lookup in (
        (Phase, "version"),
        (Block, "template__phase__version"),
        (Prescription, "block__template__phase__version"),
    ):
        assert (
            model.objects.filter(**{lookup: draft}).count()
            == model.objects.filter(**{lookup: big}).count()
        )
    # The draft can be edited; the original cannot.
    rx = Prescription.objects.filter(block__template__phase__version=draft).first()
    rx.reps = 15
    rx.save()


def test_rpe_outside_the_borg_scale_is_refused_by_the_database():
    version = build_program_version(published=False, templates_per_phase=1)
    rx = Prescription.objects.filter(block__template__phase__version=version).first()
    rx.rpe_min, rx.rpe_max = 15, 12
    with pytest.raises(ValidationError, match="low to high"):
        rx.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Prescription.objects.filter(pk=rx.pk).update(rpe_min=15, rpe_max=12)


# --- admin -----------------------------------------------------------------------------


def _phase_formset_post(version, weeks):
    phases = list(version.phases.order_by("start_week"))
    data = {
        "program": version.program_id,
        "number": version.number,
        "label": version.label,
        "session_minutes": 60,
        "sessions_per_week": 3,
        "start_week": 17,
        "adherence_threshold_percent": 80,
        "weekly_minutes_target": 150,
        "notes_en": "",
        "notes_es": "",
        "facts": "[]",
        "phases-TOTAL_FORMS": len(phases),
        "phases-INITIAL_FORMS": len(phases),
        "phases-MIN_NUM_FORMS": 0,
        "phases-MAX_NUM_FORMS": 1000,
    }
    for i, (phase, (start, end)) in enumerate(zip(phases, weeks, strict=True)):
        data.update(
            {
                f"phases-{i}-id": phase.pk,
                f"phases-{i}-version": version.pk,
                f"phases-{i}-name_en": phase.name_en,
                f"phases-{i}-name_es": phase.name_es or "",
                f"phases-{i}-start_week": start,
                f"phases-{i}-end_week": end,
                f"phases-{i}-evidence": "default",
                f"phases-{i}-source": "",
            }
        )
    return data


def test_admin_saves_a_draft_whose_phases_still_cover_17_to_42(client):
    version = build_program_version(published=False, templates_per_phase=1)
    client.force_login(AdminFactory())
    url = reverse("admin:programs_programversion_change", args=[version.pk])

    response = client.post(
        url, _phase_formset_post(version, [(17, 20), (21, 28), (29, 34), (35, 42)])
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(version.phases.order_by("start_week").values_list("end_week", flat=True)) == [
        20,
        28,
        34,
        42,
    ]


def test_admin_refuses_a_phase_edit_that_leaves_a_gap_and_names_the_problem(client):
    version = build_program_version(published=False, templates_per_phase=1)
    client.force_login(AdminFactory())
    url = reverse("admin:programs_programversion_change", args=[version.pk])

    response = client.post(
        url, _phase_formset_post(version, [(17, 20), (23, 28), (29, 34), (35, 42)])
    )

    assert response.status_code == 200
    assert "Gap: no phase covers weeks 21-22" in response.content.decode()
    assert version.phases.order_by("start_week").first().end_week == 22


def test_admin_shows_a_published_version_read_only(client):
    version = build_program_version()
    client.force_login(AdminFactory())
    url = reverse("admin:programs_programversion_change", args=[version.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert b'name="label"' not in page.content  # no editable field

    response = client.post(
        url, _phase_formset_post(version, [(17, 20), (21, 28), (29, 34), (35, 42)])
    )
    assert response.status_code == 403
    assert version.phases.order_by("start_week").first().end_week == 22


def test_admin_publish_action_reports_errors_and_success(client):
    broken = build_program_version(published=False, phase_weeks=[(17, 30), (32, 42)])
    good = build_program_version(slug="other", published=False)
    client.force_login(AdminFactory())
    url = reverse("admin:programs_programversion_changelist")

    response = client.post(
        url, {"action": "publish", "_selected_action": [broken.pk, good.pk]}, follow=True
    )

    page = response.content.decode()
    assert f"Version {broken.number} was not published: Gap: no phase covers weeks 31-31" in page
    assert f"Version {good.number} published." in page
    broken.refresh_from_db()
    good.refresh_from_db()
    assert (broken.status, good.status) == ("draft", "published")


def test_admin_phase_preview_shows_a_week_of_sessions(client):
    version = build_program_version()
    phase = version.phases.order_by("start_week").first()
    client.force_login(AdminFactory())

    page = client.get(reverse("admin:programs_phase_preview", args=[phase.pk])).content.decode()

    assert "Monday: A" in page and "Wednesday: B" in page and "Friday: C" in page
    assert "RPE 12-14" in page
