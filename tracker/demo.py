"""Demo data for `manage.py seed_demo`: stable logins, idempotent."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from programs.loaders import program_load, read_program_file, resolve_program_file
from users.models import CareLink, User
from users.services import care_link_create

DEMO_ACCOUNTS = [
    # email, full name, role, staff
    ("admin@prenafit.test", "Ana Admin", User.Role.CLIENT, True),
    ("pt@prenafit.test", "Paula Therapist", User.Role.PT, False),
    ("client@prenafit.test", "Clara Client", User.Role.CLIENT, False),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    created: bool


def _demo_user(email: str, full_name: str, role: str, staff: bool) -> tuple[User, bool]:
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(
            email=email,
            full_name=full_name,
            role=role,
            pt_approved=role == User.Role.PT,
            is_staff=staff,
            is_superuser=staff,
            time_zone="Europe/Madrid",
        )
        user.set_password(settings.PRENAFIT_DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


DEMO_PROGRAM = "aparicio2023"


@transaction.atomic
def demo_seed() -> list[DemoLogin]:
    program_load(read_program_file(resolve_program_file(DEMO_PROGRAM)))
    logins = []
    users = {}
    for email, full_name, role, staff in DEMO_ACCOUNTS:
        user, created = _demo_user(email, full_name, role, staff)
        users[email] = user
        label = "admin" if staff else role
        logins.append(DemoLogin(email=email, role=label, created=created))
    pt, client = users["pt@prenafit.test"], users["client@prenafit.test"]
    if not CareLink.objects.filter(client=client, ended_at__isnull=True).exists():
        care_link_create(pt=pt, client=client)
    return logins
