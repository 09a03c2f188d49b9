import functools
import zoneinfo

from django.shortcuts import redirect
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from .selectors import consent_missing, must_set_up_second_factor


class UserTimezoneMiddleware:
    """Show times in the logged-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class RequireStaffMFAMiddleware:
    """PTs and admins see health data: with PRENAFIT_REQUIRE_STAFF_MFA on, they must turn on
    two-factor sign-in (TOTP) before they can open any other page."""

    allowed_prefixes = ("/accounts/", "/static/", "/healthz", "/language/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.allowed_prefixes)
            and must_set_up_second_factor(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


CONSENT_SESSION_KEY = "prenafit_consent"


class RequireConsentMiddleware:
    """Nobody uses the app under a privacy notice she has not agreed to: a logged-in user
    without a consent to the current PRENAFIT_PRIVACY_NOTICE_VERSION (accounts from before
    consent was asked, accounts an admin made, everyone once the notice changes) is sent to the
    consent page first. The log-in pages, the notice itself, static files and the health check
    stay open, and so are her data export and the deletion page (she may leave rather than
    agree). A consent is never withdrawn (deleting the account is how she withdraws), so once
    found it is remembered in the session: one query per session, not per page."""

    allowed_prefixes = (
        "/accounts/",
        "/static/",
        "/healthz",
        "/privacy/",
        "/consent/",
        "/language/",
    )
    # By URL name (tracker's pages are linked by name only, never imported).
    allowed_names = ("tracker:delete_account", "tracker:export_json", "tracker:export_csv")

    def __init__(self, get_response):
        self.get_response = get_response

    @classmethod
    @functools.cache
    def allowed_paths(cls, prefix: str) -> frozenset:
        """`allowed_names`' paths under a URL prefix (the same for every request of a site)."""
        return frozenset(reverse(name) for name in cls.allowed_names)

    def __call__(self, request):
        from urllib.parse import urlencode

        from django.conf import settings

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.allowed_prefixes)
            and request.path not in self.allowed_paths(get_script_prefix())
        ):
            current = [user.pk, settings.PRENAFIT_PRIVACY_NOTICE_VERSION]
            if request.session.get(CONSENT_SESSION_KEY) != current:
                if consent_missing(user):
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('consent')}?{query}")
                request.session[CONSENT_SESSION_KEY] = current
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user sees her profile language, on every page and in the API's messages
    (token requests are switched in users.authentication). Visitors keep LocaleMiddleware's
    choice: the language switch's cookie, else the browser's Accept-Language. Runs after
    AuthenticationMiddleware and inside LocaleMiddleware, whose Content-Language header then
    names the language used."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
