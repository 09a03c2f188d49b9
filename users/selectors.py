"""Reads about users and care links, and the access helpers every view goes through."""

from django.db.models import QuerySet
from django.http import Http404

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
