"""The PT dashboard's body is drawn once per caseload version (tracker/versions.py): which
clients she looks after and each one's data version. A second visit is a cache hit, and still
audited; any change to a client's data, by any door, a new link or an ended one, shows at once."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, enrolled_client
from tracker import services
from tracker.models import Assessment, AuditEvent
from users.models import CareLink
from users.services import care_link_create, care_link_end

pytestmark = [pytest.mark.django_db, pin()]

URL = reverse("home")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def main(response) -> str:
    text = response.text
    return text[text.index("<main") : text.index("</main>")]


def check_in(client, low_back):
    return services.assessment_record(
        client=client,
        vas_low_back_mm=low_back,
        vas_sciatic_mm=10,
        odi_answers=[1] * 10,
        pain_locations=[],
        symptoms=[],
        today=today(),
    )


@pytest.fixture
def pt(client):
    pt = PTFactory()
    client.force_login(pt)
    return pt


@pytest.fixture
def mia(pt):
    mia = enrolled_client(today=today(), week=24, pt=pt, client=ClientFactory(full_name="Mia"))
    check_in(mia.client, 23)
    return mia.client


def test_a_second_visit_is_a_hit_and_is_audited_again(
    client, pt, mia, django_assert_max_num_queries
):
    first = client.get(URL)
    assert "Mia" in first.text
    # session, user, her caseload's versions, the audit row, the unread count in the menu
    with django_assert_max_num_queries(5):
        second = client.get(URL)
    assert main(second) == main(first)
    audits = AuditEvent.objects.filter(actor=pt, what="PT dashboard")
    assert audits.count() == 2 and audits.first().client_ids == [mia.pk]


def test_a_clients_new_score_by_any_door_shows_at_once(client, pt, mia):
    assert ">23<" in client.get(URL).text.replace(" ", "")
    Assessment.objects.filter(client=mia).update(vas_low_back_mm=67)  # no save(), no signal
    assert ">67<" in client.get(URL).text.replace(" ", "")


def test_a_new_client_appears_and_an_unlinked_one_goes(client, pt, mia):
    assert "Noa" not in client.get(URL).text
    noa = ClientFactory(full_name="Noa")
    care_link_create(pt=pt, client=noa)
    assert "Noa" in client.get(URL).text
    care_link_end(link=CareLink.objects.get(pt=pt, client=mia), ended_by=pt)
    page = client.get(URL).text
    assert "Noa" in page and "Mia" not in page


def test_each_pt_sees_her_own_caseload(client, pt, mia):
    assert "Mia" in client.get(URL).text
    other = PTFactory()
    enrolled_client(today=today(), week=30, pt=other, client=ClientFactory(full_name="Zoe"))
    client.force_login(other)
    page = client.get(URL).text
    assert "Zoe" in page and "Mia" not in page
