"""The client's own pages: pregnancy, screening, enrolment, schedule, sessions, and her side
of the safety loop (SAFETY.md): the notice of why her program is not active and what to do
next, her own clearance when she has no PT, "tell my PT I've been seen", the 26-week
re-screen and the end of the pregnancy."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from programs.selectors import current_version_by_slug
from tracker import selectors, services
from tracker.forms import (
    EnrolmentForm,
    PauseForm,
    PregnancyEndForm,
    PregnancyForm,
    RescheduleForm,
    ScheduleForm,
    ScreeningForm,
    SeenForm,
    SelfClearanceForm,
)
from tracker.guided import guided_offered
from tracker.models import Screening
from tracker.safety import state_of
from tracker.services.enrolment import ALREADY_ENROLLED
from users.decorators import client_required
from users.idempotency import once_per_form


def _apply_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal next to the field it names, or at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


def safety_notice(client, safety, today) -> dict:
    """Her notice (`selectors.safety_notice`) with the forms it offers."""
    return {
        **selectors.safety_notice(client, safety),
        "clearance_form": SelfClearanceForm(initial={"cleared_on": today}),
        "seen_form": SeenForm(initial={"seen_on": today}),
    }


@client_required
@require_http_methods(["GET", "POST"])
def pregnancy_edit(request):
    client = request.user
    profile = selectors.pregnancy_of(client)
    initial = {}
    if profile:
        initial = {"due_date": profile.due_date}
        if profile.lmp_date:
            initial = {"lmp_date": profile.lmp_date}
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


def _screen(request, *, kind: str, questions):
    """The screen or the re-screen: an absolute "yes" is saved only after an "are you sure?"
    step (the same answers posted again with `confirm_absolute`). Answers are sticky."""
    client = request.user
    form = ScreeningForm(request.POST or None, questions=questions)
    confirm = []
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_submit(
                client=client,
                answers=form.answers(),
                today=selectors.local_today(client),
                kind=kind,
                confirm_absolute=request.POST.get("confirm_absolute") == "yes",
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "confirm_absolute" in exc.error_dict:
                answers = form.answers()
                confirm = [q for q in form.questions if q.kind == "absolute" and answers[q.key]]
            else:
                _apply_errors(form, exc)
        else:
            return redirect("tracker:screening_result")
    absolute = [form[q.key] for q in form.questions if q.kind == "absolute"]
    relative = [form[q.key] for q in form.questions if q.kind == "relative"]
    return render(
        request,
        "tracker/screening_form.html",
        {
            "form": form,
            "absolute": absolute,
            "relative": relative,
            "confirm": confirm,
            "rescreen": kind == Screening.Kind.RESCREEN,
            "answered_before": selectors.latest_screening(client) is not None,
        },
    )


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
def screening(request):
    return _screen(
        request, kind=Screening.Kind.INITIAL, questions=selectors.active_screening_questions()
    )


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
def rescreen(request):
    """The 26-week re-screen: only the questions marked for it."""
    questions = selectors.active_screening_questions().filter(rescreen=True)
    return _screen(request, kind=Screening.Kind.RESCREEN, questions=questions)


@client_required
def screening_result(request):
    """Her screen as it stands: the open answers decide (answering again never clears an
    earlier yes), with the way forward that is hers."""
    client = request.user
    latest = selectors.latest_screening(client)
    if latest is None:
        return redirect("tracker:screening")
    safety = state_of(client)
    today = selectors.local_today(client)
    notice = safety_notice(client, safety, today)
    screen_rows = [r for r in notice["rows"] if r["kind"] in ("absolute", "relative")]
    return render(
        request,
        "tracker/screening_result.html",
        {
            "screening": latest,
            "safety": safety,
            "notice": notice,
            "absolute": [r for r in screen_rows if r["kind"] == "absolute"],
            "relative": [r for r in screen_rows if r["kind"] == "relative"],
            "enrolment": selectors.enrolment_of(client),
            "today": today,
        },
    )


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
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
            if getattr(exc, "code", None) == ALREADY_ENROLLED:  # e.g. the form sent twice
                messages.info(request, _("You are already enrolled."))
                return redirect("home")
            _apply_errors(form, exc)
        else:
            _warn_back_to_back(request, data["weekdays"])
            count = enrolment.sessions.count()
            first = enrolment.sessions.order_by("date").first()
            text = _("You are enrolled: %(n)d sessions are in your calendar.") % {"n": count}
            if first is not None:  # her first real session, not the first day of week 17
                text += " " + _("The first is on %(date)s.") % {
                    "date": date_format(first.date, _("l j F"))
                }
            messages.success(request, text)
            return redirect("home")
    return render(request, "tracker/enrol_form.html", {"form": form, "screening": latest})


def _warn_back_to_back(request, weekdays):
    from tracker.schedule import back_to_back_warning

    warning = back_to_back_warning(weekdays)
    if warning:
        messages.warning(request, warning)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


ERR_WEEK_OUT_OF_RANGE = gettext_lazy(
    "There is no week to show before or after that date: here is this week."
)


def _week_around(day: date) -> tuple[date, date, date]:
    """Its Monday, and the Mondays before and after (OverflowError at the calendar's ends)."""
    monday = _monday(day)
    return monday, monday - timedelta(days=7), monday + timedelta(days=7)


@client_required
def week(request):
    """Her week from `?start=` (any day of it; today's week when missing or not a date). A
    date at either end of the calendar (no week before or after it) answers 400 with this
    week and a message."""
    client = request.user
    today = selectors.local_today(client)
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today
    status = 200
    try:
        monday, previous, following = _week_around(start)
    except OverflowError:
        messages.error(request, ERR_WEEK_OUT_OF_RANGE)
        status = 400
        monday, previous, following = _week_around(today)
    sessions = selectors.week_sessions(client, monday)
    safety = state_of(client)
    held = selectors.on_hold(safety)
    for session in sessions:
        session.state = selectors.session_state(session, today, on_hold=held)
        session.offered = guided_offered(session, today, active=safety.active)
    return render(
        request,
        "tracker/week.html",
        {
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "sessions": sessions,
            "previous": previous,
            "next": following,
            "today": today,
            "safety": safety,
            "on_hold": held,
        },
        status=status,
    )


@client_required
def calendar(request):
    client = request.user
    today = selectors.local_today(client)
    enrolment = selectors.enrolment_of(client)
    safety = state_of(client)
    return render(
        request,
        "tracker/calendar.html",
        {
            "weeks": selectors.calendar_weeks(client, today, safety),
            "enrolment": enrolment,
            "today": today,
            "safety": safety,
            "on_hold": selectors.on_hold(safety),
        },
    )


@client_required
def session_detail(request, session_id):
    client = request.user
    session = selectors.session_for_client(client=client, session_id=session_id)
    today = selectors.local_today(client)
    safety = state_of(client)
    return render(
        request,
        "tracker/session_detail.html",
        {
            "session": selectors.session_with_content(session),
            "state": selectors.session_state(session, today, on_hold=selectors.on_hold(safety)),
            "offered": guided_offered(session, today, active=safety.active),
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
                % {"date": date_format(form.cleaned_data["date"], _("l j F"))},
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
        raise Http404(_("Not enrolled."))
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
    safety = state_of(client)
    return render(
        request,
        "tracker/schedule_settings.html",
        {
            "safety": safety,
            "notice": safety_notice(client, safety, selectors.local_today(client)),
            "form": form,
            "enrolment": enrolment,
            "feed_url": feed_url,
            "pause_form": PauseForm(),
        },
    )


def _enrolment_or_404(client):
    enrolment = selectors.enrolment_of(client)
    if enrolment is None:
        raise Http404(_("Not enrolled."))
    return enrolment


@client_required
@require_POST
@once_per_form
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
    return _back(request, "tracker:schedule")


def _back(request, default: str):
    """Back to home when the form came from there, else to `default` (no open redirect)."""
    return redirect("home" if request.POST.get("next") == "home" else default)


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
def pregnancy_end(request):
    """ "My baby was born" or "my pregnancy has ended", then an "are you sure?" step (the same
    answers posted again with `confirm`). The ended path is neutral and brief."""
    return _pregnancy_end(request, outcome=request.GET.get("outcome", ""))


@client_required
@require_http_methods(["GET", "POST"])
@once_per_form
def birth(request):
    """The birth path of the end page (its old URL keeps working)."""
    return _pregnancy_end(request, outcome="birth")


def _pregnancy_end(request, *, outcome: str):
    client = request.user
    profile = selectors.pregnancy_of(client)
    if profile is None:
        raise Http404(_("No pregnancy recorded."))
    today = selectors.local_today(client)
    initial = {"outcome": outcome} if outcome in ("birth", "ended") else {}
    form = PregnancyEndForm(request.POST or None, initial=initial)
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        confirmed = request.POST.get("confirm") == "yes"
        try:
            services.pregnancy_end(
                client=client,
                outcome=data["outcome"],
                on=data["date"],
                confirm=confirmed,
                by=client,
                today=today,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and set(exc.error_dict) == {"confirm"}:
                confirming = True  # the "are you sure?" step
            elif hasattr(exc, "error_dict") and "birth_date" in exc.error_dict:
                form.add_error("date", exc.error_dict["birth_date"][0].messages)
            else:
                _apply_errors(form, exc)
        else:
            if data["outcome"] == "ended":
                messages.info(
                    request, _("Recorded. Your program has ended and nothing more is planned.")
                )
            else:
                messages.success(
                    request,
                    _(
                        "The birth is recorded and your program is complete; later sessions "
                        "are cancelled. Thank you for taking part, and take good care of "
                        "yourself."
                    ),
                )
            return redirect("home")
    return render(
        request,
        "tracker/pregnancy_end.html",
        {
            "form": form,
            "profile": profile,
            "confirming": confirming,
            "safety": state_of(client, profile=profile),
            "today": today,
        },
    )


# --- her way forward when she is not active (SAFETY.md section 3) --------------------------


@client_required
@require_POST
@once_per_form
def safety_clearance(request):
    """Without a PT she records her own care provider's clearance (self-reported): for
    relative items and holds opened while she had no PT, never for an absolute item."""
    client = request.user
    form = SelfClearanceForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("home")
    data = form.cleaned_data
    try:
        services.clearance_record(
            client=client,
            recorded_by=client,
            provider=data["provider"],
            note=data["note"],
            cleared_on=data["cleared_on"],
            today=selectors.local_today(client),
        )
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return redirect("home")
    safety = state_of(client)
    done = _("Your care provider's clearance is recorded (self-reported).")
    if safety.active:
        messages.success(request, done + " " + _("Your sessions go on as planned."))
    else:
        messages.warning(request, done + " " + safety.next_step)
    return redirect("home")


@client_required
@require_POST
@once_per_form
def safety_seen(request):
    """She tells her PT she has been seen by her care provider (an in-app message)."""
    client = request.user
    form = SeenForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("home")
    try:
        notice = services.seen_tell_pt(
            client=client,
            provider=form.cleaned_data["provider"],
            seen_on=form.cleaned_data["seen_on"],
            today=selectors.local_today(client),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Your PT %(name)s has been told in Prenafit. They will review your program.")
            % {"name": notice.recipient},
        )
    return redirect("home")


@client_required
@require_POST
def feed_regenerate(request):
    services.feed_token_regenerate(enrolment=_enrolment_or_404(request.user))
    messages.success(request, _("A new calendar link was made. The old one has stopped working."))
    return redirect("tracker:schedule")
