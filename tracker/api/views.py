"""API views: parse, check access, call one service or selector, serialize."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Max, Min
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.validators import single_line
from programs.selectors import current_version_by_slug
from users.idempotency import idempotent
from users.services import user_time_zone_set

from .. import selectors, services
from ..caseload import caseload, rows
from ..gestation import gestational_age
from ..models import (
    Alert,
    AuditEvent,
    Notification,
    PTNote,
    SafetyItem,
    ScreeningQuestion,
    SessionLog,
)
from ..my_data import SECTIONS
from ..safety import (
    can_self_clear,
    closes_by,
    screen_result,
    sign_labels,
    state_of,
)
from ..schedule import WEEKDAY_KEYS, back_to_back_warning
from ..services import ExerciseInput, LogInput
from . import serializers as s
from .base import ClientAPIView, PTAPIView, call_service
from .corrections import LogDetailSerializer

# Refusals, as documented in the schema.
REFUSED_400 = OpenApiResponse(description="Refused: the reasons, next to the fields.")
REFUSED_403 = OpenApiResponse(s.DetailSerializer, description="Not yours to do: `detail` says why.")
NOT_FOUND = OpenApiResponse(s.DetailSerializer, description="Not found (or not yours).")
# Under /clients/{client_id}/: JSON `detail` for a client who is not yours; an id that is not a
# number matches no URL at all (the site's plain 404 page).
NOT_YOUR_CLIENT = OpenApiResponse(description="Not one of your clients (or no such id).")

# --- the client's own data --------------------------------------------------------------


def _profile_data(user) -> dict:
    profile = selectors.pregnancy_of(user)
    today = selectors.local_today(user)
    ga = gestational_age(profile.due_date, today) if profile else None
    return {
        "email": user.email,
        "full_name": user.full_name,
        "due_date": profile.due_date if profile else None,
        "lmp_date": profile.lmp_date if profile else None,
        "time_zone": user.time_zone,
        "birth_date": profile.birth_date if profile else None,
        "gestational_age": {"weeks": ga.weeks, "days": ga.days} if ga else None,
    }


class MeView(ClientAPIView):
    @extend_schema(responses=s.ProfileSerializer, summary="Your profile and gestational age")
    def get(self, request):
        return Response(s.ProfileSerializer(_profile_data(request.user)).data)

    @extend_schema(
        request=s.ProfileSerializer, responses=s.ProfileSerializer, summary="Update your profile"
    )
    def patch(self, request):
        data = s.ProfileSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        if "time_zone" in values:
            user_time_zone_set(user=user, time_zone=values["time_zone"])
        dates = {k: values[k] for k in ("due_date", "lmp_date") if k in values}
        if dates:
            profile = selectors.pregnancy_of(user)
            current = {
                "due_date": None
                if "lmp_date" in dates and dates["lmp_date"]
                else (profile.due_date if profile else None),
                "lmp_date": None,
            }
            current.update(dates)
            if current.get("lmp_date"):
                current["due_date"] = None
            services.pregnancy_save(client=user, today=selectors.local_today(user), **current)
        return Response(s.ProfileSerializer(_profile_data(user)).data)


def _screening_result(screening) -> dict | None:
    """Her latest screen, judged by her open screen answers: answers are sticky, so a later
    all-no screen does not hide an earlier yes that is still open."""
    if screening is None:
        return None
    state = state_of(screening.client)
    answers = [
        i for i in state.items if i.kind in (SafetyItem.Kind.ABSOLUTE, SafetyItem.Kind.RELATIVE)
    ]
    texts = dict(ScreeningQuestion.objects.values_list("key", "text"))
    return {
        "result": screen_result(answers),
        "state": state.state,
        "cleared_by_provider": screening.clearances.exists(),
        "submitted_at": screening.submitted_at,
        "reasons": [texts.get(i.question_key, i.question_key) for i in answers],
    }


class ScreeningView(ClientAPIView):
    @extend_schema(
        responses=s.ScreeningSerializer, summary="The safety screen and your latest result"
    )
    def get(self, request):
        questions = [
            {"key": q.key, "text": q.text, "kind": q.kind, "rescreen": q.rescreen}
            for q in selectors.active_screening_questions()
        ]
        latest = _screening_result(selectors.latest_screening(request.user))
        return Response(s.ScreeningSerializer({"questions": questions, "latest": latest}).data)

    @extend_schema(
        request=s.ScreeningAnswersSerializer,
        responses={201: s.ScreeningResultSerializer, 400: None},
        summary="Answer the safety screen (every key, true or false)",
    )
    @idempotent
    def post(self, request):
        data = s.ScreeningAnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        screening = services.screening_submit(
            client=request.user,
            answers=data.validated_data["answers"],
            kind=data.validated_data["kind"],
            today=selectors.local_today(request.user),
        )
        return Response(
            s.ScreeningResultSerializer(_screening_result(screening)).data,
            status=status.HTTP_201_CREATED,
        )


def _enrolment_summary(enrolment, client) -> dict:
    span = enrolment.sessions.aggregate(first=Min("date"), last=Max("date"))
    warning = back_to_back_warning(enrolment.weekdays)
    state = state_of(client).state
    return {
        "status": state,
        "state": state,
        "program": enrolment.program_version.program.slug,
        "version": enrolment.program_version.number,
        "weekdays": [WEEKDAY_KEYS[day] for day in sorted(enrolment.weekdays)],
        "start_time": enrolment.start_time,
        "time_zone": enrolment.time_zone,
        "first_session": span["first"],
        "last_session": span["last"],
        "count": enrolment.sessions.count(),
        "warnings": [warning] if warning else [],
    }


class EnrolmentView(ClientAPIView):
    @extend_schema(
        responses={200: s.EnrolmentSummarySerializer, 404: NOT_FOUND},
        summary="Your enrolment: its derived state (`state`, also as `status`), weekdays, start "
        "time, time zone and sessions",
    )
    def get(self, request):
        enrolment = selectors.enrolment_of(request.user)
        if enrolment is None:
            raise Http404(gettext("You are not enrolled."))
        return Response(
            s.EnrolmentSummarySerializer(_enrolment_summary(enrolment, request.user)).data
        )

    @extend_schema(
        request=s.EnrolmentRequestSerializer,
        responses={
            201: s.EnrolmentSummarySerializer,
            400: None,
            409: OpenApiResponse(s.DetailSerializer, description="You are already enrolled."),
        },
        summary="Enrol: three weekdays, a start time and your time zone",
    )
    @idempotent
    def post(self, request):
        data = s.EnrolmentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        version = None
        if values.get("program"):
            version = current_version_by_slug(slug=values["program"])
            if version is None:
                raise DjangoValidationError(
                    {"program": gettext("No published program with this slug.")}
                )
        # Already enrolled (also when two POSTs race) answers 409 (config.api_contract).
        enrolment = services.enrolment_create(
            client=request.user,
            weekdays=values["weekdays"],
            start_time=values["start_time"],
            time_zone=values["time_zone"],
            version=version,
            today=selectors.local_today(request.user),
        )
        summary = _enrolment_summary(enrolment, request.user)
        return Response(s.EnrolmentSummarySerializer(summary).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ScheduleChangeSerializer,
        responses={
            200: s.EnrolmentSummarySerializer,
            404: OpenApiResponse(description="You are not enrolled."),
        },
        summary="Change your weekdays, start time or time zone (any of them): future sessions "
        "move, logged sessions are kept; a back-to-back choice is allowed, with a `warnings` line",
    )
    def patch(self, request):
        # The web's schedule page (tracker.views.client.schedule_settings), the same service.
        enrolment = selectors.enrolment_of(request.user)
        if enrolment is None:
            raise Http404(gettext("You are not enrolled."))
        data = s.ScheduleChangeSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = {
            "weekdays": enrolment.weekdays,
            "start_time": enrolment.start_time,
            "time_zone": enrolment.time_zone,
        }
        enrolment = call_service(
            services.schedule_change,
            enrolment=enrolment,
            today=selectors.local_today(request.user),
            **(current | data.validated_data),
        )
        return Response(
            s.EnrolmentSummarySerializer(_enrolment_summary(enrolment, request.user)).data
        )


class SessionList(ClientAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
        ],
        responses=s.SessionSerializer(many=True),
        summary="Your sessions, optionally between two dates",
    )
    def get(self, request):
        sessions = selectors.sessions_of(request.user)
        start = s.parse_date_param(request.query_params.get("from"))
        end = s.parse_date_param(request.query_params.get("to"))
        if start:
            sessions = sessions.filter(date__gte=start)
        if end:
            sessions = sessions.filter(date__lte=end)
        context = {"today": selectors.local_today(request.user)}
        return Response(s.SessionSerializer(sessions, many=True, context=context).data)


class SessionDetail(ClientAPIView):
    @extend_schema(
        responses=s.SessionDetailSerializer, summary="One session with its blocks and prescriptions"
    )
    def get(self, request, session_id):
        session = selectors.session_for_client(client=request.user, session_id=session_id)
        session = selectors.session_with_content(session)
        context = {"today": selectors.local_today(request.user)}
        return Response(s.SessionDetailSerializer(session, context=context).data)


class SessionReschedule(ClientAPIView):
    @extend_schema(
        request=s.RescheduleSerializer,
        responses={200: s.SessionSerializer, 400: None},
        summary="Move a session",
    )
    @idempotent
    def post(self, request, session_id):
        session = selectors.session_for_client(client=request.user, session_id=session_id)
        data = s.RescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        today = selectors.local_today(request.user)
        services.session_reschedule(
            session=session, new_date=data.validated_data["date"], today=today
        )
        session = selectors.session_for_client(client=request.user, session_id=session_id)
        return Response(s.SessionSerializer(session, context={"today": today}).data)


def _log_input(values) -> LogInput:
    return LogInput(
        status=values["status"],
        performed_on=values["performed_on"],
        skip_reason=values.get("skip_reason") or "",
        minutes=values.get("minutes") or 0,
        rpe=values.get("rpe"),
        avg_heart_rate=values.get("avg_heart_rate"),
        notes=values.get("notes") or "",
        warning_signs=list(values.get("warning_signs") or []),
        exercises=[
            ExerciseInput(
                prescription_id=line["prescription"],
                done=line.get("done", False),
                sets_done=line.get("sets_done"),
                load_used=line.get("load_used") or "",
                too_hard=line.get("too_hard", False),
            )
            for line in values.get("exercises") or []
        ],
    )


class SessionLogCreate(ClientAPIView):
    request_serializer = s.SessionLogRequestSerializer

    @extend_schema(
        request=s.SessionLogRequestSerializer,
        responses={201: s.LogResultSerializer, 400: None},
        summary="Log a scheduled session (a warning sign gives stop: true and `safety`: the hold "
        "and who was told; `performed_on` defaults to the session's date)",
    )
    @idempotent
    def post(self, request, session_id):
        session = selectors.session_for_client(client=request.user, session_id=session_id)
        return self._record(request, session)

    def _record(self, request, session):
        data = self.request_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        today = selectors.local_today(request.user)
        values = data.validated_data
        if session is not None and "performed_on" not in values:
            # The web form's date: the session's, or today for one done before its day.
            values["performed_on"] = min(session.date, today)
        log = services.session_log_record(
            client=request.user,
            session=session,
            data=_log_input(values),
            today=today,
        )
        return Response(s.LogResultSerializer(log).data, status=status.HTTP_201_CREATED)


class ExtraLogCreate(SessionLogCreate):
    request_serializer = s.LogRequestSerializer  # her own date: a phone may send it days later

    @extend_schema(
        responses=LogDetailSerializer(many=True),
        summary="Your session logs, newest first, as the web's history: each with its "
        "checklist, until when you may correct it (`locked` says why not) and its earlier "
        "versions; a log you withdrew stays, with `withdrawn_at`",
    )
    def get(self, request):
        return Response(LogDetailSerializer(selectors.logs_of(request.user), many=True).data)

    @extend_schema(
        request=s.LogRequestSerializer,
        responses={201: s.LogResultSerializer, 400: None},
        summary="Log an extra session that was not scheduled",
    )
    @idempotent
    def post(self, request):
        return self._record(request, None)


class AssessmentListCreate(ClientAPIView):
    @extend_schema(responses=s.AssessmentSerializer(many=True), summary="Your check-ins")
    def get(self, request):
        return Response(
            s.AssessmentSerializer(selectors.assessments_of(request.user), many=True).data
        )

    @extend_schema(
        request=s.AssessmentRequestSerializer,
        responses={201: s.AssessmentResultSerializer, 400: None},
        summary="Record a pain and disability check-in (a red flag gives `safety`: the hold and "
        "who was told)",
    )
    @idempotent
    def post(self, request):
        data = s.AssessmentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_record(
            client=request.user,
            today=selectors.local_today(request.user),
            **data.validated_data,
        )
        return Response(
            s.AssessmentResultSerializer(assessment).data, status=status.HTTP_201_CREATED
        )


def _progress_data(user) -> dict:
    data = selectors.progress(user, selectors.local_today(user))
    overall = data["adherence"]
    return {
        "adherence": {
            "attended": overall.attended,
            "scheduled": overall.scheduled,
            "percent": overall.percent,
            "threshold": overall.threshold,
            "adherent": overall.adherent,
        },
        "adherence_by_week": [
            {"week": w, "attended": a.attended, "scheduled": a.scheduled, "percent": a.percent}
            for w, a in data["adherence_by_week"]
        ],
        "minutes_by_week": [{"week": w, "minutes": m} for w, m in data["minutes_by_week"]],
        "weekly_minutes_target": data["weekly_target"],
        "change_from_baseline": data["changes"],
    }


class ProgressView(ClientAPIView):
    @extend_schema(
        responses=s.ProgressSerializer, summary="Adherence, weekly minutes and change from baseline"
    )
    def get(self, request):
        return Response(s.ProgressSerializer(_progress_data(request.user)).data)


class NotificationList(APIView):
    """Any logged-in user's own notifications."""

    @extend_schema(
        responses=s.NotificationSerializer(many=True), summary="Your notifications, newest first"
    )
    def get(self, request):
        notices = list(
            Notification.objects.filter(recipient=request.user).select_related("alert")[:100]
        )
        services.audit_notices_view(request.user, notices, what="API: notifications")
        return Response(s.NotificationSerializer(notices, many=True).data)


class NotificationRead(APIView):
    @extend_schema(
        request=None, responses=s.NotificationSerializer, summary="Mark a notification read"
    )
    @idempotent
    def post(self, request, notification_id):
        notice = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
        return Response(s.NotificationSerializer(notice).data)


class ExportView(ClientAPIView):
    @extend_schema(
        responses=inline_serializer(
            "Export", {key: serializers.JSONField(allow_null=True) for key in SECTIONS}
        ),
        summary="All your data (the same document as /me/export.json): every row about you "
        "but your PT's private notes",
    )
    def get(self, request):
        return Response(selectors.client_export(request.user, selectors.local_today(request.user)))


# --- a PT's linked clients --------------------------------------------------------------


class ClientList(PTAPIView):
    pagination = PageNumberPagination()

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("show", str, enum=["all", "alerts", "below", "t1", "t2", "t3"]),
            OpenApiParameter("sort", str),
            OpenApiParameter("page", int),
        ],
        responses=inline_serializer(
            "PaginatedCaseloadRows",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": s.CaseloadRowSerializer(many=True),
            },
        ),
        summary="Your clients, as on the dashboard (open alerts first), 50 a page",
        operation_id="clients_list",
    )
    def get(self, request):
        today = selectors.local_today(request.user)
        q = request.query_params.get("q", "")[:100]
        try:
            single_line(q)  # a NUL would reach PostgreSQL
        except DjangoValidationError as exc:
            raise ApiValidationError({"q": exc.messages}) from exc
        clients = caseload(
            pt=request.user,
            today=today,
            q=q,
            show=request.query_params.get("show", "all"),
            sort=request.query_params.get("sort", "alerts"),
        )
        page = self.pagination.paginate_queryset(clients, request, view=self)
        services.audit_view(request.user, "API: client list", clients=[c.pk for c in page])
        return self.pagination.get_paginated_response(
            s.CaseloadRowSerializer(rows(page, today), many=True).data
        )


def _audit(request, client, what, action=AuditEvent.Action.VIEW):
    services.audit_record(actor=request.user, client=client, action=action, what=f"API: {what}")


class ClientDetail(PTAPIView):
    @extend_schema(
        responses=s.ProfileSerializer, summary="A linked client's profile and gestational age"
    )
    def get(self, request, client_id):
        client = self.client()
        _audit(request, client, "profile")
        return Response(s.ProfileSerializer(_profile_data(client)).data)


class ClientSessions(PTAPIView):
    @extend_schema(responses=s.SessionSerializer(many=True), summary="A linked client's sessions")
    def get(self, request, client_id):
        client = self.client()
        _audit(request, client, "sessions")
        context = {"today": selectors.local_today(client)}
        return Response(
            s.SessionSerializer(selectors.sessions_of(client), many=True, context=context).data
        )


class ClientAssessments(PTAPIView):
    @extend_schema(
        responses=s.AssessmentSerializer(many=True), summary="A linked client's check-ins"
    )
    def get(self, request, client_id):
        client = self.client()
        _audit(request, client, "assessments")
        return Response(s.AssessmentSerializer(selectors.assessments_of(client), many=True).data)


class ClientAlerts(PTAPIView):
    @extend_schema(responses=s.AlertSerializer(many=True), summary="A linked client's alerts")
    def get(self, request, client_id):
        client = self.client()
        _audit(request, client, "alerts")
        alerts = Alert.objects.filter(client=client).select_related("acknowledged_by", "pt")
        return Response(s.AlertSerializer(alerts, many=True).data)


class ClientLogs(PTAPIView):
    @extend_schema(
        responses={200: s.LogSerializer(many=True), 404: NOT_YOUR_CLIENT},
        summary="A linked client's session logs, newest first (an alert's `log_id` is here; a "
        "log she withdrew stays, with `withdrawn_at`)",
    )
    def get(self, request, client_id):
        client = self.client()
        _audit(request, client, "logs")
        logs = SessionLog.objects.filter(client=client).order_by("-performed_on", "-pk")
        return Response(s.LogSerializer(logs, many=True).data)


class ClientAlertAcknowledge(PTAPIView):
    @extend_schema(
        request=None, responses={200: s.AlertSerializer, 400: None}, summary="Acknowledge an alert"
    )
    @idempotent
    def post(self, request, client_id, alert_id):
        client = self.client()
        alert = get_object_or_404(Alert, pk=alert_id, client=client)
        alert = services.alert_acknowledge(alert=alert, by=request.user)
        return Response(s.AlertSerializer(alert).data)


class ClientNotes(PTAPIView):
    @extend_schema(
        responses=s.NoteSerializer(many=True), summary="Notes on a linked client (PTs only)"
    )
    def get(self, request, client_id):
        client = self.client()
        _audit(request, client, "notes")
        return Response(
            s.NoteSerializer(
                PTNote.objects.filter(client=client).select_related("author"), many=True
            ).data
        )

    @extend_schema(
        request=s.NoteSerializer, responses={201: s.NoteSerializer, 400: None}, summary="Add a note"
    )
    @idempotent
    def post(self, request, client_id):
        client = self.client()
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_add(
            client=client, author=request.user, text=data.validated_data["text"]
        )
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


# --- the safety loop (SAFETY.md): her state, clearance, pause, end of pregnancy --------------


def _item_data(item, *, texts: dict, has_pt: bool) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "opened": item.opened_at,
        "question_key": item.question_key,
        "question": texts.get(item.question_key) if item.question_key else None,
        "signs": list(item.signs or []),
        "sign_labels": sign_labels(item.signs or []),
        "reason": item.reason,
        "needs_review": item.needs_review,
        "closes_by": closes_by(item),
        "self_clearable": can_self_clear(item, has_pt=has_pt),
    }


def _question_texts(items) -> dict:
    keys = [i.question_key for i in items if i.question_key]
    if not keys:
        return {}
    return dict(ScreeningQuestion.objects.filter(key__in=keys).values_list("key", "text"))


def _safety_data(client) -> dict:
    """Her derived state (`tracker.safety.state_of`), her open items and what to do next."""
    state = state_of(client)
    texts = _question_texts(state.items)
    has_pt = state.pt is not None
    return {
        "state": state.state,
        "label": state.label,
        "next_step": state.next_step,
        "pt": str(state.pt) if has_pt else None,
        "items": [_item_data(i, texts=texts, has_pt=has_pt) for i in state.items],
    }


def _state_response(client, code=status.HTTP_200_OK) -> Response:
    return Response(s.SafetyStateSerializer(_safety_data(client)).data, status=code)


def _clearance_response(clearance, client) -> Response:
    data = {"clearance": clearance, "safety": _safety_data(client)}
    return Response(s.ClearanceResultSerializer(data).data, status=status.HTTP_201_CREATED)


class MeSafetyView(ClientAPIView):
    @extend_schema(
        responses={200: s.SafetyStateSerializer, 404: NOT_FOUND},
        summary="Your program's safety state, your open safety items and what to do next",
    )
    def get(self, request):
        return _state_response(request.user)


class MeClearanceView(ClientAPIView):
    @extend_schema(
        request=s.ClearanceRequestSerializer,
        responses={
            201: s.ClearanceResultSerializer,
            400: REFUSED_400,
            403: REFUSED_403,
            404: NOT_FOUND,
        },
        summary="Record your own care provider's clearance (self-reported; only without a PT, "
        "never for an absolute answer)",
    )
    @idempotent
    def post(self, request):
        data = s.ClearanceRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        clearance = call_service(
            services.clearance_record,
            client=request.user,
            recorded_by=request.user,
            provider=values["provider"],
            note=values["note"],
            cleared_on=values["cleared_on"],
            today=selectors.local_today(request.user),
        )
        return _clearance_response(clearance, request.user)


class MeSeenView(ClientAPIView):
    @extend_schema(
        request=s.SeenRequestSerializer,
        responses={201: s.SeenResultSerializer, 400: REFUSED_400, 404: NOT_FOUND},
        summary="Tell your PT you have been seen by your care provider",
    )
    @idempotent
    def post(self, request):
        data = s.SeenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        notice = call_service(
            services.seen_tell_pt,
            client=request.user,
            provider=values["provider"],
            seen_on=values["seen_on"],
            today=selectors.local_today(request.user),
        )
        result = {
            "told": str(notice.recipient),
            "provider": values["provider"].strip(),
            "seen_on": values["seen_on"],
        }
        return Response(s.SeenResultSerializer(result).data, status=status.HTTP_201_CREATED)


class MePauseView(ClientAPIView):
    @extend_schema(
        request=s.PauseRequestSerializer,
        responses={200: s.SafetyStateSerializer, 400: REFUSED_400, 404: NOT_FOUND},
        summary="Pause your program (holiday, illness): later sessions and reminders stop",
    )
    @idempotent
    def post(self, request):
        data = s.PauseRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_service(
            services.pause_open,
            client=request.user,
            by=request.user,
            reason=data.validated_data["reason"],
            today=selectors.local_today(request.user),
        )
        return _state_response(request.user)


class MeResumeView(ClientAPIView):
    @extend_schema(
        request=None,
        responses={
            200: s.SafetyStateSerializer,
            400: REFUSED_400,
            403: REFUSED_403,
            404: NOT_FOUND,
        },
        summary="Resume your paused program (403 when the pause or a hold is not yours to lift)",
    )
    @idempotent
    def post(self, request):
        # The service refuses (403) a pause or a hold that is not hers to lift.
        call_service(
            services.pause_lift,
            client=request.user,
            by=request.user,
            today=selectors.local_today(request.user),
        )
        return _state_response(request.user)


class MePregnancyEndView(ClientAPIView):
    @extend_schema(
        request=s.PregnancyEndRequestSerializer,
        responses={201: s.SafetyStateSerializer, 400: REFUSED_400, 404: NOT_FOUND},
        summary="“My baby was born” or “my pregnancy has ended” (confirm: true): every later "
        "session and reminder stops",
    )
    @idempotent
    def post(self, request):
        data = s.PregnancyEndRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            call_service(
                services.pregnancy_end,
                client=request.user,
                outcome=values["outcome"],
                on=values["date"],
                confirm=values["confirm"],
                by=request.user,
                today=selectors.local_today(request.user),
            )
        except ApiValidationError as exc:
            # The birth's date is `birth_date` in the service, `date` here.
            if isinstance(exc.detail, dict) and "birth_date" in exc.detail:
                exc.detail["date"] = exc.detail.pop("birth_date")
            raise
        return _state_response(request.user, status.HTTP_201_CREATED)


# --- her PT's safety actions -------------------------------------------------------------


class ClientClearanceView(PTAPIView):
    @extend_schema(
        request=s.ClearanceRequestSerializer,
        responses={
            201: s.ClearanceResultSerializer,
            400: REFUSED_400,
            403: REFUSED_403,
            404: NOT_YOUR_CLIENT,
        },
        summary="Record her care provider's clearance: closes her screen answers and holds",
    )
    @idempotent
    def post(self, request, client_id):
        client = self.client()
        data = s.ClearanceRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        clearance = call_service(
            services.pt_record_clearance,
            client=client,
            by=request.user,
            provider=values["provider"],
            note=values["note"],
            cleared_on=values["cleared_on"],
            today=selectors.local_today(client),
        )
        return _clearance_response(clearance, client)


class ClientScreeningReviewView(PTAPIView):
    @extend_schema(
        request=s.ReviewRequestSerializer,
        responses={
            200: s.ReviewResultSerializer,
            400: REFUSED_400,
            403: REFUSED_403,
            404: NOT_YOUR_CLIENT,
        },
        summary="Review a screen answer with a note: closes an open relative answer, or clears "
        "an answer's review flag",
    )
    @idempotent
    def post(self, request, client_id):
        client = self.client()
        data = s.ReviewRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = get_object_or_404(SafetyItem, pk=values["item"], client=client)
        item = call_service(
            services.item_review,
            item=item,
            by=request.user,
            note=values["note"],
            today=selectors.local_today(client),
        )
        state = state_of(client)
        result = {
            "item": _item_data(item, texts=_question_texts([item]), has_pt=state.pt is not None),
            "safety": _safety_data(client),
        }
        return Response(s.ReviewResultSerializer(result).data)


class ClientPauseView(PTAPIView):
    @extend_schema(
        request=s.PauseRequestSerializer,
        responses={200: s.SafetyStateSerializer, 400: REFUSED_400, 404: NOT_YOUR_CLIENT},
        summary="Pause her program: only you (or an admin) can then resume it",
    )
    @idempotent
    def post(self, request, client_id):
        client = self.client()
        data = s.PauseRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_service(
            services.pt_pause,
            client=client,
            by=request.user,
            reason=data.validated_data["reason"],
            today=selectors.local_today(client),
        )
        return _state_response(client)


class ClientResumeView(PTAPIView):
    @extend_schema(
        request=None,
        responses={200: s.SafetyStateSerializer, 400: REFUSED_400, 404: NOT_YOUR_CLIENT},
        summary="Resume her paused program (a hold needs a clearance instead)",
    )
    @idempotent
    def post(self, request, client_id):
        client = self.client()
        call_service(
            services.pt_resume, client=client, by=request.user, today=selectors.local_today(client)
        )
        return _state_response(client)


class ClientPregnancyReopenView(PTAPIView):
    @extend_schema(
        request=None,
        responses={200: s.SafetyStateSerializer, 400: REFUSED_400, 404: NOT_YOUR_CLIENT},
        summary="Undo “my pregnancy has ended” recorded by mistake: her program goes on",
    )
    @idempotent
    def post(self, request, client_id):
        client = self.client()
        call_service(
            services.pregnancy_reopen,
            client=client,
            by=request.user,
            today=selectors.local_today(client),
        )
        return _state_response(client)
