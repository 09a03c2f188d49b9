import pytest
from django.core.management import call_command
from django.urls import reverse

from programs.models import Exercise
from tests.factories import ExerciseFactory, build_program_version

pytestmark = pytest.mark.django_db


def test_about_page_states_the_results_honestly_including_the_non_significant_one(client):
    call_command("load_program", "aparicio2023", stdout=None)
    page = client.get(reverse("programs:about")).content.decode()

    assert "−21.9 mm" in page and "−12.9 mm" in page
    assert "p=0.052" in page and "No" in page  # the ODI total was not significant
    assert "Pain rose in both groups, but less with exercise." in page
    assert "protocol-like default" in page and "from the paper" in page
    assert "Calf pain or swelling" in page  # warning signs
    assert "Hot yoga or hot pilates" in page  # activities to avoid


def test_about_page_gives_the_odi_interval_the_limits_and_the_heat_advice(client):
    call_command("load_program", "aparicio2023", stdout=None)
    page = client.get(reverse("programs:about")).content.decode()

    assert "95% CI −13.9 to 0.05" in page and "p = 0.052" in page
    assert "The trial's sessions were supervised" in page
    assert "without supervision, was not tested" in page
    assert "Prenafit is exercise guidance, not a medical device" in page
    assert "Its symptom questions do not diagnose anything" in page
    assert "Exercise in a cool, airy place, drink water" in page and "heat and humidity" in page
    assert "Keep your heart rate under about 140 beats a minute (ACOG)" in page
    assert "60-80%" not in page


def test_about_page_without_a_loaded_program_shows_an_empty_state(client):
    page = client.get(reverse("programs:about")).content.decode()
    assert "has not been loaded yet" in page


def test_program_pages_run_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    build_program_version(slug="aparicio2023", templates_per_phase=1, prescriptions_per_block=1)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("programs:about"))
    build_program_version(slug="aparicio2023", templates_per_phase=4, prescriptions_per_block=6)
    for _ in range(20):
        ExerciseFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("programs:about"))
    with django_assert_max_num_queries(3):
        client.get(reverse("programs:exercise_list"))
    with django_assert_max_num_queries(4):
        client.get(reverse("programs:exercise_detail", args=[Exercise.objects.first().slug]))


def test_exercise_library_filters_by_kind_region_and_sciatica_source(client):
    ExerciseFactory(
        name="Clam", kind="resistance", body_region="hips", sciatica_sources=["trochanteric"]
    )
    ExerciseFactory(name="Walk", kind="aerobic", body_region="full_body")
    ExerciseFactory(
        name="Figure four", kind="mobility", body_region="hips", sciatica_sources=["piriformis"]
    )

    def names(**params):
        response = client.get(reverse("programs:exercise_list"), params)
        return [e.name for e in response.context["exercises"]]

    assert names() == ["Clam", "Figure four", "Walk"]
    assert names(kind="aerobic") == ["Walk"]
    assert names(region="hips") == ["Clam", "Figure four"]
    assert names(source="piriformis") == ["Figure four"]
    assert names(q="wal") == ["Walk"]
    assert names(kind="<script>") == ["Clam", "Figure four", "Walk"]  # junk filter is ignored


def test_exercise_page_shows_instructions_and_the_replacement_from_a_week(client):
    side = ExerciseFactory(name="Side-lying bridge")
    supine = ExerciseFactory(
        name="Glute bridge", supine=True, replace_from_week=20, replaced_by=side
    )

    page = client.get(reverse("programs:exercise_detail", args=[supine.slug])).content.decode()

    assert supine.instructions in page
    assert "From week 20, do this instead:" in page and "Side-lying bridge" in page
    assert client.get(reverse("programs:exercise_detail", args=["nope"])).status_code == 404
