"""PT pages about one linked client (anyone else's id answers 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tracker import selectors, services
from tracker.forms import ClearanceForm
from users.decorators import pt_required
from users.selectors import client_for_pt


@pt_required
@require_http_methods(["GET", "POST"])
def clearance(request, client_id):
    client = client_for_pt(pt=request.user, client_id=client_id)
    latest = selectors.latest_screening(client)
    form = ClearanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.clearance_record(
                client=client,
                recorded_by=request.user,
                today=selectors.local_today(client),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Clearance recorded for %(name)s.") % {"name": client})
            return redirect("home")
    questions = {q.key: q.text for q in selectors.active_screening_questions()}
    reasons = [questions.get(k, k) for k in (latest.positive_keys if latest else [])]
    return render(
        request,
        "tracker/pt_clearance.html",
        {"client": client, "screening": latest, "reasons": reasons, "form": form},
    )
