from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

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
    from .client import safety_notice

    today = local_today(user)
    context = client_home(user, today)
    context["today"] = today
    context["link"] = active_link_for_client(client=user)
    context["assessment_due"] = assessment_due(user, today)
    safety = context.get("safety")
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
    return render(request, "tracker/client_home.html", context)
