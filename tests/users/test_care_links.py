import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.factories import ClientFactory, PTFactory
from users import services
from users.selectors import client_for_pt, linked_clients


@pytest.mark.django_db
def test_a_client_has_at_most_one_active_pt():
    client = ClientFactory()
    services.care_link_create(pt=PTFactory(), client=client)

    with pytest.raises(ValidationError, match="already has an active PT"):
        services.care_link_create(pt=PTFactory(), client=client)


@pytest.mark.django_db
def test_unlinking_keeps_the_link_row_and_removes_access_at_once():
    pt, client = PTFactory(), ClientFactory()
    link = services.care_link_create(pt=pt, client=client)
    assert client_for_pt(pt=pt, client_id=client.pk) == client

    services.care_link_end(link=link, ended_by=pt)

    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_by == pt
    with pytest.raises(Http404):
        client_for_pt(pt=pt, client_id=client.pk)
    # A new PT can now take her on.
    services.care_link_create(pt=PTFactory(), client=client)


@pytest.mark.django_db
def test_an_unapproved_pt_sees_no_clients_even_if_linked_by_mistake():
    pt = PTFactory(pt_approved=False)
    with pytest.raises(ValidationError):
        services.care_link_create(pt=pt, client=ClientFactory())
    assert list(linked_clients(pt=pt)) == []


@pytest.mark.django_db
def test_client_for_pt_answers_404_for_another_pts_client_and_for_junk_ids():
    pt = PTFactory()
    services.care_link_create(pt=PTFactory(), client=(other := ClientFactory()))
    for junk in (other.pk, 999999, "abc", None):
        with pytest.raises(Http404):
            client_for_pt(pt=pt, client_id=junk)
