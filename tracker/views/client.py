"""The client's own pages: pregnancy, screening, enrolment, schedule, sessions."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from programs.selectors import current_version_by_slug
from tracker import selectors, services
from tracker.forms import (
    BirthForm,
    EnrolmentForm,
    PauseForm,
    PregnancyForm,
    RescheduleForm,
    ScheduleForm,
    ScreeningForm,
)
from tracker.gestation import max_heart_rate
from tracker.models import Screening
from tracker.safety import state_of
from users.decorators import client_required


def _apply_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal next to the field it names, or at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


@client_required
@require_http_methods(["GET", "POST"])
def pregnancy_edit(request):
    client = request.user
    profile = selectors.pregnancy_of(client)
    initial = {}
    if profile:
        initial = {"due_date": profile.due_date, "birth_year": profile.birth_year}
        if profile.lmp_date:
            initial = {"lmp_date": profile.lmp_date, "birth_year": profile.birth_year}
    form = PregnancyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.pregnancy_save(
                client=client, today=selectors.local_today(client), **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your pregnancy details were saved."))
            if selectors.latest_screening(client) is None:
                return redirect("tracker:screening")
            return redirect("home")
    return render(request, "tracker/pregnancy_form.html", {"form": form, "profile": profile})


@client_required
@require_http_methods(["GET", "POST"])
def screening(request):
    client = request.user
    questions = selectors.active_screening_questions()
    form = ScreeningForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_submit(
                client=client, answers=form.answers(), today=selectors.local_today(client)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("tracker:screening_result")
    absolute = [form[q.key] for q in form.questions if q.kind == "absolute"]
    relative = [form[q.key] for q in form.questions if q.kind == "relative"]
    return render(
        request,
        "tracker/screening_form.html",
        {"form": form, "absolute": absolute, "relative": relative},
    )


@client_required
def screening_result(request):
    client = request.user
    latest = selectors.latest_screening(client)
    if latest is None:
        return redirect("tracker:screening")
    questions = {q.key: q for q in selectors.active_screening_questions()}
    reasons = [questions[k].text for k in latest.positive_keys if k in questions]
    return render(
        request,
        "tracker/screening_result.html",
        {
            "screening": latest,
            "reasons": reasons,
            "cleared": services.screening_is_cleared(latest),
            "enrolment": selectors.enrolment_of(client),
        },
    )


@client_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    client = request.user
    if selectors.enrolment_of(client) is not None:
        messages.info(request, _("You are already enrolled."))
        return redirect("home")
    if selectors.pregnancy_of(client) is None:
        return redirect("tracker:pregnancy")
    latest = selectors.latest_screening(client)
    if latest is None or latest.result == Screening.Result.BLOCKED:
        return redirect("tracker:screening_result" if latest else "tracker:screening")
    default_version = current_version_by_slug(slug=services.DEFAULT_PROGRAM)
    form = EnrolmentForm(
        request.POST or None,
        default_version=default_version,
        initial={"time_zone": client.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = services.enrolment_create(
                client=client,
                weekdays=data["weekdays"],
                start_time=data["start_time"],
                time_zone=data["time_zone"],
                version=data["version"],
                today=selectors.local_today(client),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            _warn_back_to_back(request, data["weekdays"])
            count = enrolment.sessions.count()
            messages.success(
                request, _("You are enrolled: %(n)d sessions are in your calendar.") % {"n": count}
            )
            return redirect("home")
    return render(request, "tracker/enrol_form.html", {"form": form, "screening": latest})


def _warn_back_to_back(request, weekdays):
    from tracker.schedule import back_to_back_warning

    warning = back_to_back_warning(weekdays)
    if warning:
        messages.warning(request, warning)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@client_required
def week(request):
    client = request.user
    today = selectors.local_today(client)
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today
    monday = _monday(start)
    sessions = selectors.week_sessions(client, monday)
    for session in sessions:
        session.state = selectors.session_state(session, today)
    return render(
        request,
        "tracker/week.html",
        {
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "sessions": sessions,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": today,
        },
    )


@client_required
def calendar(request):
    client = request.user
    today = selectors.local_today(client)
    enrolment = selectors.enrolment_of(client)
    return render(
        request,
        "tracker/calendar.html",
        {"weeks": selectors.calendar_weeks(client, today), "enrolment": enrolment, "today": today},
    )


@client_required
def session_detail(request, session_id):
    client = request.user
    session = selectors.session_for_client(client=client, session_id=session_id)
    today = selectors.local_today(client)
    profile = selectors.pregnancy_of(client)
    max_hr = max_heart_rate(profile.birth_year if profile else None, today)
    return render(
        request,
        "tracker/session_detail.html",
        {
            "session": selectors.session_with_content(session, max_hr),
            "state": selectors.session_state(session, today),
            "max_hr": max_hr,
            "reschedule_form": RescheduleForm(initial={"date": session.date}),
            "today": today,
        },
    )


@client_required
@require_POST
def session_reschedule(request, session_id):
    client = request.user
    session = selectors.session_for_client(client=client, session_id=session_id)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            warnings = services.session_reschedule(
                session=session,
                new_date=form.cleaned_data["date"],
                today=selectors.local_today(client),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            for warning in warnings:
                messages.warning(request, warning)
            messages.success(
                request,
                _("Session moved to %(date)s.")
                % {"date": form.cleaned_data["date"].strftime("%A %d %B")},
            )
    else:
        messages.error(request, _("Enter a valid date."))
    return redirect("tracker:session", session_id=session.pk)


@client_required
@require_http_methods(["GET", "POST"])
def schedule_settings(request):
    client = request.user
    enrolment = selectors.enrolment_of(client)
    if enrolment is None:
        raise Http404("Not enrolled.")
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
            services.schedule_change(
                enrolment=enrolment, today=selectors.local_today(client), **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            _warn_back_to_back(request, form.cleaned_data["weekdays"])
            messages.success(
                request, _("Your schedule was updated. Logged sessions were kept as they are.")
            )
            return redirect("tracker:schedule")
    feed_url = request.build_absolute_uri(f"/calendar/{enrolment.feed_token}.ics")
    return render(
        request,
        "tracker/schedule_settings.html",
        {
            "safety": state_of(client),
            "form": form,
            "enrolment": enrolment,
            "feed_url": feed_url,
            "pause_form": PauseForm(),
            "birth_form": BirthForm(),
        },
    )


def _enrolment_or_404(client):
    enrolment = selectors.enrolment_of(client)
    if enrolment is None:
        raise Http404("Not enrolled.")
    return enrolment


@client_required
@require_POST
def schedule_pause(request):
    client = request.user
    form = PauseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.enrolment_pause(
            enrolment=_enrolment_or_404(client),
            by=client,
            reason=reason,
            today=selectors.local_today(client),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your program is paused. Resume it whenever you are ready."))
    return redirect("tracker:schedule")


@client_required
@require_POST
def schedule_resume(request):
    client = request.user
    try:
        services.enrolment_resume(
            enrolment=_enrolment_or_404(client), by=client, today=selectors.local_today(client)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        safety = state_of(client)
        if not safety.active:
            messages.warning(request, _("The pause is lifted.") + " " + safety.next_step)
        else:
            messages.success(request, _("Welcome back: your sessions are in your calendar again."))
    return redirect("tracker:schedule")


@client_required
@require_http_methods(["GET", "POST"])
def birth(request):
    client = request.user
    profile = selectors.pregnancy_of(client)
    if profile is None:
        raise Http404("No pregnancy recorded.")
    form = BirthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.birth_record(
                client=client,
                birth_date=form.cleaned_data["birth_date"],
                today=selectors.local_today(client),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Congratulations! Your program is complete; later sessions are cancelled."),
            )
            return redirect("home")
    return render(request, "tracker/birth_form.html", {"form": form, "profile": profile})


@client_required
@require_POST
def feed_regenerate(request):
    services.feed_token_regenerate(enrolment=_enrolment_or_404(request.user))
    messages.success(request, _("A new calendar link was made. The old one has stopped working."))
    return redirect("tracker:schedule")
