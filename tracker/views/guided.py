"""Guided mode (issue 17): her session one exercise at a time on her phone. The page is read
once (it works offline after that); `static/js/guided.js` walks her through it and saves the
log through the outbox to `POST /api/v1/me/sessions/<id>/log/`."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from programs.safety import WARNING_SIGNS
from tracker import selectors
from tracker.forms import BORG_LABELS
from tracker.guided import guided_steps
from tracker.safety import EMERGENCY as EMERGENCY_TIER
from tracker.safety import OFFLINE_NOT_TOLD, TIER_MESSAGES, state_of
from tracker.scoring import EMERGENCY_SIGNS
from tracker.views.client import safety_notice
from users.decorators import client_required

LOGGED = ("done", "partial", "skipped")


@client_required
@require_GET
def session_go(request, session_id):
    """Her own session in guided mode. A logged one sends her to its log; while her program is
    not active she sees the calm notice home shows, and no Start; a cancelled one goes back to
    its page."""
    client = request.user
    session = selectors.session_for_client(client=client, session_id=session_id)
    today = selectors.local_today(client)
    state = selectors.session_state(session, today)
    if state in LOGGED:
        messages.info(request, _("This session is logged already. Here is your log."))
        return redirect("tracker:session_log", session_id=session.pk)
    safety = state_of(client)
    context = {"session": session, "today": today, "safety": safety}
    if not safety.active:
        context["notice"] = safety_notice(client, safety, today)
        return render(request, "tracker/session_go.html", context)
    if state == "cancelled":
        messages.info(request, _("This session is cancelled."))
        return redirect("tracker:session", session_id=session.pk)
    steps = guided_steps(session, session.gestational_week)  # attaches session.blocks
    monday = session.date - timedelta(days=session.date.weekday())
    context.update(
        {
            "steps": steps,
            "week_start": monday,
            "week_end": monday + timedelta(days=6),
            "warning_signs": WARNING_SIGNS,
            "borg": [(n, BORG_LABELS.get(n, "")) for n in range(6, 21)],
            "config": {
                "api_url": reverse("api_session_log", kwargs={"session_id": session.pk}),
                "stop_url": reverse("tracker:stop", kwargs={"log_id": 0}).replace("/0/", "/{id}/"),
                "log_url": reverse("tracker:session_log", kwargs={"session_id": session.pk}),
                "session_date": session.date.isoformat(),
                "week_start": monday.isoformat(),
                "week_end": (monday + timedelta(days=6)).isoformat(),
                "planned_minutes": session.planned_minutes,
                "time_zone": client.time_zone,
                "emergency_signs": sorted(EMERGENCY_SIGNS),
                "storage_key": f"prenafit-guided-{session.pk}",
                "label": _("Session %(code)s on %(day)s")
                % {"code": session.template.code, "day": date_format(session.date, _("l j F"))},
            },
            "emergency_message": TIER_MESSAGES[EMERGENCY_TIER],
            "offline_not_told": OFFLINE_NOT_TOLD,
        }
    )
    return render(request, "tracker/session_go.html", context)
