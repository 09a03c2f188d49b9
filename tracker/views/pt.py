"""A PT's pages: her caseload and each linked client (anyone else's id answers 404).
Every view of a client's health data leaves an audit entry."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import caseload as caseload_selectors
from tracker import fragments, reports, selectors, services, versions
from tracker.forms import (
    CaseloadFilterForm,
    ClearanceForm,
    ItemReviewForm,
    NoteForm,
    PauseForm,
    ScheduleForm,
    SwapForm,
)
from tracker.models import (
    Alert,
    AuditEvent,
    PlanChange,
    PTNote,
    SafetyItem,
    ScreeningQuestion,
)
from tracker.safety import ENDED, sign_labels, state_of
from users.decorators import pt_required
from users.idempotency import once_per_form
from users.selectors import client_for_pt

PAGE_SIZE = 25


def dashboard(request):
    """The PT's home page (called by tracker.views.home). Its body is drawn again only when
    the clients she looks after, anything about one of them, the shared content, the day, the
    query or the language changed (tracker/versions.py): never stale. The audit row is
    written on every request, with the clients shown."""
    from django.utils.safestring import mark_safe

    from tracker import fragments, versions

    pt = request.user
    today = selectors.local_today(pt)

    def draw() -> dict:
        form = CaseloadFilterForm(request.GET or None)
        params = form.cleaned_data if form.is_valid() else {}
        page, rows = caseload_selectors.caseload_page(
            pt=pt,
            today=today,
            q=(params.get("q") or "").strip(),
            show=params.get("show") or "all",
            sort=params.get("sort") or "alerts",
            number=request.GET.get("page"),
            per_page=PAGE_SIZE,
        )
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "rows": rows,
            "rows_html": caseload_selectors.rows_markup(rows, today),
            "query": query.urlencode(),
            "today": today,
            "filtered": bool(request.GET),
        }
        return {
            "body": render_to_string("tracker/pt_dashboard.html#body", context),
            "shown": [row.client.pk for row in rows],
        }

    inputs = (versions.caseload_version(pt), today, sorted(request.GET.lists()))
    part = fragments.kept("pt-dashboard", inputs, draw)
    services.audit_view(pt, "PT dashboard", clients=part["shown"])
    body = mark_safe(part["body"])  # noqa: S308 - rendered by an autoescaping template
    return render(request, "tracker/pt_dashboard.html", {"body": body})


def _client(request, client_id):
    return client_for_pt(pt=request.user, client_id=client_id)


CLEARABLE = (SafetyItem.Kind.ABSOLUTE, SafetyItem.Kind.RELATIVE, SafetyItem.Kind.HOLD)


def _with_signs(alerts):
    for alert in alerts:
        alert.sign_words = sign_labels(alert.signs)
    return alerts


NOTES_SHOWN = 3  # her latest notes on the first view of her page (all of them on demand)
CHANGES_SHOWN = 3  # her latest plan changes there (all of them on demand)
RECENT_LOGS = 30


@pt_required
@require_GET
def client_detail(request, client_id):
    """Her page, first view: what her PT needs first (safety, alerts, progress and charts, the
    latest notes, her plan). The long lists are sections loaded when opened (`client_section`).
    Its body is kept in the cache (`tracker.fragments`) under what it is drawn from: her data
    version, her own row, her date, the viewer (her own notes offer "edit"), the viewer's time
    zone (the times shown) and the exercise asked about (`?swap=`); so a second look runs none
    of its queries. The access check and the audit run on every request."""
    client = _client(request, client_id)
    services.audit_view(request.user, "client page", client=client)
    # All the body reads is read after her version (so it is never older than its key), but
    # her own row, read before it: that row is in the key itself.
    version = versions.client_version(client)
    today = selectors.local_today(client)
    chosen = request.GET.get("swap")
    inputs = (
        version,
        fragments.row(client),
        today,
        request.user.pk,
        timezone.get_current_timezone_name(),
        chosen,
    )

    body = fragments.page_part(
        request,
        "pt-client",
        inputs,
        "tracker/pt_client.html#body",
        lambda: _first_view(client, viewer=request.user, chosen=chosen, today=today),
    )
    return render(request, "tracker/pt_client.html", {"client": client, "body": body})


def _first_view(client, *, viewer, chosen, today) -> dict:
    """What the first view of her page shows (`tracker/pt_client.html#body`)."""
    enrolment = selectors.enrolment_of(client)
    in_plan = selectors.exercises_in_plan(enrolment)
    plan_choices = selectors.exercise_choices(in_plan)
    in_choices = any(pk == chosen for pk, _name in plan_choices)
    original = in_plan.get(pk=chosen) if in_choices else None
    safety = state_of(client)
    safety_items = selectors.safety_items_for_pt(client, safety)
    notes = list(PTNote.objects.filter(client=client).select_related("author")[: NOTES_SHOWN + 1])
    plan_changes = list(
        PlanChange.objects.filter(client=client).select_related("changed_by")[: CHANGES_SHOWN + 1]
    )
    return {
        "user": viewer,  # drawn without the request: no context processors
        "client": client,
        "safety": safety,
        "safety_items": safety_items,
        "can_clear": any(i.kind in CLEARABLE and i.closed_at is None for i in safety_items),
        "can_reopen": safety.state == ENDED,
        "profile": safety.profile,
        "enrolment": enrolment,
        "screening": selectors.latest_screening(client),
        "clearances": list(client.clearances.select_related("recorded_by")),
        "alerts": _with_signs(
            list(
                Alert.objects.filter(client=client)
                .select_related("acknowledged_by")
                .order_by("acknowledged_at", "-created_at")[:20]
            )
        ),
        "notes": notes[:NOTES_SHOWN],
        "more_notes": len(notes) > NOTES_SHOWN,
        "plan_changes": plan_changes[:CHANGES_SHOWN],
        "more_changes": len(plan_changes) > CHANGES_SHOWN,
        "swaps": list(
            client.exercise_swaps.filter(ended_at__isnull=True).select_related(
                "original", "replacement", "created_by"
            )
        ),
        "note_form": NoteForm(),
        "swap_form": SwapForm(
            in_plan=in_plan,
            candidates=selectors.swap_alternatives(client, original, today) if original else [],
            initial={"original": original},
        ),
        "swap_original": original,
        "in_plan": in_plan,
        "plan_choices": plan_choices,
        "swap_choice": chosen if original else None,
        "today": today,
        **selectors.progress(client, today),
    }


def _start(request) -> int:
    """`?start=N`: skip the first N rows (those the first view of her page shows already)."""
    try:
        return min(max(int(request.GET.get("start", 0)), 0), 10**9)
    except (TypeError, ValueError):
        return 0


def _logs(request, client) -> dict:
    return {"logs": list(selectors.logs_of(client)[:RECENT_LOGS])}


def _check_ins(request, client) -> dict:
    return {"assessments": selectors.assessments_of(client)}


def _corrections(request, client) -> dict:
    return {"corrections": selectors.corrections_of(client)}


def _sessions(request, client) -> dict:
    return {"weeks": selectors.calendar_weeks(client, selectors.local_today(client))}


def _screen(request, client) -> dict:
    screening = selectors.latest_screening(client)
    questions = {q.key: q.text for q in ScreeningQuestion.objects.all()} if screening else {}
    answers = screening.answers.items() if screening else []
    return {
        "screening": screening,
        "screening_answers": [(questions.get(key, key), answer) for key, answer in answers],
    }


def _notes(request, client) -> dict:
    notes = PTNote.objects.filter(client=client).select_related("author")
    return {"notes": list(notes[_start(request) :])}


def _plan_changes(request, client) -> dict:
    changes = PlanChange.objects.filter(client=client).select_related("changed_by")
    return {"plan_changes": list(changes[_start(request) :])}


# The sections of her page loaded on demand: each its audit label and what it shows (the
# partial of the same name in tracker/pt_client.html).
SECTIONS = {
    "logs": ("client page: logs", _logs),
    "check_ins": ("client page: check-ins", _check_ins),
    "corrections": ("client page: corrections", _corrections),
    "sessions": ("client page: sessions", _sessions),
    "screen": ("client page: screen", _screen),
    "notes": ("client page: notes", _notes),
    "plan_changes": ("client page: plan changes", _plan_changes),
}


@pt_required
@require_GET
def client_section(request, client_id, section):
    """One section of her page (SECTIONS): its partial alone when the page's script asks for it
    (`X-Requested-With: fetch`, static/js/sections.js), a page in the site's layout otherwise."""
    client = _client(request, client_id)
    label, data = SECTIONS[section]
    services.audit_view(request.user, label, client=client)
    partial = f"tracker/pt_client.html#{section}"
    context = {"client": client, "section": section, "partial": partial, **data(request, client)}
    fetched = request.headers.get("X-Requested-With") == "fetch"
    response = render(request, partial if fetched else "tracker/pt_client_section.html", context)
    patch_vary_headers(response, ["X-Requested-With"])
    return response


def _back(client):
    return redirect("tracker:pt_client", client_id=client.pk)


def _refused(request, exc: ValidationError):
    messages.error(request, " ".join(exc.messages))


@pt_required
@require_POST
@once_per_form
def note_add(request, client_id):
    client = _client(request, client_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.note_add(client=client, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Write a note of up to 5,000 characters."))
    return _back(client)


@pt_required
@require_http_methods(["GET", "POST"])
def note_edit(request, client_id, note_id):
    client = _client(request, client_id)
    note = get_object_or_404(PTNote, pk=note_id, client=client, author=request.user)
    form = NoteForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        services.note_update(note=note, by=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Note updated."))
        return _back(client)
    services.audit_view(request.user, "note page", client=client, obj=note)
    return render(
        request, "tracker/pt_note_form.html", {"form": form, "client": client, "note": note}
    )


@pt_required
@require_POST
def alert_ack(request, client_id, alert_id):
    client = _client(request, client_id)
    alert = get_object_or_404(Alert, pk=alert_id, client=client)
    try:
        services.alert_acknowledge(alert=alert, by=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Alert acknowledged."))
    return _back(client)


@pt_required
@require_POST
@once_per_form
def swap(request, client_id):
    client = _client(request, client_id)
    enrolment = selectors.enrolment_of(client)
    in_plan = selectors.exercises_in_plan(enrolment)
    original_id = request.POST.get("original", "")
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
    ascii_id = original_id.isascii() and original_id.isdigit()
    original = in_plan.filter(pk=int(original_id)).first() if ascii_id else None
    today = selectors.local_today(client)
    candidates = selectors.swap_alternatives(client, original, today) if original else []
    form = SwapForm(request.POST, in_plan=in_plan, candidates=candidates)
    if form.is_valid():
        try:
            services.exercise_swap(
                client=client,
                original=form.cleaned_data["original"],
                replacement=form.cleaned_data["replacement"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                today=today,
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Exercise swapped in her sessions from tomorrow."))
    else:
        messages.error(
            request, _("Choose an exercise from her plan and an alternative to swap in.")
        )
    return _back(client)


@pt_required
@require_POST
@once_per_form
def pause(request, client_id):
    client = _client(request, client_id)
    form = PauseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.pt_pause(
            client=client, by=request.user, reason=reason, today=selectors.local_today(client)
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Her program is paused."))
    return _back(client)


@pt_required
@require_POST
def resume(request, client_id):
    client = _client(request, client_id)
    try:
        services.pt_resume(client=client, by=request.user, today=selectors.local_today(client))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Her program is resumed."))
    return _back(client)


@pt_required
@require_http_methods(["GET", "POST"])
def schedule(request, client_id):
    """Change her weekdays and time on her behalf (future unlogged sessions only)."""
    client = _client(request, client_id)
    enrolment = selectors.enrolment_of(client)
    if enrolment is None:
        messages.error(request, _("She is not enrolled yet."))
        return _back(client)
    form = ScheduleForm(
        request.POST or None,
        initial={
            "weekdays": [str(d) for d in enrolment.weekdays],
            "start_time": enrolment.start_time,
            "time_zone": enrolment.time_zone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.pt_change_schedule(
                client=client,
                by=request.user,
                today=selectors.local_today(client),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Her days were changed; logged sessions were kept."))
            return _back(client)
    services.audit_view(request.user, "schedule page", client=client)
    return render(
        request,
        "tracker/pt_schedule.html",
        {"form": form, "client": client, "enrolment": enrolment},
    )


@pt_required
@require_POST
def unlink(request, client_id):
    client = _client(request, client_id)
    services.pt_unlink(client=client, by=request.user)
    messages.success(
        request, _("%(name)s is no longer linked to you. Her history is kept.") % {"name": client}
    )
    return redirect("home")


@pt_required
@require_GET
def client_csv(request, client_id):
    client = _client(request, client_id)
    services.audit_record(
        actor=request.user, client=client, action=AuditEvent.Action.EXPORT, what="client CSV"
    )
    data = selectors.client_export(client, selectors.local_today(client))
    response = HttpResponse(
        reports.export_csv(data, safety=reports.safety_rows(client)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="prenafit-client-{client.pk}.csv"'
    return response


@pt_required
@require_GET
def client_report(request, client_id):
    """A printable one-page summary for her obstetrician or midwife."""
    client = _client(request, client_id)
    today = selectors.local_today(client)
    services.audit_record(
        actor=request.user, client=client, action=AuditEvent.Action.EXPORT, what="printable report"
    )
    return render(
        request,
        "tracker/pt_report.html",
        {
            "client": client,
            "profile": selectors.pregnancy_of(client),
            "enrolment": selectors.enrolment_of(client),
            "safety": state_of(client),
            "alerts": _with_signs(
                list(Alert.objects.filter(client=client).order_by("-created_at")[:10])
            ),
            "holds": reports.holds_of(client)[:10],
            "today": today,
            **selectors.progress(client, today),
        },
    )


@pt_required
@require_GET
def cohort_csv(request):
    pt = request.user
    deidentify = request.GET.get("deidentify") == "1"
    clients = caseload_selectors.caseload(pt=pt, today=selectors.local_today(pt), sort="name")
    services.audit_record(
        actor=pt,
        client=None,
        clients=clients.values_list("pk", flat=True),  # every client in the export
        action=AuditEvent.Action.EXPORT,
        what="cohort CSV" + (" (de-identified)" if deidentify else ""),
    )
    response = HttpResponse(
        reports.cohort_csv(clients, deidentify=deidentify), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="prenafit-cohort.csv"'
    return response


@pt_required
@require_http_methods(["GET", "POST"])
@once_per_form
def clearance(request, client_id):
    """Record her care provider's clearance: it closes every open screen answer and hold."""
    client = _client(request, client_id)
    form = ClearanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pt_record_clearance(
                client=client,
                by=request.user,
                today=selectors.local_today(client),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Clearance recorded for %(name)s.") % {"name": client})
            return _back(client)
    safety = state_of(client)
    items = [
        i
        for i in selectors.safety_items_for_pt(client, safety)
        if i.kind in CLEARABLE and i.closed_at is None
    ]
    services.audit_view(request.user, "clearance page", client=client)
    return render(
        request,
        "tracker/pt_clearance.html",
        {
            "client": client,
            "screening": selectors.latest_screening(client),
            "safety": safety,
            "items": items,
            "form": form,
        },
    )


@pt_required
@require_POST
@once_per_form
def screening_review(request, client_id):
    """Mark an open relative screen answer, or an item flagged for review, as reviewed."""
    client = _client(request, client_id)
    form = ItemReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a short note on what you reviewed."))
        return _back(client)
    item = get_object_or_404(SafetyItem, pk=form.cleaned_data["item"], client=client)
    try:
        services.item_review(
            item=item,
            by=request.user,
            note=form.cleaned_data["note"],
            today=selectors.local_today(client),
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Marked as reviewed."))
    return _back(client)


@pt_required
@require_POST
def pregnancy_reopen(request, client_id):
    """Undo a "pregnancy ended" recorded by mistake: her program goes on."""
    client = _client(request, client_id)
    try:
        services.pregnancy_reopen(
            client=client, by=request.user, today=selectors.local_today(client)
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("“Pregnancy ended” was undone; her program goes on."))
    return _back(client)
