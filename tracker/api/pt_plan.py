"""A PT's changes to a linked client's plan, and her exports, through the API: the web's
pages (tracker/views/pt.py: swap, schedule, client_csv, cohort_csv) on the same services,
selectors, writers, messages and audit rows. Anyone but an approved PT, and a PT on a client
who is not hers, gets 404."""

from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.validators import single_line
from programs.models import Exercise
from users.idempotency import idempotent
from users.serializers import StrictFields
from users.timezones import is_valid_time_zone

from .. import reports, selectors, services
from ..caseload import caseload
from ..models import AuditEvent, ExerciseSwap
from ..schedule import ERR_THREE_DAYS, WEEKDAY_KEYS, back_to_back_warning
from ..services.review import ERR_NOT_ENROLLED, ERR_NOT_IN_PLAN
from .base import PTAPIView
from .serializers import ERR_TIME_ZONE, HourMinuteField

ERR_NO_SUCH_EXERCISE = _(
    "There is no exercise with this slug in the library. Choose one of the alternatives offered."
)

# --- serializers ----------------------------------------------------------------------------


class ExerciseRefSerializer(serializers.ModelSerializer):
    """An exercise, by its slug (the whole entry is at /api/v1/exercises/)."""

    # Plain text here: the enum is documented once, on /api/v1/exercises/.
    kind = serializers.CharField(help_text="aerobic, resistance, pelvic_floor, mobility, …")

    class Meta:
        model = Exercise
        fields = ["slug", "name", "kind", "body_region", "equipment", "supine"]


class SwapSerializer(serializers.ModelSerializer):
    original = ExerciseRefSerializer()
    replacement = ExerciseRefSerializer()
    by = serializers.SerializerMethodField(help_text="The PT who made the swap.")
    created = serializers.DateTimeField(source="created_at")
    ended = serializers.DateTimeField(
        source="ended_at",
        allow_null=True,
        help_text="When a later swap of the same exercise replaced this one (null: in force).",
    )
    from_date = serializers.DateField(help_text="Her sessions from this day on show it.")

    class Meta:
        model = ExerciseSwap
        fields = ["id", "original", "replacement", "reason", "from_date", "by", "created", "ended"]

    def get_by(self, swap) -> str | None:
        return str(swap.created_by) if swap.created_by_id else None


class PlanExerciseSerializer(ExerciseRefSerializer):
    alternatives = ExerciseRefSerializer(
        many=True,
        help_text="What may be swapped in from tomorrow (the web form's choices), closest first.",
    )
    swapped_for = ExerciseRefSerializer(
        allow_null=True, help_text="The replacement in force, if she has one."
    )

    class Meta(ExerciseRefSerializer.Meta):
        fields = [*ExerciseRefSerializer.Meta.fields, "alternatives", "swapped_for"]


class SwapsSerializer(serializers.Serializer):
    exercises = PlanExerciseSerializer(many=True, help_text="The exercises in her plan, by name.")
    swaps = SwapSerializer(many=True, help_text="Every swap made, newest first.")


class SwapRequestSerializer(StrictFields, serializers.Serializer):
    original = serializers.SlugField(max_length=50, help_text="An exercise in her plan.")
    replacement = serializers.SlugField(
        max_length=50, help_text="One of that exercise's `alternatives`."
    )
    reason = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=300, validators=[single_line]
    )


class ScheduleSerializer(StrictFields, serializers.Serializer):
    weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAY_KEYS),
        required=False,
        help_text="Exactly three days a week.",
    )
    start_time = HourMinuteField(required=False)
    time_zone = serializers.CharField(required=False, max_length=64, validators=[single_line])
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    def validate_weekdays(self, value):
        if len(set(value)) != 3:
            raise serializers.ValidationError(ERR_THREE_DAYS)
        return [WEEKDAY_KEYS.index(day) for day in value]

    def validate_time_zone(self, value):
        if not is_valid_time_zone(value):
            raise serializers.ValidationError(ERR_TIME_ZONE % {"value": value})
        return value


# --- swaps ----------------------------------------------------------------------------------


def _exercise(slug: str) -> Exercise | None:
    return Exercise.objects.filter(slug=slug).first()


class ClientSwaps(PTAPIView):
    @extend_schema(
        responses=SwapsSerializer,
        summary="The exercises in her plan, what may be swapped in for each, and her swaps",
    )
    def get(self, request, client_id):
        client = self.client()
        services.audit_view(request.user, "API: swaps", client=client)
        today = selectors.local_today(client)
        swaps = list(selectors.swaps_of(client))
        in_force = {s.original_id: s.replacement for s in swaps if s.ended_at is None}
        exercises = []
        for exercise, alternatives in selectors.swap_options(client, today):
            exercise.alternatives = alternatives
            exercise.swapped_for = in_force.get(exercise.pk)
            exercises.append(exercise)
        return Response(SwapsSerializer({"exercises": exercises, "swaps": swaps}).data)

    @extend_schema(
        request=SwapRequestSerializer,
        responses={201: SwapSerializer},
        summary="Swap an exercise in her sessions from tomorrow (logged sessions keep what she "
        "did); a replacement that does not fit is refused with the reason",
    )
    @idempotent
    def post(self, request, client_id):
        client = self.client()
        data = SwapRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        original = _exercise(values["original"])
        replacement = _exercise(values["replacement"])
        missing = {}
        if original is None:
            missing["original"] = [ERR_NOT_IN_PLAN]
        if replacement is None:
            missing["replacement"] = [ERR_NO_SUCH_EXERCISE]
        if missing:
            raise serializers.ValidationError(missing)
        # The service judges the rest (her enrolment, her plan, the fit), with the web's words.
        swap = services.exercise_swap(
            client=client,
            original=original,
            replacement=replacement,
            reason=values["reason"],
            by=request.user,
            today=selectors.local_today(client),
        )
        return Response(SwapSerializer(swap).data, status=status.HTTP_201_CREATED)


# --- her days -------------------------------------------------------------------------------


def _schedule_data(enrolment) -> dict:
    warning = back_to_back_warning(enrolment.weekdays)
    return {
        "weekdays": [WEEKDAY_KEYS[d] for d in enrolment.weekdays],
        "start_time": enrolment.start_time,
        "time_zone": enrolment.time_zone,
        "warnings": [warning] if warning else [],
    }


class ClientSchedule(PTAPIView):
    def enrolment(self, client):
        enrolment = selectors.enrolment_of(client)
        if enrolment is None:
            raise Http404(ERR_NOT_ENROLLED)
        return enrolment

    @extend_schema(
        responses=ScheduleSerializer,
        summary="Her weekdays, start time and time zone (404 when she is not enrolled)",
    )
    def get(self, request, client_id):
        client = self.client()
        enrolment = self.enrolment(client)
        services.audit_view(request.user, "API: schedule", client=client)
        return Response(ScheduleSerializer(_schedule_data(enrolment)).data)

    @extend_schema(
        request=ScheduleSerializer,
        responses=ScheduleSerializer,
        summary="Change her weekdays, start time or time zone on her behalf: her future "
        "unlogged sessions move, logged sessions are kept (the fields left out stay)",
    )
    def patch(self, request, client_id):
        client = self.client()
        enrolment = self.enrolment(client)
        data = ScheduleSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if data.validated_data:
            current = {
                "weekdays": enrolment.weekdays,
                "start_time": enrolment.start_time,
                "time_zone": enrolment.time_zone,
            }
            enrolment = services.pt_change_schedule(
                client=client,
                by=request.user,
                today=selectors.local_today(client),
                **(current | data.validated_data),
            )
        return Response(ScheduleSerializer(_schedule_data(enrolment)).data)


# --- exports --------------------------------------------------------------------------------


def _csv(text: str, filename: str) -> HttpResponse:
    """The web's response, byte for byte."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSVExport(PTAPIView):
    """A CSV file (`text/csv; charset=utf-8`, as an attachment), whatever `Accept` asks for;
    a refusal is JSON in the API's error shape."""

    # The success is a plain HttpResponse (the web's bytes); every refusal is rendered as
    # JSON, and the negotiation never fails (`Accept: text/csv` alone would otherwise be 406,
    # and a CSV renderer would render the errors as CSV).
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):  # a refusal
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ClientCSV(CSVExport):
    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.STR},
        operation_id="clients_report_csv",
        summary="Her sessions, logs, check-ins, alerts and holds as CSV (the web's export)",
    )
    def get(self, request, client_id):
        client = self.client()
        services.audit_record(
            actor=request.user,
            client=client,
            action=AuditEvent.Action.EXPORT,
            what="API: client CSV",
        )
        data = selectors.client_export(client, selectors.local_today(client))
        text = reports.export_csv(data, safety=reports.safety_rows(client))
        return _csv(text, f"prenafit-client-{client.pk}.csv")


class DeidentifySerializer(serializers.Serializer):
    deidentify = serializers.BooleanField(required=False, default=False)


class CohortCSV(CSVExport):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "deidentify",
                bool,
                description="No name, email or date; a fresh pseudonym per client; rows in a "
                "random order.",
            )
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        operation_id="cohort_csv",
        tags=["clients"],
        summary="Your clients' outcomes, one row each, as CSV (the web's cohort export)",
    )
    def get(self, request):
        params = DeidentifySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        deidentify = params.validated_data["deidentify"]
        pt = request.user
        clients = caseload(pt=pt, today=selectors.local_today(pt), sort="name")
        services.audit_record(
            actor=pt,
            client=None,
            clients=clients.values_list("pk", flat=True),  # every client in the export
            action=AuditEvent.Action.EXPORT,
            what="API: cohort CSV" + (" (de-identified)" if deidentify else ""),
        )
        return _csv(reports.cohort_csv(clients, deidentify=deidentify), "prenafit-cohort.csv")


urlpatterns = [
    path("clients/<int:client_id>/swaps/", ClientSwaps.as_view(), name="api_client_swaps"),
    path("clients/<int:client_id>/schedule/", ClientSchedule.as_view(), name="api_client_schedule"),
    path("clients/<int:client_id>/report.csv", ClientCSV.as_view(), name="api_client_csv"),
    path("cohort.csv", CohortCSV.as_view(), name="api_cohort_csv"),
]
