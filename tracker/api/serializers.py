import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.validators import multi_line, single_line
from programs.api import BlockSerializer
from programs.safety import WARNING_SIGNS
from users.serializers import StrictFields
from users.timezones import is_valid_time_zone

from ..models import (
    Alert,
    Assessment,
    Notification,
    PTNote,
    SafetyItem,
    ScheduledSession,
    SessionLog,
)
from ..safety import STATES, TIER_ORDER
from ..schedule import ERR_THREE_DAYS, WEEKDAY_KEYS
from ..scoring import LOCATIONS, SYMPTOMS

ERR_TIME_ZONE = _("“%(value)s” is not a known time zone.")  # users.models says it too

HH_MM = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "18:00"}


@extend_schema_field(HH_MM)
class HourMinuteField(serializers.TimeField):
    """A local time as HH:MM (seconds are accepted on input and dropped)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class GestationalAgeSerializer(serializers.Serializer):
    weeks = serializers.IntegerField()
    days = serializers.IntegerField()


class ProfileSerializer(StrictFields, serializers.Serializer):
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    lmp_date = serializers.DateField(required=False, allow_null=True)
    time_zone = serializers.CharField(required=False, max_length=64, validators=[single_line])
    birth_date = serializers.DateField(read_only=True, allow_null=True)
    gestational_age = GestationalAgeSerializer(read_only=True, allow_null=True)

    def validate_time_zone(self, value):
        if not is_valid_time_zone(value):
            raise serializers.ValidationError(ERR_TIME_ZONE % {"value": value})
        return value


class ScreeningQuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=["absolute", "relative"])
    rescreen = serializers.BooleanField(
        help_text="Asked again in the 26-week re-screen (`kind: rescreen` answers only these)."
    )


class ScreeningResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["cleared", "pending_clearance", "blocked"],
        help_text="From her open screen answers (answers are sticky: a later all-no screen "
        "does not clear an earlier yes).",
    )
    state = serializers.ChoiceField(choices=STATES, help_text="Her program's derived state.")
    cleared_by_provider = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()
    reasons = serializers.ListField(child=serializers.CharField())


class ScreeningSerializer(serializers.Serializer):
    questions = ScreeningQuestionSerializer(many=True)
    latest = ScreeningResultSerializer(allow_null=True)


class ScreeningAnswersSerializer(StrictFields, serializers.Serializer):
    answers = serializers.DictField(child=serializers.BooleanField())
    kind = serializers.ChoiceField(
        choices=["initial", "rescreen"],
        default="initial",
        help_text="`rescreen`: the 26-week re-screen, answering only the questions marked "
        "`rescreen` (asked from 25+4; without it a hold opens at 28+0).",
    )


class EnrolmentRequestSerializer(StrictFields, serializers.Serializer):
    weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAY_KEYS), min_length=3, max_length=3
    )
    start_time = HourMinuteField()
    time_zone = serializers.CharField(max_length=64, validators=[single_line])
    program = serializers.SlugField(
        required=False, max_length=50, help_text="A program slug (default: aparicio2023)."
    )

    def validate_time_zone(self, value):
        if not is_valid_time_zone(value):
            raise serializers.ValidationError(ERR_TIME_ZONE % {"value": value})
        return value

    def validate_weekdays(self, value):
        if len(set(value)) != 3:
            raise serializers.ValidationError(ERR_THREE_DAYS)
        return [WEEKDAY_KEYS.index(day) for day in value]


class EnrolmentSummarySerializer(serializers.Serializer):
    status = serializers.CharField(help_text="The same as `state` (kept for existing apps).")
    state = serializers.ChoiceField(
        choices=STATES, help_text="Her program's derived state (SAFETY.md section 1)."
    )
    program = serializers.CharField()
    version = serializers.IntegerField()
    weekdays = serializers.ListField(child=serializers.ChoiceField(choices=WEEKDAY_KEYS))
    start_time = HourMinuteField()
    time_zone = serializers.CharField()
    first_session = serializers.DateField(allow_null=True)
    last_session = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class ScheduleChangeSerializer(StrictFields, EnrolmentSummarySerializer):
    """PATCH /me/enrolment/: any of her weekdays, start time and time zone (the rest is hers to
    read, not to change: sending it is refused)."""

    CHANGEABLE = ("weekdays", "start_time", "time_zone")

    weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAY_KEYS), min_length=3, max_length=3
    )
    start_time = HourMinuteField()
    time_zone = serializers.CharField(max_length=64, validators=[single_line])
    warnings = serializers.ListField(child=serializers.CharField(max_length=500), read_only=True)

    validate_time_zone = EnrolmentRequestSerializer.validate_time_zone
    validate_weekdays = EnrolmentRequestSerializer.validate_weekdays

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in self.CHANGEABLE:
                field.read_only = True
        return fields


class SessionSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase.name")
    template = serializers.CharField(source="template.code")
    template_name = serializers.CharField(source="template.name")
    start_time = HourMinuteField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledSession
        fields = [
            "id",
            "date",
            "start_time",
            "gestational_week",
            "phase",
            "template",
            "template_name",
            "status",
        ]

    def get_status(self, session) -> str:
        from ..selectors import session_state

        return session_state(session, self.context["today"])


class SessionDetailSerializer(SessionSerializer):
    blocks = BlockSerializer(many=True, read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "blocks"]


class RescheduleSerializer(StrictFields, serializers.Serializer):
    date = serializers.DateField()


class ExerciseLineSerializer(StrictFields, serializers.Serializer):
    prescription = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    done = serializers.BooleanField(default=False)
    sets_done = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=20)
    load_used = serializers.CharField(
        required=False, allow_blank=True, max_length=80, default="", validators=[single_line]
    )
    too_hard = serializers.BooleanField(
        default=False,
        help_text="Guided mode: she found it too hard and was shown an easier alternative.",
    )


class LogRequestSerializer(StrictFields, serializers.Serializer):
    status = serializers.ChoiceField(choices=SessionLog.Status.choices)
    performed_on = serializers.DateField()
    skip_reason = serializers.ChoiceField(
        choices=[("", ""), *SessionLog.SkipReason.choices], required=False, default=""
    )
    minutes = serializers.IntegerField(required=False, min_value=0, max_value=240, default=0)
    rpe = serializers.IntegerField(
        required=False, allow_null=True, min_value=6, max_value=20, default=None
    )
    avg_heart_rate = serializers.IntegerField(
        required=False, allow_null=True, min_value=40, max_value=220, default=None
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", validators=[multi_line]
    )
    warning_signs = serializers.ListField(
        child=serializers.ChoiceField(choices=[k for k, _ in WARNING_SIGNS]),
        required=False,
        default=list,
    )
    exercises = ExerciseLineSerializer(many=True, required=False, default=list)


class SessionLogRequestSerializer(LogRequestSerializer):
    """A scheduled session's log: the date may be left out, as the web form fills it in."""

    performed_on = serializers.DateField(
        required=False,
        help_text="Default: the session's date (today, for a session done before its day), "
        "as the web form offers. An extra log (POST /me/logs/) always sends its date.",
    )


class LogSerializer(serializers.ModelSerializer):
    session = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Null: an extra session, or a withdrawn log."
    )
    stop = serializers.SerializerMethodField()

    class Meta:
        model = SessionLog
        fields = [
            "id", "session", "status", "skip_reason", "performed_on", "minutes", "rpe",
            "avg_heart_rate", "notes", "warning_signs", "flagged", "stop", "withdrawn_at",
        ]  # fmt: skip
        read_only_fields = ["withdrawn_at"]

    def get_stop(self, log) -> bool:
        """True when a warning sign was reported: stop exercising, contact your care provider."""
        return bool(log.warning_signs)


class HoldSerializer(serializers.Serializer):
    """What a warning sign or red flag did (SAFETY.md section 2): the hold, its message and
    exactly who was told."""

    hold = serializers.BooleanField(help_text="Always true: a safety hold is open.")
    signs = serializers.ListField(child=serializers.CharField(), help_text="Sign keys.")
    sign_labels = serializers.ListField(child=serializers.CharField())
    tier = serializers.ChoiceField(choices=TIER_ORDER)
    message = serializers.CharField(help_text="What to do now.")
    told = serializers.CharField(help_text="Who was told: her PT by name, or nobody.")
    pt = serializers.CharField(allow_null=True, help_text="The PT who was told, or null.")


def hold_data(hold) -> dict | None:
    if hold is None:
        return None
    from ..safety import sign_labels

    return {
        "hold": True,
        "signs": list(hold.signs),
        "sign_labels": sign_labels(hold.signs),
        "tier": hold.tier,
        "message": hold.message,
        "told": hold.told,
        "pt": str(hold.pt) if hold.pt else None,
    }


class LogResultSerializer(LogSerializer):
    """A log just recorded: `safety` says what a warning sign did (null when no hold opened)."""

    safety = serializers.SerializerMethodField()

    class Meta(LogSerializer.Meta):
        fields = [*LogSerializer.Meta.fields, "safety"]

    def get_safety(self, log) -> HoldSerializer(allow_null=True):
        return hold_data(getattr(log, "hold", None))


class AssessmentRequestSerializer(StrictFields, serializers.Serializer):
    vas_low_back_mm = serializers.IntegerField(min_value=0, max_value=100)
    vas_sciatic_mm = serializers.IntegerField(min_value=0, max_value=100)
    odi_answers = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=5, allow_null=True),
        min_length=10,
        max_length=10,
    )
    pain_locations = serializers.ListField(
        child=serializers.ChoiceField(choices=LOCATIONS), required=False, default=list
    )
    symptoms = serializers.ListField(
        child=serializers.ChoiceField(choices=SYMPTOMS), required=False, default=list
    )


class VasBandsSerializer(serializers.Serializer):
    low_back = serializers.CharField()
    sciatic = serializers.CharField()


class AssessmentSerializer(serializers.ModelSerializer):
    odi_band = serializers.SerializerMethodField()
    vas_bands = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    odi_answers = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    pain_locations = serializers.ListField(child=serializers.CharField())
    symptoms = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Assessment
        fields = [
            "id", "kind", "taken_on", "gestational_week", "vas_low_back_mm", "vas_sciatic_mm",
            "odi_answers", "odi_percent", "odi_band", "vas_bands", "pain_locations", "symptoms",
            "urgent", "messages", "withdrawn_at",
        ]  # fmt: skip
        read_only_fields = ["withdrawn_at"]

    def get_odi_band(self, a) -> str | None:
        from ..scoring import odi_band

        return odi_band(a.odi_percent)

    def get_vas_bands(self, a) -> VasBandsSerializer:
        from ..scoring import vas_band

        return {"low_back": vas_band(a.vas_low_back_mm), "sciatic": vas_band(a.vas_sciatic_mm)}

    def get_messages(self, a) -> list[str]:
        from ..scoring import triage_messages

        return triage_messages(a.pain_locations, a.symptoms)


@extend_schema_field({"type": "string", "enum": [k for k, _ in Assessment.Kind.choices]})
class AssessmentKindField(serializers.ChoiceField):
    """The check-in's kind, its enum written inline in the schema (a second component with
    the same choices would collide with the Assessment's named enum)."""


class AssessmentResultSerializer(AssessmentSerializer):
    """A check-in just recorded: `safety` says what a red flag did (null when no hold opened)."""

    kind = AssessmentKindField(choices=Assessment.Kind.choices, read_only=True)
    safety = serializers.SerializerMethodField()

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "safety"]

    def get_safety(self, a) -> HoldSerializer(allow_null=True):
        return hold_data(getattr(a, "hold", None))


class WeekAdherenceSerializer(serializers.Serializer):
    week = serializers.IntegerField()
    attended = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class AdherenceSerializer(serializers.Serializer):
    attended = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    threshold = serializers.IntegerField()
    adherent = serializers.BooleanField(allow_null=True)


class WeekMinutesSerializer(serializers.Serializer):
    week = serializers.IntegerField()
    minutes = serializers.IntegerField()


class ChangeSerializer(serializers.Serializer):
    low_back = serializers.FloatField(allow_null=True)
    sciatic = serializers.FloatField(allow_null=True)
    odi = serializers.FloatField(allow_null=True)
    odi_beyond_mdc = serializers.BooleanField()
    since = serializers.DateField()


class ProgressSerializer(serializers.Serializer):
    adherence = AdherenceSerializer()
    adherence_by_week = WeekAdherenceSerializer(many=True)
    minutes_by_week = WeekMinutesSerializer(many=True)
    weekly_minutes_target = serializers.IntegerField()
    change_from_baseline = ChangeSerializer(allow_null=True)


class NotificationAlertSerializer(serializers.ModelSerializer):
    """The alert a PT's notice is about: which signs were reported (keys and words)."""

    signs = serializers.ListField(child=serializers.CharField())
    sign_labels = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "kind", "signs", "sign_labels", "acknowledged_at"]

    def get_sign_labels(self, alert) -> list[str]:
        return AlertSerializer().get_sign_labels(alert)


class NotificationSerializer(serializers.ModelSerializer):
    alert = NotificationAlertSerializer(
        allow_null=True, help_text="For an urgent alert about a client: the signs reported."
    )

    class Meta:
        model = Notification
        fields = [
            "id", "kind", "title", "body", "url", "urgent", "about_client", "alert",
            "created_at", "read_at",
        ]  # fmt: skip


class CaseloadRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="client.pk")
    name = serializers.CharField(source="client.full_name")
    email = serializers.EmailField(source="client.email")
    gestational_age = serializers.SerializerMethodField()
    phase = serializers.CharField(allow_null=True)
    adherence_percent = serializers.FloatField(source="adherence", allow_null=True)
    below_threshold = serializers.BooleanField(source="below")
    last_session = serializers.DateField(allow_null=True)
    vas_low_back_mm = serializers.IntegerField(source="low_back", allow_null=True)
    vas_sciatic_mm = serializers.IntegerField(source="sciatic", allow_null=True)
    odi_percent = serializers.FloatField(source="odi", allow_null=True)
    change_vas_low_back_mm = serializers.FloatField(source="low_back_change", allow_null=True)
    change_vas_sciatic_mm = serializers.FloatField(source="sciatic_change", allow_null=True)
    change_odi_points = serializers.FloatField(source="odi_change", allow_null=True)
    open_alerts = serializers.IntegerField()
    pending_clearance = serializers.BooleanField(source="pending")

    def get_gestational_age(self, row) -> GestationalAgeSerializer(allow_null=True):
        return {"weeks": row.ga.weeks, "days": row.ga.days} if row.ga else None


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.SerializerMethodField(help_text="Null until acknowledged.")
    signs = serializers.ListField(
        child=serializers.CharField(), help_text="The sign or screen-answer keys that raised it."
    )
    sign_labels = serializers.SerializerMethodField()
    told = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    log_id = serializers.IntegerField(source="session_log_id", read_only=True, allow_null=True)
    assessment_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "created_at", "signs", "sign_labels", "told", "source", "log_id",
            "assessment_id", "escalated_at", "acknowledged_by", "acknowledged_at",
        ]  # fmt: skip

    def get_sign_labels(self, alert) -> list[str]:
        from ..safety import SIGN_LABELS

        questions = {}
        if alert.kind == Alert.Kind.SCREENING:
            from ..models import ScreeningQuestion

            questions = dict(
                ScreeningQuestion.objects.filter(key__in=alert.signs).values_list("key", "text")
            )
        return [str(SIGN_LABELS.get(k) or questions.get(k) or k) for k in alert.signs]

    def get_acknowledged_by(self, alert) -> str | None:
        return str(alert.acknowledged_by) if alert.acknowledged_by_id else None

    def get_told(self, alert) -> str | None:
        """The PT who was told (null: she had no PT, nobody was told)."""
        return str(alert.pt) if alert.pt_id else None

    def get_source(self, alert) -> str | None:
        """The API path where her PT reads the log or check-in that raised it (the item is
        the one with `log_id` or `assessment_id`); null for a screen answer."""
        if alert.session_log_id:
            return f"/api/v1/clients/{alert.client_id}/logs/"
        if alert.assessment_id:
            return f"/api/v1/clients/{alert.client_id}/assessments/"
        return None


# --- the safety loop (SAFETY.md) ---------------------------------------------------------


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SafetyItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SafetyItem.Kind.choices)
    opened = serializers.DateTimeField()
    question_key = serializers.CharField(allow_blank=True, help_text="A screen answer's key.")
    question = serializers.CharField(allow_null=True, help_text="A screen answer's question.")
    signs = serializers.ListField(child=serializers.CharField(), help_text="A hold's sign keys.")
    sign_labels = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField(allow_blank=True)
    needs_review = serializers.BooleanField()
    closes_by = serializers.CharField(help_text="What closes it, in words.")
    self_clearable = serializers.BooleanField(
        help_text="May she record her own care provider's clearance for it?"
    )


class SafetyStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    label = serializers.CharField()
    next_step = serializers.CharField()
    pt = serializers.CharField(allow_null=True, help_text="Her PT's name, or null.")
    items = SafetyItemSerializer(many=True, help_text="Her open safety items, oldest first.")


class ClearanceRequestSerializer(StrictFields, serializers.Serializer):
    provider = serializers.CharField(
        max_length=200, validators=[single_line], help_text="The care provider's name or role."
    )
    cleared_on = serializers.DateField()
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", validators=[multi_line]
    )


class ClearanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    cleared_on = serializers.DateField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    self_reported = serializers.BooleanField()
    recorded_by = serializers.StringRelatedField()
    recorded_at = serializers.DateTimeField()


class ClearanceResultSerializer(serializers.Serializer):
    clearance = ClearanceSerializer()
    safety = SafetyStateSerializer()


class SeenRequestSerializer(StrictFields, serializers.Serializer):
    provider = serializers.CharField(
        max_length=200, validators=[single_line], help_text="The care provider's name or role."
    )
    seen_on = serializers.DateField()


class SeenResultSerializer(serializers.Serializer):
    told = serializers.CharField(help_text="The PT who was told.")
    provider = serializers.CharField()
    seen_on = serializers.DateField()


class PauseRequestSerializer(StrictFields, serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", validators=[single_line]
    )


class PregnancyEndRequestSerializer(StrictFields, serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[("birth", _("My baby was born")), ("ended", _("My pregnancy has ended"))]
    )
    date = serializers.DateField()
    confirm = serializers.BooleanField(
        required=False, default=False, help_text="Must be true: the “are you sure?” step."
    )


class ReviewRequestSerializer(StrictFields, serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="A safety item id.")
    note = serializers.CharField(max_length=2000, validators=[multi_line])


class ReviewResultSerializer(serializers.Serializer):
    item = SafetyItemSerializer()
    safety = SafetyStateSerializer()


class NoteSerializer(StrictFields, serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="Null once the author's account is gone.")
    text = serializers.CharField(max_length=5000, validators=[multi_line])

    class Meta:
        model = PTNote
        fields = ["id", "author", "text", "created_at", "updated_at"]
        read_only_fields = ["id", "author", "created_at", "updated_at"]

    def get_author(self, note) -> str | None:
        return str(note.author) if note.author_id else None


def parse_date_param(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise serializers.ValidationError(
            {"date": gettext("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}}
        ) from exc
