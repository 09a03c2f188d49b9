"""Her corrections through the API (SPEC section 6): read, correct or withdraw one of her session
logs or check-ins, on the web's rules and in its words (tracker/views/outcomes.py: log_edit,
log_withdraw, assessment_edit, assessment_withdraw; the same selectors and services).

- GET /me/logs/ (tracker.api.views.ExtraLogCreate, next to the POST of an extra log): every log of
  hers, newest first, in one plain list as the web's history shows them; a withdrawn one stays,
  with `withdrawn_at`.
- GET /me/logs/{id}/ and /me/assessments/{id}/: the record, `editable_until`, `locked` (why it
  can no longer be changed, in the web's words, or null) and its earlier versions, newest first.
- PATCH: a partial correction. The fields sent are laid over the record's current values and the
  one service is called (`session_log_update`, `assessment_update`), which keeps the earlier
  version as a revision. A list is replaced whole (`warning_signs`, `odi_answers`,
  `pain_locations`, `symptoms`), but a log's `exercises` are merged line by line on
  `prescription` (a line not sent stays as it is; the web form always sends every line). A
  warning sign or red flag new in the correction opens a hold: `safety` says which and who was
  told, as the POST's answer does.
- DELETE: withdraw (204). Nothing is deleted: the row stays with `withdrawn_at` (and her PT's
  history says she withdrew it); a hold it opened stays open.
- Past its 7 days, or withdrawn already: 403 with the web's refusal as `detail` and `code`
  "locked", whatever the body. The request is well formed but the record is no longer hers to
  change; the web says the same words and offers no form. Another client's id answers 404.
"""

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from .. import selectors, services
from ..models import SessionLog
from ..scoring import odi_plain, vas_plain
from ..services import ExerciseInput, LogInput
from . import serializers as s
from .base import ClientAPIView

LOCKED = "locked"  # the error `code` of a refusal past the 7 days or after a withdrawal
LOCKED_403 = OpenApiResponse(
    description="No longer yours to change (`code` locked): its 7 days have passed, or you "
    "withdrew it. `detail` says which, in the web's words."
)
WITHDRAWN = OpenApiResponse(
    description="Withdrawn: kept with `withdrawn_at`, left out of every count."
)

# --- what she reads -----------------------------------------------------------------------


class RevisionSerializer(serializers.Serializer):
    edited_at = serializers.DateTimeField()
    snapshot = serializers.DictField(
        help_text="The record as it was before this edit (the keys of your data export)."
    )


class ExerciseDoneSerializer(serializers.Serializer):
    prescription = serializers.IntegerField(source="prescription_id")
    done = serializers.BooleanField()
    sets_done = serializers.IntegerField(allow_null=True)
    load_used = serializers.CharField(allow_blank=True)
    too_hard = serializers.BooleanField(
        help_text="Guided mode: she found it too hard and was shown an easier alternative."
    )


class CorrectableSerializer(serializers.Serializer):
    """Until when she may correct or withdraw a record, why not, and its earlier versions."""

    created_at = serializers.DateTimeField(read_only=True)
    editable_until = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()
    revisions = RevisionSerializer(
        many=True, read_only=True, help_text="Its earlier versions, newest first."
    )

    def get_editable_until(self, record) -> dt.datetime:
        """7 days after it was saved: until then she may correct or withdraw it."""
        # Written like every other time of the answer (in her zone).
        return serializers.DateTimeField().to_representation(selectors.correction_deadline(record))

    def get_locked(self, record) -> str | None:
        """Why it can no longer be corrected or withdrawn (the web's words); null: she may."""
        return selectors.correction_refusal(record)


class LogDetailSerializer(CorrectableSerializer, s.LogSerializer):
    exercises = ExerciseDoneSerializer(
        many=True, read_only=True, help_text="Her checklist of a scheduled session's exercises."
    )

    class Meta(s.LogSerializer.Meta):
        fields = [
            *s.LogSerializer.Meta.fields,
            "created_at",
            "editable_until",
            "locked",
            "exercises",
            "revisions",
        ]


class LogCorrectionResultSerializer(LogDetailSerializer):
    """A corrected log: `safety` says what a warning sign new in the correction did (null when
    no hold opened)."""

    safety = serializers.SerializerMethodField()

    class Meta(LogDetailSerializer.Meta):
        fields = [*LogDetailSerializer.Meta.fields, "safety"]

    def get_safety(self, log) -> s.HoldSerializer(allow_null=True):
        return s.hold_data(getattr(log, "hold", None))


class PlainScoresSerializer(serializers.Serializer):
    odi = serializers.CharField(allow_null=True)
    low_back = serializers.CharField(allow_null=True)
    sciatic = serializers.CharField(allow_null=True)


class AssessmentDetailSerializer(CorrectableSerializer, s.AssessmentSerializer):
    plain = serializers.SerializerMethodField()

    class Meta(s.AssessmentSerializer.Meta):
        fields = [
            *s.AssessmentSerializer.Meta.fields,
            "plain",
            "created_at",
            "editable_until",
            "locked",
            "revisions",
        ]

    def get_plain(self, a) -> PlainScoresSerializer:
        """Her scores in plain words, as her check-in page says them."""
        return {
            "odi": odi_plain(a.odi_percent),
            "low_back": vas_plain(a.vas_low_back_mm),
            "sciatic": vas_plain(a.vas_sciatic_mm),
        }


class AssessmentCorrectionResultSerializer(AssessmentDetailSerializer):
    """A corrected check-in: `safety` says what a red flag new in the correction did (null
    when no hold opened)."""

    safety = serializers.SerializerMethodField()

    class Meta(AssessmentDetailSerializer.Meta):
        fields = [*AssessmentDetailSerializer.Meta.fields, "safety"]

    def get_safety(self, a) -> s.HoldSerializer(allow_null=True):
        return s.hold_data(getattr(a, "hold", None))


# --- what she sends -----------------------------------------------------------------------


class LogCorrectionSerializer(s.LogRequestSerializer):
    """Only the fields that change. An `exercises` line names its `prescription` and the
    values that change on it."""

    def validate_exercises(self, lines):
        # A partial body skips missing fields, nested ones too: the line's key is still needed.
        required = serializers.Field.default_error_messages["required"]
        problems = [
            {} if "prescription" in line else {"prescription": [required]} for line in lines
        ]
        if any(problems):
            raise serializers.ValidationError(problems)
        return lines


LOG_FIELDS = (
    "status",
    "performed_on",
    "skip_reason",
    "minutes",
    "rpe",
    "avg_heart_rate",
    "notes",
    "warning_signs",
)
CHECK_IN_FIELDS = ("vas_low_back_mm", "vas_sciatic_mm", "odi_answers", "pain_locations", "symptoms")


def merged_log_input(log: SessionLog, sent: dict) -> LogInput:
    """The log's current values with the fields sent laid over them (pure but for the log's
    prefetched checklist): what the web's edit form posts, prefilled from the log."""
    lines = {
        e.prescription_id: ExerciseInput(
            e.prescription_id, e.done, e.sets_done, e.load_used, e.too_hard
        )
        for e in log.exercises.all()
    }
    for line in sent.get("exercises", []):
        key = line["prescription"]
        changes = {k: line[k] for k in ("done", "sets_done", "load_used", "too_hard") if k in line}
        lines[key] = dataclasses.replace(lines.get(key) or ExerciseInput(key), **changes)
    values = {name: sent.get(name, getattr(log, name)) for name in LOG_FIELDS}
    values["warning_signs"] = list(values["warning_signs"])
    return LogInput(**values, exercises=list(lines.values()))


# --- the doors ----------------------------------------------------------------------------


def _refuse_if_locked(record) -> None:
    refusal = selectors.correction_refusal(record)
    if refusal:
        raise exceptions.PermissionDenied(refusal, code=LOCKED)


def _correct(record, service, **kwargs):
    """Call one correction service. Locked meanwhile (its 7 days ran out, or another request
    withdrew it) still answers 403; the service's other refusals answer 400."""
    try:
        return service(**kwargs)
    except DjangoValidationError:
        _refuse_if_locked(type(record).objects.select_related("client").get(pk=record.pk))
        raise


class LogDetail(ClientAPIView):
    def _log(self) -> SessionLog:
        return selectors.log_for_client(client=self.request.user, log_id=self.kwargs["log_id"])

    @extend_schema(
        responses=LogDetailSerializer,
        summary="One of your logs: its checklist, until when you may correct it and its "
        "earlier versions",
    )
    def get(self, request, log_id):
        return Response(LogDetailSerializer(self._log()).data)

    @extend_schema(
        request=LogCorrectionSerializer,
        responses={200: LogCorrectionResultSerializer, 403: LOCKED_403},
        summary="Correct one of your logs within 7 days of saving it: send only what changes "
        "(a new warning sign gives `safety`: the hold and who was told)",
    )
    def patch(self, request, log_id):
        log = self._log()
        _refuse_if_locked(log)
        data = LogCorrectionSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        log = _correct(
            log,
            services.session_log_update,
            log=log,
            data=merged_log_input(log, data.validated_data),
            by=request.user,
            today=selectors.local_today(request.user),
        )
        return Response(LogCorrectionResultSerializer(log).data)

    @extend_schema(
        request=None,
        responses={204: WITHDRAWN, 403: LOCKED_403},
        summary="Withdraw one of your logs within 7 days of saving it (kept, with "
        "`withdrawn_at`; a scheduled session may then be logged again)",
    )
    def delete(self, request, log_id):
        log = self._log()
        _refuse_if_locked(log)
        _correct(log, services.session_log_withdraw, log=log, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssessmentDetail(ClientAPIView):
    def _assessment(self):
        return selectors.assessment_for_client(
            client=self.request.user, assessment_id=self.kwargs["assessment_id"]
        )

    @extend_schema(
        responses=AssessmentDetailSerializer,
        summary="One of your check-ins: its scores (in plain words too), until when you may "
        "correct it and its earlier versions",
    )
    def get(self, request, assessment_id):
        return Response(AssessmentDetailSerializer(self._assessment()).data)

    @extend_schema(
        request=s.AssessmentRequestSerializer,
        responses={200: AssessmentCorrectionResultSerializer, 403: LOCKED_403},
        summary="Correct one of your check-ins within 7 days of saving it: send only what "
        "changes (its date stays; a new red flag gives `safety`: the hold and who was told)",
    )
    def patch(self, request, assessment_id):
        assessment = self._assessment()
        _refuse_if_locked(assessment)
        data = s.AssessmentRequestSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sent = data.validated_data
        assessment = _correct(
            assessment,
            services.assessment_update,
            assessment=assessment,
            by=request.user,
            **{name: sent.get(name, getattr(assessment, name)) for name in CHECK_IN_FIELDS},
        )
        return Response(AssessmentCorrectionResultSerializer(assessment).data)

    @extend_schema(
        request=None,
        responses={204: WITHDRAWN, 403: LOCKED_403},
        summary="Withdraw one of your check-ins within 7 days of saving it (kept, with "
        "`withdrawn_at`; the baseline and week-34 measure are chosen again without it)",
    )
    def delete(self, request, assessment_id):
        assessment = self._assessment()
        _refuse_if_locked(assessment)
        _correct(assessment, services.assessment_withdraw, assessment=assessment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("me/logs/<int:log_id>/", LogDetail.as_view(), name="api_log"),
    path("me/assessments/<int:assessment_id>/", AssessmentDetail.as_view(), name="api_assessment"),
]
