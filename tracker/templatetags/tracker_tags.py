import functools

from django import template

register = template.Library()


@register.filter
def signed(value):
    """+9, -7.5, 0: a change shown with its direction."""
    if value is None or value == "":
        return "—"
    from django.utils.formats import number_format

    number = float(value)
    # Up to one decimal, written as her language writes it ("+11,2" in Spanish).
    text = number_format(abs(number), decimal_pos=0 if number == int(number) else 1)
    if number > 0:
        return f"+{text}"
    return f"−{text}" if number < 0 else text


@register.simple_tag
def offline_texts():
    """What static/js/offline.js says about logs kept on the phone, in her language, and the
    message of each warning sign's tier (SAFETY.md section 2), for a log made offline. The
    same in every request in a language, so built once per language and process (on every
    client page, it cost about 0.3 ms a request)."""
    from django.utils.translation import get_language

    return _offline_texts(get_language())


@functools.cache
def _offline_texts(language: str):
    from django.urls import reverse
    from django.utils.html import json_script
    from django.utils.translation import gettext as _

    from ..safety import OFFLINE_NOT_TOLD, SIGN_TIERS, TIER_MESSAGES, TIER_ORDER

    texts = {
        "kept": _("Saved on this phone. It will be sent when you are back online."),
        "waiting": _("Saved on this phone, will be sent:"),
        "login": _("Log in again to send what is saved on this phone:"),
        "login_link": _("Log in"),
        "login_url": reverse("account_login"),
        "sent": _("Sent:"),
        "hold": _("A safety hold is now open."),
        "hold_link": _("What to do now"),
        "refused": _("Not sent:"),
        "discard": _("Discard"),
        "again": _("Log it again"),
        "not_told": OFFLINE_NOT_TOLD,
        "logout_confirm": _(
            "Logs saved on this phone have not been sent yet. Logging out deletes them from "
            "this phone. Log out anyway?"
        ),
        "tiers": {sign: TIER_MESSAGES[tier] for sign, tier in SIGN_TIERS.items()},
        "tier_order": [TIER_MESSAGES[t] for t in TIER_ORDER],
    }
    return json_script(texts, "offline-texts")
