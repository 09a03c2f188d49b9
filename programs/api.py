"""Public, read-only program API: programs with their current version's content, exercises."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from .models import Block, Exercise, Phase, Prescription, Program, ProgramVersion, SessionTemplate
from .selectors import current_version_by_slug, version_with_content


class ExerciseSerializer(serializers.ModelSerializer):
    replaced_by = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Exercise
        fields = [
            "slug", "name", "kind", "body_region", "equipment", "instructions", "safety_notes",
            "supine", "replace_from_week", "replaced_by", "sciatica_sources", "evidence", "source",
        ]  # fmt: skip


class PrescriptionSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    exercise_name = serializers.CharField(source="exercise.name", read_only=True)

    class Meta:
        model = Prescription
        fields = [
            "exercise", "exercise_name", "sets", "reps", "seconds", "rest_seconds", "rpe_min",
            "rpe_max", "hr_max_bpm", "hr_min_pct", "hr_max_pct", "load", "cue", "evidence",
        ]  # fmt: skip


class BlockSerializer(serializers.ModelSerializer):
    prescriptions = PrescriptionSerializer(many=True, read_only=True)

    class Meta:
        model = Block
        fields = ["kind", "minutes", "notes", "evidence", "prescriptions"]


class TemplateSerializer(serializers.ModelSerializer):
    blocks = BlockSerializer(many=True, read_only=True)

    class Meta:
        model = SessionTemplate
        fields = ["code", "name", "description", "evidence", "blocks"]


class PhaseSerializer(serializers.ModelSerializer):
    templates = TemplateSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = ["name", "start_week", "end_week", "description", "evidence", "templates"]


class VersionSerializer(serializers.ModelSerializer):
    phases = PhaseSerializer(many=True, read_only=True)

    class Meta:
        model = ProgramVersion
        fields = [
            "number", "label", "published_at", "session_minutes", "sessions_per_week", "start_week",
            "adherence_threshold_percent", "weekly_minutes_target", "facts", "phases",
        ]  # fmt: skip


class ProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["slug", "name", "summary", "citation"]


class ProgramDetailSerializer(ProgramSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta(ProgramSerializer.Meta):
        fields = [*ProgramSerializer.Meta.fields, "current_version"]

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_current_version(self, program):
        version = self.context["version"]
        return VersionSerializer(version).data if version else None


class ProgramList(generics.ListAPIView):
    """Programs that have a published version."""

    permission_classes = [AllowAny]
    serializer_class = ProgramSerializer
    queryset = (
        Program.objects.filter(versions__status=ProgramVersion.Status.PUBLISHED)
        .distinct()
        .order_by("name")
    )


class ProgramDetail(generics.RetrieveAPIView):
    """A program with its current version: phases, templates, blocks, prescriptions."""

    permission_classes = [AllowAny]
    serializer_class = ProgramDetailSerializer
    pagination_class = None

    def get_object(self):
        version = current_version_by_slug(slug=self.kwargs["slug"])
        if version is None:
            raise NotFound(_("No published program with this slug."))
        self._version = version_with_content(version_id=version.pk)
        return self._version.program

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["version"] = getattr(self, "_version", None)
        return context


class ExerciseList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ExerciseSerializer
    queryset = Exercise.objects.select_related("replaced_by").order_by("name")
