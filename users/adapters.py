import zoneinfo
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import timezone, translation

from .models import User

SITE_NAME = "Prenafit"
# The links allauth puts in its e-mails (the only absolute URLs its templates hold).
EMAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")


@dataclass(frozen=True)
class EmailSite:
    """What allauth's e-mails call `current_site` ("Hello from {{ name }}!"). Without the
    Sites framework allauth names the request's host ("127.0.0.1:8101"); Prenafit's e-mails
    name Prenafit and the host of PRENAFIT_BASE_URL instead."""

    name: str
    domain: str


def email_site() -> EmailSite:
    return EmailSite(name=SITE_NAME, domain=urlsplit(settings.PRENAFIT_BASE_URL).netloc)


def on_base_url(url: str) -> str:
    """The same link on PRENAFIT_BASE_URL's scheme and host: every absolute link in every
    e-mail starts there, whichever host the request came in on."""
    base = urlsplit(settings.PRENAFIT_BASE_URL)
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def date_header(user) -> dict[str, str]:
    """The Date header in the recipient's own time zone, when the e-mail is to an account."""
    name = getattr(user, "time_zone", "") or ""
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return {}
    return {"Date": format_datetime(timezone.now().astimezone(zone))}


def recipient_language(email, user=None) -> str | None:
    """The language of the account an e-mail goes to: `user` (allauth's context names her
    for most e-mails), else the account that holds the address; None for a stranger."""
    if not isinstance(user, User):
        address = email if isinstance(email, str) else (list(email) or [""])[0]
        user = (
            User.objects.filter(email__iexact=address).first()
            # another of her addresses (allauth's EmailAddress rows)
            or User.objects.filter(emailaddress__email__iexact=address).first()
        )
    return (user.language or None) if user is not None else None


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.time_zone = data.get("time_zone") or "UTC"
        # She signed up in the language the page was in (her switch or her browser's): her
        # account, e-mails and notifications keep it; she can change it in her profile.
        language = translation.get_language() or settings.LANGUAGE_CODE
        user.language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        if data.get("account_type") == "pt":
            user.role = User.Role.PT
            user.pt_approved = False
        else:
            user.role = User.Role.CLIENT
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix, email, context):
        """allauth's e-mails name Prenafit (not a host), link to PRENAFIT_BASE_URL and are
        written in the language of the account the address belongs to (a stranger's address:
        the language of the page that sent it)."""
        context = {**context, "current_site": email_site()}
        for key in EMAIL_LINKS:
            if context.get(key):
                context[key] = on_base_url(str(context[key]))
        language = recipient_language(email, context.get("user"))
        with translation.override(language or translation.get_language()):
            super().send_mail(template_prefix, email, context)

    def render_mail(self, template_prefix, email, context, headers=None):
        headers = {**date_header(context.get("user")), **(headers or {})}
        return super().render_mail(template_prefix, email, context, headers=headers)
