import factory
from allauth.account.models import EmailAddress
from django.conf import settings

from users.models import CareLink, User


class UserFactory(factory.django.DjangoModelFactory):
    """A client account with a verified e-mail address and the demo password."""

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
