"""In-app notifications, reminder preferences, and the one-click unsubscribe."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import selectors, services
from tracker.forms import NotificationSettingsForm
from tracker.models import Notification, NotificationSettings, ReminderKind
from tracker.reminders.delivery import read_unsubscribe_token, settings_for


@login_required
@require_GET
def notification_list(request):
    """Her own notifications. A PT's (or an admin's) may be about clients' health (alerts): the
    page's view is audited with the ids of the clients they are about."""
    notices = list(
        Notification.objects.filter(recipient=request.user).select_related("about_client")[:100]
    )
    services.audit_notices_view(request.user, notices, what="notifications page")
    return render(request, "tracker/notifications.html", {"notices": notices})


@login_required
@require_POST
def notification_read(request, notification_id):
    notice = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    if notice.url and url_has_allowed_host(request, notice.url):
        return redirect(notice.url)
    return redirect("tracker:notifications")


def url_has_allowed_host(request, url: str) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    return url.startswith("/") or url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}
    )


@login_required
@require_POST
def notification_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("All notifications marked as read."))
    return redirect("tracker:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    current = settings_for(request.user)
    push = services.push_available()
    form = NotificationSettingsForm(
        request.POST or None, instance=current, is_pt=request.user.is_active_pt, push=push
    )
    if request.method == "POST" and form.is_valid():
        # The same service as the API's /me/preferences/ (its refusals next to the fields).
        try:
            services.notification_settings_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your reminder settings were saved."))
            return redirect("tracker:notification_settings")
    context = {"form": form, "push": push}
    if push:
        context["devices"] = list(selectors.push_devices(request.user))
        context["vapid_public_key"] = settings.VAPID_PUBLIC_KEY
    return render(request, "tracker/notification_settings.html", context)


@login_required
@require_POST
def push_remove(request, subscription_id):
    """Remove one of her devices from push notifications (anyone else's: 404)."""
    device = selectors.push_device_for(user=request.user, subscription_id=subscription_id)
    services.push_unsubscribe(subscription=device)
    messages.success(request, _("That device will get no more notifications from Prenafit."))
    return redirect("tracker:notification_settings")


@login_required
@require_POST
def push_test(request):
    """Send a test notification to each of her devices now, and say how many took it."""
    try:
        sent = services.push_test(user=request.user)
    except ValidationError as exc:  # the server offers no push
        messages.error(request, " ".join(exc.messages))
        return redirect("tracker:notification_settings")
    if sent:
        messages.success(
            request,
            ngettext(
                "Sent to %(n)d device. It should show on the screen in a moment.",
                "Sent to %(n)d devices. It should show on each screen in a moment.",
                sent,
            )
            % {"n": sent},
        )
    else:
        messages.info(
            request,
            _(
                'No device is set up yet. Use "Turn on notifications on this phone" on the '
                "phone you want them on."
            ),
        )
    return redirect("tracker:notification_settings")


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """A token of a deleted account is not valid (404), like a forged one."""
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return render(request, "tracker/unsubscribe.html", {"invalid": True}, status=404)
    user_id, kind = parsed
    label = ReminderKind(kind).label
    if kind in NotificationSettings.ALWAYS_ON:
        # Urgent alerts and safety messages cannot be switched off (SAFETY.md section 1):
        # the link says so and changes nothing, whatever the method.
        return render(request, "tracker/unsubscribe.html", {"always_on": True, "label": label})
    if request.method == "POST":
        try:
            with transaction.atomic():
                prefs, _created = NotificationSettings.objects.get_or_create(user_id=user_id)
                setattr(prefs, kind, False)
                prefs.save(update_fields=[kind])
        except IntegrityError:  # her account was deleted since the token was read
            return render(request, "tracker/unsubscribe.html", {"invalid": True}, status=404)
        return render(request, "tracker/unsubscribe.html", {"done": True, "label": label})
    return render(request, "tracker/unsubscribe.html", {"label": label})
