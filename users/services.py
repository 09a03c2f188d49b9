"""Every write about users and care links."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import CareLink, Invitation, User

ERR_ALREADY_LINKED = "This client already has an active PT. Unlink her first."
ERR_NOT_A_PT = "Only an approved physical therapist can look after clients."
ERR_NOT_A_CLIENT = "Only a client account can be linked to a PT."


@transaction.atomic
def care_link_create(*, pt: User, client: User, created_by: User | None = None) -> CareLink:
    if not pt.is_active_pt:
        raise ValidationError(ERR_NOT_A_PT)
    if not client.is_client:
        raise ValidationError(ERR_NOT_A_CLIENT)
    existing = (
        CareLink.objects.select_for_update().filter(client=client, ended_at__isnull=True).first()
    )
    if existing is not None:
        if existing.pt_id == pt.pk:
            return existing
        raise ValidationError(ERR_ALREADY_LINKED)
    link = CareLink(pt=pt, client=client, created_by=created_by)
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def care_link_end(*, link: CareLink, ended_by: User | None = None) -> CareLink:
    """End a link. The row stays, so history shows who looked after whom and when."""
    if link.ended_at is None:
        link.ended_at = timezone.now()
        link.ended_by = ended_by
        link.save(update_fields=["ended_at", "ended_by"])
    return link


def user_update_profile(*, user: User, full_name: str, time_zone: str, language: str) -> User:
    user.full_name = full_name
    user.time_zone = time_zone
    user.language = language
    user.full_clean()
    user.save(update_fields=["full_name", "time_zone", "language"])
    return user


def pt_approve(*, pt: User) -> User:
    if pt.role != User.Role.PT:
        raise ValidationError(ERR_NOT_A_PT)
    pt.pt_approved = True
    pt.save(update_fields=["pt_approved"])
    return pt


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account and everything that belongs to it (her logs, scores, links)."""
    user.delete()


# --- invitations -----------------------------------------------------------------------

INVITATION_DAYS = 14
ERR_INVITE_USED = "This invitation has already been used."
ERR_INVITE_EXPIRED = "This invitation has expired. Ask your physical therapist for a new one."
ERR_INVITE_WRONG_ACCOUNT = (
    "This invitation was sent to another e-mail address. Log in with that address, "
    "or ask your physical therapist to invite this one."
)
ERR_INVITE_NOT_CLIENT = "Only a client account can accept an invitation from a PT."
ERR_INVITE_INVALID = "This invitation link is not valid."


def invitation_token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, pt: User, email: str) -> tuple[Invitation, str]:
    """A single-use invitation; returns it and the raw token (only its hash is stored)."""
    import secrets
    from datetime import timedelta

    if not pt.is_active_pt:
        raise ValidationError(ERR_NOT_A_PT)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        pt=pt,
        email=email.strip().lower(),
        token_hash=invitation_token_hash(token),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    return invitation, token


def invitation_lookup(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("pt")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise ValidationError(ERR_INVITE_INVALID)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> CareLink:
    invitation = invitation_lookup(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(ERR_INVITE_USED)
    if invitation.expires_at <= timezone.now():
        raise ValidationError(ERR_INVITE_EXPIRED)
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(ERR_INVITE_WRONG_ACCOUNT)
    if not user.is_client:
        raise ValidationError(ERR_INVITE_NOT_CLIENT)
    link = care_link_create(pt=invitation.pt, client=user, created_by=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return link
