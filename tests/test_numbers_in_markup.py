"""Numbers a browser reads (SVG coordinates) keep a decimal point in every language: Spanish
prints 12.5 as "12,5" in text, which an SVG attribute cannot parse (issue 18)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.clock import pin
from tests.factories import ClientFactory, build_program_version, enrolled_client
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

COORDINATES = re.compile(r'\s(x|y|x1|x2|y1|y2|cx|cy|width|height|points|viewBox)="([^"]*)"')


def test_the_charts_coordinates_are_numbers_a_browser_reads_in_spanish(client):
    her = ClientFactory(language="es")
    today = local_today(her)
    enrolment = enrolled_client(
        today=today,
        client=her,
        version=build_program_version(slug="aparicio2023"),
        start=today - dt.timedelta(days=14),
    )
    client.force_login(her)
    for session in enrolment.sessions.filter(date__lt=today):
        client.post(
            reverse("tracker:session_log", args=[session.pk]),
            {"status": "completed", "performed_on": session.date, "minutes": "45", "rpe": "13"},
        )
    odi = {f"odi_{n}": "1" for n in range(1, 11)}
    client.post(
        reverse("tracker:assessment_new"),
        {"vas_low_back_mm": "40", "vas_sciatic_mm": "5", **odi},
    )

    with translation.override("es"):
        response = client.get(reverse("tracker:progress"), HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"  # the page was rendered in Spanish
    svgs = re.findall(r"<svg.*?</svg>", response.content.decode(), flags=re.DOTALL)
    assert svgs, "the progress page draws charts"
    numbers = []
    for name, value in (m for svg in svgs for m in COORDINATES.findall(svg)):
        if name == "points":  # "x,y x,y ...": a comma inside a number would make 3 parts
            for pair in value.split():
                x, y = pair.split(",")
                numbers += [x, y]
        else:
            numbers += value.split()  # viewBox holds four numbers, the others one
    assert any("." in n for n in numbers)  # fractional coordinates are drawn
    for number in numbers:
        float(number)  # "12,5" fails here
