"""A PT's exercise swaps: alternatives that fit (the same kind, block and body region, strength
for strength) over the whole shipped library, and a swapped line that shows the replacement's
own instructions, with the prescription's dose only when it makes sense."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.loaders import program_load, read_program_file, resolve_program_file
from programs.models import Block, Exercise
from programs.rules import BLOCK_EXERCISE_KINDS
from programs.selectors import exercise_alternatives, supine_forbidden
from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, enrolled_client
from tracker import services
from tracker.models import ExerciseSwap
from tracker.selectors import local_today
from tracker.services.review import ERR_SWAP_KIND, ERR_SWAP_REGION, ERR_SWAP_SUPINE

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def version():
    """The shipped Aparicio 2023 program and its exercise library, published."""
    data = read_program_file(resolve_program_file("aparicio2023"))
    return program_load(data, publish=True).version


def ex(slug: str) -> Exercise:
    return Exercise.objects.get(slug=slug)


def test_every_exercise_of_the_library_gets_alternatives_that_fit(version):
    blocks_of: dict[int, set[str]] = {}
    for exercise_id, kind in Block.objects.filter(template__phase__version=version).values_list(
        "prescriptions__exercise", "kind"
    ):
        blocks_of.setdefault(exercise_id, set()).add(kind)
    library = list(Exercise.objects.all())
    assert len(library) > 40 and len(blocks_of) > 30  # the whole library, most of it in use

    for exercise in library:
        for week in (18, 30, None):
            for alt in exercise_alternatives(exercise=exercise, version=version, week=week):
                where = f"{alt.slug} for {exercise.slug} at week {week}"
                assert alt.pk != exercise.pk, where
                assert alt.kind == exercise.kind, where
                assert alt.body_region == exercise.body_region, where
                for block in blocks_of.get(exercise.pk, ()):
                    assert alt.kind in BLOCK_EXERCISE_KINDS[block], where
                assert not supine_forbidden(alt, week), where

    # Strength for strength: every strength exercise in her plan gets strength alternatives,
    # unless it is the library's only strength exercise for its part of the body.
    strength = [e for e in library if e.pk in blocks_of and e.kind == Exercise.Kind.RESISTANCE]
    alone = {
        e.slug
        for e in strength
        if not Exercise.objects.filter(kind=e.kind, body_region=e.body_region)
        .exclude(pk=e.pk)
        .exists()
    }
    without = {
        e.slug for e in strength if not exercise_alternatives(exercise=e, version=version, week=24)
    }
    assert without == alone
    assert len(strength) - len(without) >= 10
    # The case: the supported split squat is offered lower-body strength work only.
    split_squat = exercise_alternatives(exercise=ex("split-squat-supported"), version=version)
    assert {e.slug for e in split_squat} == {
        "squat-to-chair",
        "step-up-low",
        "calf-raise-supported",
    }


def test_lying_on_the_back_is_offered_only_before_the_week_her_program_stops_it(version):
    hip_lift = ex("inclined-hip-lift")
    bridge = ex("glute-bridge")
    assert bridge.supine and bridge.replace_from_week == 20

    def offered(week):
        return bridge in exercise_alternatives(exercise=hip_lift, version=version, week=week)

    assert offered(19)
    assert not offered(20) and not offered(36) and not offered(None)


@pytest.fixture
def swap_case(client, version):
    """Her PT (signed in), her, and a session from tomorrow on with the supported split squat
    (2 x 10 in the resistance block)."""
    pt = PTFactory()
    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(today=today, week=24, client=user, version=version, pt=pt)
    session = next(
        s
        for s in enrolment.sessions.filter(date__gt=today).order_by("date")
        if s.template.blocks.filter(prescriptions__exercise__slug="split-squat-supported").exists()
    )
    client.force_login(pt)
    return pt, user, session, today


def line_of(page: str, text: str) -> str:
    """The session page's exercise line (<li>) holding `text`."""
    at = page.index(text)
    return page[page.rindex("<li", 0, at) : page.index("</li>", at)]


def session_page(client, user, session) -> str:
    client.force_login(user)
    response = client.get(reverse("tracker:session", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_swapped_line_shows_the_replacement_with_its_own_instructions(client, swap_case):
    pt, user, session, _ = swap_case
    split_squat, squat = ex("split-squat-supported"), ex("squat-to-chair")
    page = client.get(reverse("tracker:pt_client", args=[user.pk]), {"swap": split_squat.pk})
    offered = [e.slug for e in page.context["swap_form"].fields["replacement"].queryset]
    assert "squat-to-chair" in offered and "standing-side-stretch" not in offered

    client.post(
        reverse("tracker:pt_swap", args=[user.pk]),
        {"original": split_squat.pk, "replacement": squat.pk, "reason": "Pelvic girdle pain"},
    )

    assert ExerciseSwap.objects.filter(client=user, replacement=squat).count() == 1
    page = session_page(client, user, session)
    line = line_of(page, "instead of Supported split squat, chosen by your PT")
    assert squat.name in line
    assert squat.instructions in line and squat.safety_notes in line
    assert split_squat.instructions not in page
    assert "10 each leg" not in line  # the split squat's coaching cue
    # Strength for strength: the prescription's dose and effort stay.
    assert "2 x 10" in line and "Effort 12-14" in line


def test_the_log_checklist_names_the_exercise_she_was_given(client, swap_case):
    _pt, user, session, _today = swap_case
    split_squat, squat = ex("split-squat-supported"), ex("squat-to-chair")
    client.post(
        reverse("tracker:pt_swap", args=[user.pk]),
        {"original": split_squat.pk, "replacement": squat.pk},
    )

    client.force_login(user)
    page = client.get(reverse("tracker:session_log", args=[session.pk]))

    names = [rx.exercise.name for rx in page.context["form"].prescriptions]
    assert squat.name in names and split_squat.name not in names


def test_a_replacement_that_does_not_fit_is_refused_on_the_page_and_by_the_service(
    client, swap_case
):
    pt, user, session, today = swap_case
    split_squat, stretch = ex("split-squat-supported"), ex("standing-side-stretch")

    response = client.post(
        reverse("tracker:pt_swap", args=[user.pk]),
        {"original": split_squat.pk, "replacement": stretch.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert not ExerciseSwap.objects.filter(client=user).exists()
    assert split_squat.instructions not in session_page(client, user, session)

    # The service (every other door goes through it) says why.
    def refusal(original, replacement):
        with pytest.raises(ValidationError) as caught:
            services.exercise_swap(
                client=user, original=original, replacement=replacement, by=pt, today=today
            )
        return caught.value.message_dict["replacement"]

    assert refusal(split_squat, stretch) == [
        ERR_SWAP_KIND.format(
            replacement=stretch.name,
            replacement_kind="mobility or stretching",
            original=split_squat.name,
            original_kind="strength",
        )
    ]
    push_up = ex("wall-push-up")
    assert refusal(split_squat, push_up) == [
        ERR_SWAP_REGION.format(replacement=push_up.name, original=split_squat.name)
    ]
    # She is at 24+0: the glute bridge is done lying on the back, which her program stops at 20.
    bridge = ex("glute-bridge")
    assert refusal(ex("inclined-hip-lift"), bridge) == [
        ERR_SWAP_SUPINE.format(replacement=bridge.name, week=20)
    ]
    assert not ExerciseSwap.objects.filter(client=user).exists()


def test_a_swap_of_another_kind_made_before_the_rule_shows_plain_instructions(client, swap_case):
    """A swap stored before alternatives had to match (a stretch for a strength exercise):
    the stretch's own instructions, without the squat's sets, reps and effort."""
    pt, user, session, today = swap_case
    split_squat, stretch = ex("split-squat-supported"), ex("standing-side-stretch")
    ExerciseSwap.objects.create(
        client=user,
        original=split_squat,
        replacement=stretch,
        from_date=today,
        created_by=pt,
    )

    line = line_of(session_page(client, user, session), "instead of Supported split squat")

    assert stretch.name in line and stretch.instructions in line
    assert "2 x 10" not in line and "Effort" not in line and "rest" not in line
    assert "10 each leg" not in line
