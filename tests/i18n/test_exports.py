"""CSV exports keep English column keys, codes and words in every language (issue 18), so an
analysis script reads a Spanish-speaking client's or PT's export like any other."""

import pytest
from django.urls import reverse

from tests.clock import pin

pytestmark = [pin(), pytest.mark.django_db]


def test_csv_exports_are_the_same_in_spanish_and_english(client):
    from tracker.demo import demo_seed
    from users.models import User

    demo_seed()
    pt = User.objects.get(email="pt@prenafit.test")
    maria = User.objects.get(email="maria@prenafit.test")  # a client with a warning sign
    downloads = {}
    for language in ("en", "es"):
        User.objects.update(language=language)
        client.force_login(pt)
        cohort = client.get(reverse("tracker:pt_cohort_csv")).content.decode()
        hers = client.get(reverse("tracker:pt_client_csv", args=[maria.pk])).content.decode()
        client.force_login(maria)
        own = client.get(reverse("tracker:export_csv")).content.decode()
        downloads[language] = (cohort, hers, own)
    assert downloads["es"] == downloads["en"]
    cohort, hers, own = downloads["es"]
    assert hers.splitlines()[0].startswith("record,date,gestational_week,status,")
    assert ",Dizziness" in hers  # the demo's warning sign, in the same words in both
