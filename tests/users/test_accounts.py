"""Sign-up, log-in, verification, throttling and two-factor rules, through the real views."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from tests.factories import ClientFactory, PTFactory
from users.models import User

PASSWORD = "prenafit-demo"


def signup(client, email="new@example.test", account_type="client", **extra):
    data = {
        "email": email,
        "password1": "a-long-Passw0rd!",
        "password2": "a-long-Passw0rd!",
        "full_name": "Nora New",
        "account_type": account_type,
        "time_zone": "Europe/Madrid",
        "consent": "on",
        "age_confirmed": "on",
        **extra,
    }
    return client.post(reverse("account_signup"), data)


@pytest.mark.django_db
def test_signup_creates_an_unverified_client_and_sends_a_verification_link(client):
    response = signup(client)

    user = User.objects.get(email="new@example.test")
    assert user.role == User.Role.CLIENT
    assert user.full_name == "Nora New"
    assert user.time_zone == "Europe/Madrid"
    assert not EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert "confirm-email" in mail.outbox[0].body


@pytest.mark.django_db
def test_following_the_verification_link_verifies_and_logs_in(client):
    signup(client)
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(1)

    client.post(link)

    assert EmailAddress.objects.get(email="new@example.test").verified
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_signup_refuses_an_unknown_time_zone_with_a_message(client):
    response = signup(client, time_zone="Mars/Olympus_Mons")

    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.test").exists()
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_a_pt_who_signs_up_waits_for_approval_and_sees_no_clients(client):
    signup(client, email="pt@example.test", account_type="pt")
    pt = User.objects.get(email="pt@example.test")
    assert pt.role == User.Role.PT and not pt.pt_approved

    client.force_login(pt)
    page = client.get(reverse("home")).content.decode()
    assert "waiting for approval" in page


@pytest.mark.django_db
def test_log_in_by_email_lands_on_the_home_page(client):
    user = ClientFactory(email="clara@example.test")

    response = client.post(
        reverse("account_login"), {"login": "clara@example.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == user


@pytest.mark.django_db
def test_repeated_failed_log_ins_are_throttled(client):
    ClientFactory(email="clara@example.test")
    bad = {"login": "clara@example.test", "password": "wrong-password"}
    for _ in range(5):
        assert client.post(reverse("account_login"), bad).status_code == 200

    # Even the right password is refused once the limit is hit.
    response = client.post(
        reverse("account_login"), {"login": "clara@example.test", "password": PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_does_not_reveal_whether_an_account_exists(client):
    ClientFactory(email="known@example.test")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.test"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


@pytest.mark.django_db
@override_settings(PRENAFIT_REQUIRE_STAFF_MFA=True)
def test_with_staff_mfa_required_a_pt_must_turn_on_totp_first(client):
    client.force_login(PTFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
@override_settings(PRENAFIT_REQUIRE_STAFF_MFA=True)
def test_with_staff_mfa_required_a_client_is_not_asked_for_totp(client):
    client.force_login(ClientFactory())
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_profile_saves_time_zone_and_confirms(client):
    user = ClientFactory()
    client.force_login(user)

    response = client.post(
        reverse("profile"),
        {"full_name": "Clara C", "time_zone": "America/New_York", "language": "es"},
        follow=True,
    )

    user.refresh_from_db()
    assert (user.full_name, user.time_zone, user.language) == ("Clara C", "America/New_York", "es")
    assert "Your profile was saved" in response.content.decode()


@pytest.mark.django_db
def test_profile_refuses_a_bad_time_zone_next_to_the_field(client):
    user = ClientFactory(time_zone="Europe/Madrid")
    client.force_login(user)

    response = client.post(
        reverse("profile"), {"full_name": "X", "time_zone": "Nowhere/City", "language": "en"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    user.refresh_from_db()
    assert user.time_zone == "Europe/Madrid"
