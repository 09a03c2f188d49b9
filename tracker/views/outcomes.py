"""The client's logs, check-ins, progress and her own data (export, deletion)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from programs.safety import WARNING_SIGNS
from tracker import selectors, services
from tracker.forms import (
    ERR_CALF_FOLLOW_UP,
    ERR_VAS_UNSET,
    AssessmentForm,
    DeleteAccountForm,
    SessionLogForm,
)
from tracker.models import OdiSection, SafetyItem, ScheduledSession
from tracker.reports import export_csv as export_csv_text
from tracker.reports import safety_rows
from tracker.scoring import odi_plain, triage_messages, vas_plain
from tracker.views.client import _apply_errors
from users.decorators import client_required
from users.idempotency import once_per_form

# After her corrections (SPEC section 6).
LOG_WITHDRAWN = gettext_lazy(
    "Your log is withdrawn: it no longer counts toward your progress. Your PT can still see "
    "that you withdrew it."
)
LOG_WITHDRAWN_SESSION = gettext_lazy(
    "Your log is withdrawn: it no longer counts toward your progress, and you can log the "
    "session again. Your PT can still see that you withdrew it."
)
CHECK_IN_UPDATED = gettext_lazy(
    "Your check-in is updated. Your PT can see your earlier answers too."
)
CHECK_IN_WITHDRAWN = gettext_lazy(
    "Your check-in is withdrawn: it no longer counts in your charts or your progress. Your PT "
    "can still see that you withdrew it."
)


def _prescriptions(session):
    return [] if session is None else selectors.session_checklist(session)


def _after_log(request, log, created: bool):
    if log.warning_signs or getattr(log, "hold", None) is not None:
        return redirect("tracker:stop", log_id=log.pk)
    if log.flagged:
        # Logged while her program is not active: kept, and flagged (SAFETY.md section 1).
        from tracker.safety import state_of

        safety = state_of(log.client)
        if not safety.active:
            messages.info(
                request,
                (_("Your log is saved.") if created else _("Log updated."))
                + " "
                + (
                    _("Your program is not active, so it is flagged for your PT %(name)s.")
                    % {"name": safety.pt}
                    if safety.pt
                    else _("Your program is not active: see home for what to do next.")
                ),
            )
            return redirect("home")
    messages.success(request, _("Session logged. Well done!") if created else _("Log updated."))
    session = log.session
    if session and log.status == "completed" and log.minutes * 2 < session.planned_minutes:
        messages.info(
            request,
            _(
                "You logged %(done)d of %(planned)d minutes as completed. If you stopped early, "
                "“partly done” tells your PT more (edit the log from the session page)."
            )
            % {"done": log.minutes, "planned": session.planned_minutes},
        )
    return redirect("home")


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
def session_log(request, session_id):
    """Log a scheduled session, or edit its log if there is one."""
    client = request.user
    today = selectors.local_today(client)
    refused = None  # why the service refused a valid form
    if request.method == "POST":
        # Checked against her checklist's ids (one query, which also finds her session) and
        # saved by the service, which reads the session once, locked, and records a log or
        # updates the one it has. The session and its lines as she reads them are read only
        # if the form is drawn again.
        template_id, ids = selectors.session_checklist_ids(client=client, session_id=session_id)
        form = SessionLogForm(request.POST, prescription_ids=ids)
        if form.is_valid():
            try:
                log, created = services.session_log_submit(
                    client=client,
                    session_id=session_id,
                    data=form.to_input(),
                    today=today,
                    lines=(template_id, set(ids)),
                )
            except ValidationError as exc:
                refused = exc
            except ScheduledSession.DoesNotExist:
                raise Http404(_("No such session.")) from None
            else:
                return _after_log(request, log, created=created)
    session = selectors.session_for_client(client=client, session_id=session_id)
    existing = getattr(session, "log", None) if selectors._has_log_cached(session) else None
    if existing is not None:
        initial = SessionLogForm.initial_from(existing)
    else:
        initial = {"status": "completed", "performed_on": min(session.date, today), "minutes": 60}
    form = SessionLogForm(
        request.POST or None, initial=initial, prescriptions=_prescriptions(session)
    )
    if request.method == "POST":
        form.is_valid()
        locked = selectors.correction_refusal(existing) if existing is not None else None
        if locked:
            form.add_error(None, locked)
        elif refused is not None:
            _apply_errors(form, refused)
    return render(
        request,
        "tracker/log_form.html",
        {
            **_correction(existing),
            "form": form,
            "session": session,
            "log": existing,
            "today": today,
        },
    )


def _correction(obj) -> dict:
    """Whether she may still correct or withdraw a saved log or check-in, and until when."""
    if obj is None:
        return {}
    return {
        "locked": selectors.correction_refusal(obj),
        "editable_until": selectors.correction_deadline(obj),
    }


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
def extra_log(request):
    """Log an extra session that was not on the schedule."""
    client = request.user
    today = selectors.local_today(client)
    form = SessionLogForm(
        request.POST or None, initial={"status": "completed", "performed_on": today}
    )
    form.fields["status"].choices = [c for c in form.fields["status"].choices if c[0] != "skipped"]
    if request.method == "POST" and form.is_valid():
        try:
            log = services.session_log_record(
                client=client, session=None, data=form.to_input(), today=today
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return _after_log(request, log, created=True)
    return render(
        request,
        "tracker/log_form.html",
        {"form": form, "session": None, "log": None, "today": today},
    )


@client_required
@require_http_methods(["GET", "POST"])
def log_edit(request, log_id):
    client = request.user
    log = selectors.log_for_client(client=client, log_id=log_id)
    if log.session_id:
        return redirect("tracker:session_log", session_id=log.session_id)
    today = selectors.local_today(client)
    form = SessionLogForm(request.POST or None, initial=SessionLogForm.initial_from(log))
    form.fields["status"].choices = [c for c in form.fields["status"].choices if c[0] != "skipped"]
    locked = selectors.correction_refusal(log)
    if request.method == "POST" and locked:
        form.is_valid()
        form.add_error(None, locked)
    elif request.method == "POST" and form.is_valid():
        try:
            log = services.session_log_update(log=log, data=form.to_input(), by=client, today=today)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return _after_log(request, log, created=False)
    return render(
        request,
        "tracker/log_form.html",
        {**_correction(log), "form": form, "session": None, "log": log, "today": today},
    )


def _withdraw(request, record, *, withdraw, done: str, done_url: str, page: dict):
    """Withdraw one of her records: a first POST asks "are you sure?", the second (with
    `confirm`) withdraws it, unless its 7 days are over or it was withdrawn already."""
    error = selectors.correction_refusal(record)
    if "confirm" in request.POST and error is None:
        try:
            withdraw()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, done)
            return redirect(done_url)
    return render(request, "tracker/withdraw_confirm.html", {**page, "error": error})


@client_required
@require_POST
def log_withdraw(request, log_id):
    """Withdraw one of her logs (her history keeps it, marked withdrawn)."""
    client = request.user
    log = selectors.log_for_client(client=client, log_id=log_id)
    back = (
        reverse("tracker:session_log", args=[log.session_id])
        if log.session_id
        else reverse("tracker:log_edit", args=[log.pk])
    )
    return _withdraw(
        request,
        log,
        withdraw=lambda: services.session_log_withdraw(log=log, by=client),
        done=LOG_WITHDRAWN_SESSION if log.session_id else LOG_WITHDRAWN,
        done_url=reverse("tracker:logs"),
        page={
            "what": "log",
            "log": log,
            "action": reverse("tracker:log_withdraw", args=[log.pk]),
            "back": back,
        },
    )


@client_required
@require_GET
def stop(request, log_id):
    """The stop page after a log with warning signs: the message of its tier, the signs, and
    exactly who was told (her PT by name, or nobody). Never claims an alert not raised."""
    from tracker import safety as rules
    from tracker.models import SafetyItem

    client = request.user
    log = selectors.log_for_client(client=client, log_id=log_id)
    hold = services.hold_for(session_log=log)
    if hold is None:
        # The same signs while an earlier hold and its alert were still open: that hold
        # stands for this log too (SAFETY.md section 2: one hold, one alert).
        earlier = (
            SafetyItem.objects.filter(
                client=client, kind=SafetyItem.Kind.HOLD, closed_at__isnull=True
            )
            .exclude(session_log=None, assessment=None)
            .order_by("-pk")
            .first()
        )
        if earlier is not None and set(rules.hold_signs(log.warning_signs)) <= set(earlier.signs):
            hold = services.hold_for(session_log=earlier.session_log, assessment=earlier.assessment)
    labels = dict(WARNING_SIGNS)
    tier = rules.tier_of(log.warning_signs) or rules.TODAY
    return render(
        request,
        "tracker/stop.html",
        {
            "log": log,
            "hold": hold,
            "signs": [labels.get(k, k) for k in log.warning_signs],
            "message": hold.message if hold else str(rules.TIER_MESSAGES[tier]),
            "emergency": tier == rules.EMERGENCY,
            "told": hold.told if hold and hold.alert.pk else None,
        },
    )


@client_required
@require_GET
def log_history(request):
    return render(request, "tracker/log_history.html", {"logs": selectors.logs_of(request.user)})


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
def assessment_new(request):
    client = request.user
    if selectors.pregnancy_of(client) is None:
        messages.info(request, _("Tell us your due date first."))
        return redirect("tracker:pregnancy")
    sections = list(OdiSection.objects.order_by("number"))
    form = AssessmentForm(request.POST or None, sections=sections)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.assessment_record(
                client=client,
                vas_low_back_mm=data["vas_low_back_mm"],
                vas_sciatic_mm=data["vas_sciatic_mm"],
                odi_answers=form.odi_answers(),
                pain_locations=data["pain_locations"],
                symptoms=form.symptom_keys(),
                today=selectors.local_today(client),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if assessment.hold is not None:
                # The page she lands on says which hold and exactly who was told.
                request.session[HOLD_KEY] = [assessment.pk, assessment.hold.item.pk]
            return redirect("tracker:assessment", assessment_id=assessment.pk)
    due = selectors.assessment_due(client, selectors.local_today(client))
    return render(
        request,
        "tracker/assessment_form.html",
        {"form": form, "due": due, "step_errors": STEP_ERRORS},
    )


HOLD_KEY = "checkin_hold"
# What the check-in's step 1 says before moving on (static/js/check_in_steps.js): the form's
# own words, so the page and the server never disagree.
STEP_ERRORS = {"vas": ERR_VAS_UNSET, "calf": ERR_CALF_FOLLOW_UP}


def _hold_of(request, assessment):
    """The hold this check-in opened, or the open one it joined (same signs, alert unread)."""
    hold = services.hold_for(assessment=assessment)
    if hold is not None or not assessment.urgent:
        return hold
    remembered = request.session.get(HOLD_KEY)
    if not remembered or remembered[0] != assessment.pk:
        return None
    item = SafetyItem.objects.filter(pk=remembered[1], client=request.user).first()
    if item is None:
        return None
    if item.session_log_id:
        return services.hold_for(session_log=item.session_log)
    return services.hold_for(assessment=item.assessment)


@client_required
@require_GET
def assessment_detail(request, assessment_id):
    client = request.user
    assessment = selectors.assessment_for_client(client=client, assessment_id=assessment_id)
    return render(
        request,
        "tracker/assessment_detail.html",
        {
            **_correction(assessment),
            "assessment": assessment,
            "hold": _hold_of(request, assessment),
            "odi_plain": odi_plain(assessment.odi_percent),
            "low_back_plain": vas_plain(assessment.vas_low_back_mm),
            "sciatic_plain": vas_plain(assessment.vas_sciatic_mm),
            "messages_": triage_messages(assessment.pain_locations, assessment.symptoms),
            "progress": selectors.progress(client, selectors.local_today(client)),
        },
    )


@client_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request, assessment_id):
    """Correct a check-in within 7 days of saving it (the earlier answers are kept)."""
    client = request.user
    assessment = selectors.assessment_for_client(client=client, assessment_id=assessment_id)
    sections = list(OdiSection.objects.order_by("number"))
    form = AssessmentForm(
        request.POST or None, sections=sections, initial=AssessmentForm.initial_from(assessment)
    )
    locked = selectors.correction_refusal(assessment)
    if request.method == "POST" and locked:
        form.is_valid()
        form.add_error(None, locked)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.assessment_update(
                assessment=assessment,
                by=client,
                vas_low_back_mm=data["vas_low_back_mm"],
                vas_sciatic_mm=data["vas_sciatic_mm"],
                odi_answers=form.odi_answers(),
                pain_locations=data["pain_locations"],
                symptoms=form.symptom_keys(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if assessment.hold is not None:
                request.session[HOLD_KEY] = [assessment.pk, assessment.hold.item.pk]
            messages.success(request, CHECK_IN_UPDATED)
            return redirect("tracker:assessment", assessment_id=assessment.pk)
    return render(
        request,
        "tracker/assessment_form.html",
        {
            **_correction(assessment),
            "form": form,
            "assessment": assessment,
            "step_errors": STEP_ERRORS,
        },
    )


@client_required
@require_POST
def assessment_withdraw(request, assessment_id):
    """Withdraw one of her check-ins (kept, marked withdrawn, left out of her scores)."""
    client = request.user
    assessment = selectors.assessment_for_client(client=client, assessment_id=assessment_id)
    return _withdraw(
        request,
        assessment,
        withdraw=lambda: services.assessment_withdraw(assessment=assessment, by=client),
        done=CHECK_IN_WITHDRAWN,
        done_url=reverse("tracker:progress"),
        page={
            "what": "check_in",
            "assessment": assessment,
            "action": reverse("tracker:assessment_withdraw", args=[assessment.pk]),
            "back": reverse("tracker:assessment", args=[assessment.pk]),
        },
    )


@client_required
@require_GET
def progress_page(request):
    from tracker import fragments, versions

    client = request.user
    today = selectors.local_today(client)
    # Drawn again only when something about her or the shared content changed (her data
    # version), on a new day, in another language or by new code: never stale.
    body = fragments.cached(
        "progress-page",
        (versions.client_version(client), today),
        lambda: _progress_body(client, today),
    )
    return render(request, "tracker/progress.html", {"body": body})


def _progress_body(client, today) -> str:
    from django.template.loader import render_to_string

    from tracker import fragments
    from tracker.charts import draw_all

    context = selectors.progress(client, today)
    draw_all(context["charts"])  # one cache round trip for the five charts
    # The same data as tables, kept by what they show: her check-ins and her weeks.
    context["tables"] = fragments.cached(
        "progress-tables",
        ([fragments.row(a) for a in context["assessments"]], context["adherence_by_week"]),
        lambda: render_to_string("tracker/progress.html#tables", context),
    )
    return render_to_string("tracker/progress.html#body", context)


@client_required
@require_GET
def export_json(request):
    client = request.user
    response = JsonResponse(selectors.client_export(client, selectors.local_today(client)))
    response["Content-Disposition"] = 'attachment; filename="prenafit-my-data.json"'
    return response


@client_required
@require_GET
def export_csv(request):
    client = request.user
    data = selectors.client_export(client, selectors.local_today(client))
    response = HttpResponse(
        export_csv_text(data, safety=safety_rows(client)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="prenafit-my-data.csv"'
    return response


@client_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """She asks to delete her account (typing DELETE); it goes after the grace period unless
    she cancels here or from her profile (a POST with `cancel`)."""
    user = request.user
    if request.method == "POST" and "cancel" in request.POST:
        if services.account_deletion_cancel(user=user):
            messages.success(request, _("Your account will not be deleted. Nothing was removed."))
        return redirect("profile")
    pending = user.deletion_requested_at is not None
    form = None if pending else DeleteAccountForm(request.POST or None)
    if form is not None and request.method == "POST" and form.is_valid():
        due = services.account_deletion_request(user=user)
        messages.success(
            request,
            _(
                "Your account and all your data will be deleted on %(due)s. Until then you can "
                "cancel here or from your profile."
            )
            % {"due": date_format(localtime(due), "DATE_FORMAT")},
        )
        return redirect("tracker:delete_account")
    return render(
        request,
        "tracker/delete_account.html",
        {"form": form, "due": services.purge_due(user), "grace_days": services.GRACE.days},
    )
