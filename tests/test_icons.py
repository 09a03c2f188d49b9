"""The favicon and app icons: every page links them, each linked file is served and is the size
it says, `/favicon.ico` answers, and the maskable icon keeps its mark inside the safe zone."""

import json
import re
import struct
import zlib

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def png_pixels(data: bytes) -> list[bytes]:
    """The rows of an 8-bit RGBA PNG written with filter 0 (as bin/make-icons writes them)."""
    width, height = png_size(data)
    raw = zlib.decompress(data[data.index(b"IDAT") + 4 :])
    stride = 1 + 4 * width
    return [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]


def test_every_page_links_the_icons_and_each_is_served_at_its_size(client):
    page = client.get(reverse("landing")).content.decode()
    links = dict(re.findall(r'<link rel="(icon|apple-touch-icon|manifest)" href="([^"]+)"', page))
    svg = re.search(r'<link rel="icon" href="([^"]+\.svg)"', page).group(1)

    assert client.get(svg).status_code == 200
    apple = b"".join(client.get(links["apple-touch-icon"]).streaming_content)
    assert png_size(apple) == (180, 180)
    manifest = json.loads(b"".join(client.get(links["manifest"]).streaming_content))
    sizes = {}
    for icon in manifest["icons"]:
        data = open(finders.find(f"icons/{icon['src']}"), "rb").read()
        sizes[(icon["sizes"], icon.get("purpose", "any"))] = png_size(data)
    assert sizes == {
        ("192x192", "any"): (192, 192),
        ("512x512", "any"): (512, 512),
        ("512x512", "maskable"): (512, 512),
    }


def test_favicon_ico_answers_with_an_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and icon["Content-Type"] == "image/x-icon"
    data = b"".join(icon.streaming_content)
    assert data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert struct.unpack("<H", data[4:6])[0] >= 1  # holding at least one image


def test_the_maskable_icon_keeps_its_mark_inside_the_centre_80_percent():
    rows = png_pixels(open(finders.find("icons/icon-maskable-512.png"), "rb").read())
    background = rows[0][:4]
    size = len(rows)
    centre = (size - 1) / 2
    marked = [
        (x, y)
        for y, row in enumerate(rows)
        for x in range(size)
        if row[4 * x : 4 * x + 4] != background
    ]
    assert marked  # the letter is there
    # The safe zone of a maskable icon is a circle of radius 40 % of the side.
    assert max(((x - centre) ** 2 + (y - centre) ** 2) ** 0.5 for x, y in marked) < 0.4 * size
