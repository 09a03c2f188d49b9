import factory
from allauth.account.models import EmailAddress
from django.conf import settings

from users.models import CareLink, User


class UserFactory(factory.django.DjangoModelFactory):
    """A client account with a verified e-mail address, the demo password, and her consent to
    the current privacy notice."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = User.Role.CLIENT
    time_zone = "Europe/Madrid"
    password = factory.PostGenerationMethodCall("set_password", settings.PRENAFIT_DEMO_PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def consent(self, create, extracted, **kwargs):
        """She agreed to the current privacy notice at sign-up; `consent=False` for one who
        has not (an account from before consent was asked, or one an admin made)."""
        if create and extracted is not False:
            from users.models import Consent

            Consent.objects.create(
                user=self,
                notice_version=settings.PRENAFIT_PRIVACY_NOTICE_VERSION,
                age_confirmed=True,
            )


class ClientFactory(UserFactory):
    pass


class PTFactory(UserFactory):
    role = User.Role.PT
    pt_approved = True


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CareLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareLink

    pt = factory.SubFactory(PTFactory)
    client = factory.SubFactory(ClientFactory)


# --- programs -----------------------------------------------------------------------------

from programs.models import (  # noqa: E402
    Block,
    Exercise,
    Phase,
    Prescription,
    Program,
    ProgramVersion,
    SessionTemplate,
)

PHASE_WEEKS = [(17, 22), (23, 28), (29, 34), (35, 42)]
BLOCK_PLAN = [
    ("warm_up", 10),
    ("aerobic", 25),
    ("resistance", 15),
    ("pelvic_floor", 5),
    ("cool_down", 5),
]
# The kind of exercise each block holds, as programs.rules.BLOCK_EXERCISE_KINDS allows.
BLOCK_EXERCISE_KIND = {
    "warm_up": "aerobic",
    "aerobic": "aerobic",
    "resistance": "resistance",
    "pelvic_floor": "pelvic_floor",
    "cool_down": "mobility",
}


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    slug = factory.Sequence(lambda n: f"exercise-{n}")
    name = factory.Sequence(lambda n: f"Exercise {n}")
    kind = Exercise.Kind.RESISTANCE
    body_region = Exercise.Region.LOWER_BODY
    equipment = "resistance band"
    instructions = "Stand tall, move slowly, breathe out on the effort."


def build_program_version(
    *,
    slug="test-program",
    published=True,
    templates_per_phase=3,
    prescriptions_per_block=2,
    phase_weeks=PHASE_WEEKS,
) -> ProgramVersion:
    """A small program with every level filled in (bulk-created, then published if asked)."""
    program, _ = Program.objects.get_or_create(slug=slug, defaults={"name": f"Program {slug}"})
    number = (
        program.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = ProgramVersion.objects.create(program=program, number=number, label=f"{number}.0")
    exercises = {"resistance": [ExerciseFactory() for _ in range(prescriptions_per_block)]}
    for kind in ("aerobic", "pelvic_floor", "mobility"):
        exercises[kind] = [ExerciseFactory(kind=kind) for _ in range(prescriptions_per_block)]
    for p_order, (start, end) in enumerate(phase_weeks):
        phase = Phase.objects.create(
            version=version,
            order=p_order,
            name=f"Phase {p_order + 1}",
            start_week=start,
            end_week=end,
        )
        for t_order in range(templates_per_phase):
            template = SessionTemplate.objects.create(
                phase=phase, order=t_order, code="ABCDEFG"[t_order], name=f"Session {t_order}"
            )
            for b_order, (kind, minutes) in enumerate(BLOCK_PLAN):
                block = Block.objects.create(
                    template=template, order=b_order, kind=kind, minutes=minutes
                )
                Prescription.objects.bulk_create(
                    Prescription(
                        block=block,
                        order=r,
                        exercise=exercise,
                        sets=2,
                        reps=12,
                        rpe_min=12,
                        rpe_max=14,
                    )
                    for r, exercise in enumerate(exercises[BLOCK_EXERCISE_KIND[kind]])
                )
    if published:
        from programs.services import version_publish

        version_publish(version=version)
        version.refresh_from_db()
    return version


# --- tracker ------------------------------------------------------------------------------

import datetime as dt  # noqa: E402

from tracker import services as tracker_services  # noqa: E402
from tracker.models import ScreeningQuestion  # noqa: E402


def all_no() -> dict[str, bool]:
    return {key: False for key in ScreeningQuestion.objects.values_list("key", flat=True)}


def enrolled_client(
    *,
    today: dt.date,
    week: int = 24,
    client=None,
    version=None,
    weekdays=(0, 2, 4),
    start=None,
    pt=None,
):
    """A client at `week`+0 on `today`, screened clear and enrolled (sessions from `start`,
    default today). Returns the enrolment."""
    client = client or ClientFactory()
    if pt is not None:
        CareLinkFactory(pt=pt, client=client)
    version = version or build_program_version(slug="aparicio2023")
    due = today + dt.timedelta(days=280 - 7 * week)
    tracker_services.pregnancy_save(client=client, due_date=due, lmp_date=None, today=today)
    tracker_services.screening_submit(client=client, answers=all_no(), today=today)
    return tracker_services.enrolment_create(
        client=client,
        weekdays=list(weekdays),
        start_time=dt.time(18, 0),
        time_zone=client.time_zone,
        today=today,
        version=version,
        start=start,
    )
