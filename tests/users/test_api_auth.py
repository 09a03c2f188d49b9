"""One sign-in policy for every door: the API's token endpoint follows the web's rules
(shared failed-log-in limits, verified e-mail, required two-factor, TOTP codes), and tokens
die with the conditions that issued them."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.urls import reverse
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import AdminFactory, CareLinkFactory, ClientFactory, PTFactory
from users import api as users_api
from users import selectors as user_selectors
from users.models import ApiToken

PASSWORD = "prenafit-demo"
TOKEN_URL = "/api/v1/auth/token/"

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def api():
    return APIClient()


def sign_in(api, user, password=PASSWORD, **extra):
    """Sign in; keyword arguments named HTTP_* are request headers, the others body fields."""
    headers = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
    body = {k: v for k, v in extra.items() if not k.startswith("HTTP_")}
    return api.post(
        TOKEN_URL, {"email": user.email, "password": password, **body}, format="json", **headers
    )


def token_of(api, user, **extra) -> str:
    response = sign_in(api, user, **extra)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me_with(token):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return other.get("/api/v1/auth/tokens/")


def totp_code(secret: str, *, at: dt.datetime) -> str:
    return format_hotp_value(hotp_value(secret, int(at.timestamp()) // 30))


# --- guessing ----------------------------------------------------------------------------


def test_a_spoofed_forwarding_header_does_not_reset_the_limit_on_password_guesses(api):
    user = ClientFactory()
    codes = [
        sign_in(api, user, password=f"guess-{n}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(8)
    ]
    # allauth's per-account limit: 5 failures in 5 minutes, whatever the header says.
    assert codes[:5] == [400] * 5
    assert set(codes[5:]) == {429}
    # ...and the right password is refused too while the limit holds.
    right = api.post(
        TOKEN_URL,
        {"email": user.email, "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert right.status_code == 429
    assert right.json()["detail"] == users_api.ERR_TOO_MANY
    assert not ApiToken.objects.filter(user=user).exists()


def test_failed_web_log_ins_count_against_the_api_and_the_other_way_round(client, api):
    user = ClientFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "nope"})
    assert sign_in(api, user).status_code == 429


def test_failed_api_sign_ins_count_against_the_web_log_in(client, api):
    other = ClientFactory()
    for _ in range(5):
        assert sign_in(api, other, password="nope").status_code == 400
    client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_throttle_keys_on_the_real_address_not_the_header(api):
    """DRF's own throttle (10 a minute) uses REMOTE_ADDR with no trusted proxy."""
    users = [ClientFactory() for _ in range(12)]
    codes = [
        sign_in(api, u, password="nope", HTTP_X_FORWARDED_FOR=f"10.1.0.{n}").status_code
        for n, u in enumerate(users)
    ]
    assert 429 in codes


def test_one_setting_feeds_both_allauth_and_drf(settings):
    assert settings.PRENAFIT_TRUSTED_PROXIES == 0
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.PRENAFIT_TRUSTED_PROXIES
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.PRENAFIT_TRUSTED_PROXIES


# --- the web's account rules -------------------------------------------------------------


def test_a_pt_without_two_factor_gets_no_token_and_loses_the_one_she_had(api, settings):
    pt = PTFactory()
    mine = CareLinkFactory(pt=pt).client
    token = token_of(api, pt)

    settings.PRENAFIT_REQUIRE_STAFF_MFA = True
    refused = sign_in(api, pt)
    assert refused.status_code == 403
    assert refused.json()["detail"] == user_selectors.ERR_STAFF_MFA
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    answer = api.get(f"/api/v1/clients/{mine.pk}/assessments/")
    assert answer.status_code == 401
    assert answer.json()["detail"] == user_selectors.ERR_STAFF_MFA
    api.credentials()
    assert sign_in(api, AdminFactory()).status_code == 403
    assert sign_in(api, ClientFactory()).status_code == 200  # clients are not asked


def test_an_unconfirmed_e_mail_gets_no_token_when_verification_is_mandatory(api, settings):
    user = ClientFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    refused = sign_in(api, user)
    assert refused.status_code == 403
    assert refused.json()["detail"] == user_selectors.ERR_UNVERIFIED
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    assert sign_in(api, user).status_code == 200


def test_a_pt_waiting_for_approval_gets_no_token(api):
    pending = PTFactory(pt_approved=False)
    refused = sign_in(api, pending)
    assert refused.status_code == 403
    assert refused.json()["detail"] == user_selectors.ERR_PENDING_PT


def test_an_account_with_two_factor_signs_in_with_a_code(api, settings, time_machine):
    settings.PRENAFIT_REQUIRE_STAFF_MFA = True
    pt = PTFactory()
    secret = generate_totp_secret()
    TOTP.activate(pt, secret)
    codes = RecoveryCodes.activate(pt).get_unused_codes()
    now = dt.datetime(2027, 1, 6, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(now, tick=False)
    assert sign_in(api, pt).json()["code"] == "code_required"
    wrong = sign_in(api, pt, code="000000" if totp_code(secret, at=now) != "000000" else "1")
    assert wrong.status_code == 403 and wrong.json()["detail"] == users_api.ERR_BAD_CODE
    ok = sign_in(api, pt, code=totp_code(secret, at=now), name="Ward tablet")
    assert ok.status_code == 200
    assert me_with(ok.json()["token"]).status_code == 200
    # The same code cannot be used twice; a recovery code works once.
    assert sign_in(api, pt, code=totp_code(secret, at=now)).status_code == 403
    assert sign_in(api, pt, code=codes[0]).status_code == 200
    assert sign_in(api, pt, code=codes[0]).status_code == 403


# --- tokens: one per device, listed, revoked, expiring -----------------------------------


def test_each_sign_in_is_a_device_she_can_list_and_revoke(api):
    user = ClientFactory()
    phone = token_of(api, user, name="Phone")
    tablet = token_of(api, user, name="Tablet")
    assert phone != tablet
    other = ClientFactory()
    token_of(api, other)

    api.credentials(HTTP_AUTHORIZATION=f"Token {phone}")
    listed = api.get("/api/v1/auth/tokens/").json()
    assert [(t["name"], t["current"]) for t in listed] == [("Tablet", False), ("Phone", True)]
    assert all(t["expiry"] and t["last_used"] for t in listed)

    theirs = ApiToken.objects.get(user=other)
    assert api.delete(f"/api/v1/auth/tokens/{theirs.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()

    tablet_id = next(t["id"] for t in listed if t["name"] == "Tablet")
    assert api.delete(f"/api/v1/auth/tokens/{tablet_id}/").status_code == 204
    assert me_with(tablet).status_code == 401
    assert me_with(phone).status_code == 200
    assert api.delete(TOKEN_URL).status_code == 204  # the one in use
    assert me_with(phone).status_code == 401


def test_a_token_expires_thirty_days_after_its_last_use(api, time_machine):
    user = ClientFactory()
    start = dt.datetime(2027, 1, 6, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    kept, dropped = token_of(api, user), token_of(api, user)
    time_machine.move_to(start + dt.timedelta(days=29), tick=False)
    assert me_with(kept).status_code == 200  # used: 30 more days
    time_machine.move_to(start + dt.timedelta(days=31), tick=False)
    assert me_with(dropped).status_code == 401
    assert me_with(kept).status_code == 200
    time_machine.move_to(start + dt.timedelta(days=31 + 31), tick=False)
    assert me_with(kept).status_code == 401


# --- every token dies with the conditions that issued it --------------------------------


def test_a_password_change_on_the_web_ends_every_token(api, client):
    user = ClientFactory()
    tokens = [token_of(api, user), token_of(api, user)]
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-Passw0rd!", "password2": "a-new-Passw0rd!"},
    )
    assert response.status_code == 302
    assert [me_with(t).status_code for t in tokens] == [401, 401]
    assert token_of(api, user, password="a-new-Passw0rd!")  # signing in again works


def test_a_password_reset_or_an_admin_setting_one_ends_every_token(api):
    user = ClientFactory()
    token = token_of(api, user)
    user.set_password("reset-by-admin-1!")
    user.save()
    assert me_with(token).status_code == 401


def test_turning_two_factor_on_or_off_ends_every_token(api, time_machine):
    user = ClientFactory()
    before = token_of(api, user)
    TOTP.activate(user, generate_totp_secret())
    assert me_with(before).status_code == 401

    now = dt.datetime(2027, 1, 6, 9, 0, tzinfo=dt.UTC)
    secret = generate_totp_secret()
    Authenticator.objects.filter(user=user).delete()
    TOTP.activate(user, secret)
    time_machine.move_to(now, tick=False)
    during = token_of(api, user, code=totp_code(secret, at=now))
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    assert me_with(during).status_code == 401


def test_deactivation_and_a_withdrawn_approval_end_every_token(api):
    user = ClientFactory()
    token = token_of(api, user)
    user.is_active = False
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()
    assert me_with(token).status_code == 401

    pt = PTFactory()
    pt_token = token_of(api, pt)
    pt.pt_approved = False
    pt.save()
    assert me_with(pt_token).status_code == 401
    assert not ApiToken.objects.filter(user=pt).exists()


def test_an_admin_sees_a_clients_devices_and_revokes_one_but_never_a_key(api, client):
    user = ClientFactory()
    key = token_of(api, user, name="Old phone")
    token = ApiToken.objects.get(user=user)
    client.force_login(AdminFactory())
    listing = client.get(reverse("admin:users_apitoken_changelist")).content.decode()
    assert "Old phone" in listing
    assert key not in listing and token.digest not in listing
    response = client.post(reverse("admin:users_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert me_with(key).status_code == 401
