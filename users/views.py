from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .decorators import client_required, pt_required
from .forms import InviteForm, ProfileForm
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


# --- invitations and links ---------------------------------------------------------------


@pt_required
@require_http_methods(["GET", "POST"])
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation, token = services.invitation_create(
            pt=request.user, email=form.cleaned_data["email"]
        )
        url = request.build_absolute_uri(reverse("invitation", args=[token]))
        context = {"pt": request.user, "url": url, "days": services.INVITATION_DAYS}
        send_mail(
            subject=f"{request.user} invites you to Prenafit",
            message=render_to_string("users/email/invitation.txt", context),
            html_message=render_to_string("users/email/invitation.html", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
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
