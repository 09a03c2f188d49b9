from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .decorators import client_required, pt_required
from .forms import ConsentForm, InviteForm, ProfileForm
from .idempotency import once_per_form
from .selectors import active_link_for_client


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    link = active_link_for_client(client=request.user) if request.user.is_client else None
    return render(request, "users/profile.html", {"form": form, "link": link})


# --- privacy notice and consent ----------------------------------------------------------


@require_http_methods(["GET"])
def privacy(request):
    """The privacy notice: public, so she can read it before she signs up."""
    from django.conf import settings

    return render(
        request, "users/privacy.html", {"version": settings.PRENAFIT_PRIVACY_NOTICE_VERSION}
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent(request):
    """She agrees to the current privacy notice (asked by RequireConsentMiddleware), then goes
    on to the page she was opening."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    from .models import Consent

    version = settings.PRENAFIT_PRIVACY_NOTICE_VERSION
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    agreed = Consent.objects.filter(user=request.user, notice_version=version).first()
    form = ConsentForm(request.POST or None)
    if agreed is None and request.method == "POST" and form.is_valid():
        services.consent_record(user=request.user, age_confirmed=form.cleaned_data["age_confirmed"])
        messages.success(request, _("Thank you. You agreed to the privacy notice."))
        return redirect(target or "home")
    earlier = Consent.objects.filter(user=request.user).exclude(notice_version=version).first()
    return render(
        request,
        "users/consent.html",
        {"form": form, "agreed": agreed, "earlier": earlier, "next": target, "version": version},
    )


# --- invitations and links ---------------------------------------------------------------


@pt_required
@require_http_methods(["GET", "POST"])
@once_per_form
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # The link starts with PRENAFIT_BASE_URL, like every link in every e-mail.
            invitation, _token = services.invitation_create(
                pt=request.user, email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works once, for 14 days.")
                % {"email": invitation.email},
            )
            return redirect("invite")
    invitations = request.user.invitations.all()[:20]
    from django.utils import timezone

    return render(
        request,
        "users/invite.html",
        {"form": form, "invitations": invitations, "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """Anyone with the link sees who invites her; accepting needs the invited account."""
    try:
        invitation = services.invitation_lookup(token=token)
    except ValidationError:
        return render(
            request, "users/invitation.html", {"error": services.ERR_INVITE_INVALID}, status=404
        )
    if not request.user.is_authenticated:
        return render(
            request, "users/invitation.html", {"invitation": invitation, "anonymous": True}
        )
    if request.method == "POST":
        try:
            services.invitation_accept(token=token, user=request.user)
        except ValidationError as exc:
            if getattr(exc, "code", None) == services.INVITE_ALREADY_ACCEPTED:  # pressed twice
                messages.info(
                    request,
                    _("You have already accepted this invitation from %(pt)s.")
                    % {"pt": invitation.pt},
                )
                return redirect("home")
            return render(
                request,
                "users/invitation.html",
                {"invitation": invitation, "error": " ".join(exc.messages)},
                status=400,
            )
        messages.success(request, _("You are now linked to %(pt)s.") % {"pt": invitation.pt})
        return redirect("home")
    return render(
        request,
        "users/invitation.html",
        {"invitation": invitation, "current": active_link_for_client(client=request.user)},
    )


@client_required
@require_POST
def unlink_pt(request):
    link = active_link_for_client(client=request.user)
    if link is not None:
        services.care_link_end(link=link, ended_by=request.user)
        messages.success(
            request,
            _("You are no longer linked to %(pt)s. Your data stays yours.") % {"pt": link.pt},
        )
    return redirect("profile")


def _allauth_logout(request, *args, **kwargs):
    from allauth.account.views import logout

    return logout(request, *args, **kwargs)


def logout(request, *args, **kwargs):
    """allauth's log-out, and the browser told to wipe what this site keeps on the device
    (the offline pages and the logs waiting in IndexedDB, the service worker): a shared phone
    keeps nothing of hers after she logs out (static/js/offline.js wipes them first too)."""
    response = _allauth_logout(request, *args, **kwargs)
    if request.method == "POST" and response.status_code in (302, 303):
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@require_POST
def language(request):
    """The language switch on every page: Django's set_language keeps the choice in a cookie
    (visitors) and checks the page to go back to; a logged-in user's profile language changes
    too, so her e-mails and notifications follow."""
    from django.views.i18n import set_language

    response = set_language(request)
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and chosen in dict(settings.LANGUAGES):
        services.user_language_set(user=request.user, language=chosen)
    return response
