"""Every write about users and care links."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import CareLink, User

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
