"""Words written down for another person are written in HER language (User.language), not in
the language of the request that wrote them: an in-app notice, an e-mail, a line of a client's
plan history, the reason on a safety item. Render them inside `speaking_to(reader)`."""

from django.conf import settings
from django.utils import translation


def language_of(user) -> str:
    """The language `user` reads Prenafit in ("en", "es"); the site's default without one."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def speaking_to(user):
    """`with speaking_to(pt): Notification.objects.create(title=gettext(...))`: whatever is
    translated inside is in `user`'s language."""
    return translation.override(language_of(user))


def history_reader(client):
    """Who reads a client's plan history and the reasons on her safety items: her PT, or she
    herself while she has none."""
    from .safety import pt_of

    return pt_of(client) or client
