from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker import fragments, versions
from tracker.guided import guided_offered
from tracker.selectors import assessment_due, client_home, home_questions, local_today
from users.selectors import active_link_for_client


@require_GET
def landing(request):
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "landing.html")


@login_required
@require_GET
def home(request):
    """Each role's own home page."""
    user = request.user
    if user.is_staff and user.role != "pt":
        return render(request, "users/admin_home.html")
    if user.is_pending_pt:
        return render(request, "users/pending_pt.html")
    if user.is_active_pt:
        from .pt import dashboard

        return dashboard(request)
    # Her page's body, cached under everything it is drawn from: her data and the shared
    # content (`versions.client_version`: any write, by any door), her local day, her time
    # zone (dates shown from times) and what it shows of her own row (a new account has no
    # version yet). Nothing on it depends on the hour: see `_client_home_context`.
    today = local_today(user)
    inputs = (
        versions.client_version(user),
        today,
        timezone.get_current_timezone_name(),
        (user.pk, user.full_name, user.email),
    )
    body = fragments.page_part(
        request,
        "client-home",
        inputs,
        "tracker/client_home.html#body",
        lambda: {**_client_home_context(user, today), "user": user},
    )
    return render(request, "tracker/client_home.html", {"body": body})


def _client_home_context(user, today) -> dict:
    """What her home's body shows (`selectors.client_home` and the rest), read only when it is
    not in the cache. Everything here depends on her data, the shared content, `today` and
    her time zone, never on the time of day: the session's state (today, logged), "Start
    guided session", the check-in due, the re-screen and "has it ended?" questions and her
    safety notice (with its forms dated `today`) are all decided by dates."""
    from .client import safety_notice

    context = client_home(user, today)
    context["today"] = today
    safety = context.get("safety")
    # Her care link, her pregnancy and her enrolment as `client_home` read them.
    context["link"] = safety.link if safety is not None else active_link_for_client(client=user)
    context["assessment_due"] = assessment_due(
        user, today, profile=context["profile"], enrolment=context["enrolment"]
    )
    if safety is not None and not safety.active:
        context["notice"] = safety_notice(user, safety, today)
    context.update(
        home_questions(user, context.get("profile"), safety, context.get("screening"), today)
    )
    # "Start guided session" on today's session, or on the next one when it is this week's.
    active = safety is not None and safety.active
    for key, session in (("start_today", "session"), ("start_next", "next")):
        found = context.get(session)
        context[key] = found is not None and guided_offered(found, today, active=active)
    if "session" in context:
        context["session_blocks"] = fragments.session_blocks(context["session"])
    return context
