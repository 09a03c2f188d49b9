"""Reads about users and care links, and the access helpers every view goes through."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import CareLink, User


def active_link_for_client(*, client: User) -> CareLink | None:
    return (
        CareLink.objects.select_related("pt").filter(client=client, ended_at__isnull=True).first()
    )


def linked_clients(*, pt: User) -> QuerySet[User]:
    """The clients a PT currently looks after (none unless she is an approved PT)."""
    if not pt.is_active_pt:
        return User.objects.none()
    return User.objects.filter(
        role=User.Role.CLIENT,
        is_active=True,
        pt_links__pt=pt,
        pt_links__ended_at__isnull=True,
    )


def client_for_pt(*, pt: User, client_id: int) -> User:
    """The client with this id if `pt` looks after her now; 404 otherwise (never 403)."""
    try:
        return linked_clients(pt=pt).get(pk=client_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such client.") from None


# --- one sign-in policy for every door (web pages, admin, API tokens) ---------------------

ERR_INACTIVE = _("This account is not active.")
ERR_PENDING_PT = _("Your account is waiting for an administrator's approval.")
ERR_UNVERIFIED = _(
    "Confirm your email address first: open the link we sent you, or ask for a new one by "
    "logging in on the web."
)
ERR_STAFF_MFA = _(
    "Physical therapists and admins must turn on two-factor sign-in first: log in on the web, "
    "then Profile, Two-factor sign-in."
)
ERR_CONSENT = _(
    "Our privacy notice has changed: log in on the web and agree to it before you use the app "
    "again."
)
ERR_DELETION_REQUESTED = _(
    "This account is being deleted. To keep it, log in on the web and cancel the deletion from "
    "your profile."
)


def must_set_up_second_factor(user: User) -> bool:
    """PTs and admins see health data: with PRENAFIT_REQUIRE_STAFF_MFA on, they must turn on
    two-factor sign-in (TOTP) before anything else, on the web and in the API alike."""
    from allauth.mfa.utils import is_mfa_enabled
    from django.conf import settings

    return bool(
        settings.PRENAFIT_REQUIRE_STAFF_MFA
        and (user.is_staff or user.role == User.Role.PT)
        and not is_mfa_enabled(user)
    )


def email_unverified(user: User) -> bool:
    """With e-mail verification mandatory, an account whose address is not confirmed cannot
    sign in anywhere."""
    from allauth.account import app_settings
    from allauth.account.models import EmailAddress

    if app_settings.EMAIL_VERIFICATION != app_settings.EmailVerificationMethod.MANDATORY:
        return False
    return not EmailAddress.objects.filter(user=user, verified=True).exists()


def api_refusal(user: User, *, signing_in: bool = False) -> str | None:
    """Why this account may not use the API now (None if it may). At sign-in the e-mail
    verification is checked too; on every request the cheap checks only."""
    if not user.is_active:
        return ERR_INACTIVE
    if user.is_pending_pt:
        return ERR_PENDING_PT
    if user.deletion_requested_at is not None:
        return ERR_DELETION_REQUESTED
    if signing_in and email_unverified(user):
        return ERR_UNVERIFIED
    if must_set_up_second_factor(user):
        return ERR_STAFF_MFA
    # The consent costs a query, so it is checked at sign-in; the web asks on every page.
    if signing_in and consent_missing(user):
        return ERR_CONSENT
    return None


def consent_missing(user: User) -> bool:
    """She has not agreed to the current privacy notice (never, or only to an older version:
    accounts from before consent was asked, accounts an admin made)."""
    from django.conf import settings

    from .models import Consent

    return not Consent.objects.filter(
        user=user, notice_version=settings.PRENAFIT_PRIVACY_NOTICE_VERSION
    ).exists()
