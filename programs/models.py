"""The exercise library and versioned programs: version -> phases -> session templates ->
blocks -> prescriptions. A published version never changes; edits go to a draft version."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.validators import multi_line, single_line

FIRST_WEEK = 17
LAST_WEEK = 42

ERR_PUBLISHED_IMMUTABLE = _(
    "Version %(number)s of this program is published and cannot be changed. "
    "Clone it as a new draft and edit the draft."
)


class Evidence(models.TextChoices):
    PAPER = "paper", _("From the paper")
    GUIDELINE = "guideline", _("From a guideline")
    DEFAULT = "default", _("Protocol-like default")


class SciaticaSource(models.TextChoices):
    DISC = "disc", _("Lumbar disc")
    TRIGGER_POINTS = "trigger_points", _("Trigger points (low back, buttock)")
    PIRIFORMIS = "piriformis", _("Piriformis")
    HAMSTRINGS = "hamstrings", _("Hamstrings")
    TROCHANTERIC = "trochanteric", _("Greater trochanteric pain")


class EvidenceMixin(models.Model):
    evidence = models.CharField(
        _("evidence"), max_length=10, choices=Evidence.choices, default=Evidence.DEFAULT
    )
    source = models.CharField(
        _("source note"), max_length=300, blank=True, validators=[single_line]
    )

    class Meta:
        abstract = True


def validate_sciatica_sources(value) -> None:
    allowed = set(SciaticaSource.values)
    if not isinstance(value, list) or any(item not in allowed for item in value):
        raise ValidationError(
            _("Sciatica sources must be a list drawn from: %(allowed)s."),
            params={"allowed": ", ".join(sorted(allowed))},
        )


class Exercise(EvidenceMixin):
    class Kind(models.TextChoices):
        AEROBIC = "aerobic", _("Aerobic")
        RESISTANCE = "resistance", _("Resistance")
        PELVIC_FLOOR = "pelvic_floor", _("Pelvic floor")
        MOBILITY = "mobility", _("Mobility and stretching")
        BREATHING = "breathing", _("Breathing")

    class Region(models.TextChoices):
        FULL_BODY = "full_body", _("Full body")
        LOWER_BODY = "lower_body", _("Lower body")
        UPPER_BODY = "upper_body", _("Upper body")
        CORE = "core", _("Core")
        PELVIC_FLOOR = "pelvic_floor", _("Pelvic floor")
        BACK = "back", pgettext_lazy("body region", "Back")
        HIPS = "hips", _("Hips")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=120, validators=[single_line])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    body_region = models.CharField(_("body region"), max_length=20, choices=Region.choices)
    equipment = models.CharField(
        _("equipment"), max_length=120, blank=True, validators=[single_line]
    )
    instructions = models.TextField(_("instructions"), validators=[multi_line])
    safety_notes = models.TextField(_("safety notes"), blank=True, validators=[multi_line])
    supine = models.BooleanField(_("done lying on the back"), default=False)
    replace_from_week = models.PositiveSmallIntegerField(
        _("replaced from week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(LAST_WEEK)],
        help_text=_("From this gestational week, use the replacement instead."),
    )
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    sciatica_sources = models.JSONField(
        _("sciatica sources"), default=list, blank=True, validators=[validate_sciatica_sources]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:exercise_detail", args=[self.slug])

    def clean(self) -> None:
        if self.replace_from_week and not self.replaced_by_id:
            raise ValidationError(
                {"replaced_by": _("Name the exercise that replaces this one from that week.")}
            )
        if self.replaced_by_id and self.replaced_by_id == self.pk:
            raise ValidationError({"replaced_by": _("An exercise cannot replace itself.")})

    def sciatica_source_labels(self) -> list[str]:
        labels = dict(SciaticaSource.choices)
        return [str(labels.get(s, s)) for s in self.sciatica_sources]


class Program(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    summary = models.TextField(_("summary"), blank=True, validators=[multi_line])
    citation = models.TextField(_("citation"), blank=True, validators=[multi_line])

    class Meta:
        ordering = ["name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self) -> str:
        return self.name


class ProgramVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="versions", verbose_name=_("program")
    )
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(_("label"), max_length=40, blank=True, validators=[single_line])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cloned_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clones",
        verbose_name=_("cloned from"),
    )
    session_minutes = models.PositiveSmallIntegerField(
        _("minutes per session"),
        default=60,
        validators=[MinValueValidator(10), MaxValueValidator(180)],
    )
    sessions_per_week = models.PositiveSmallIntegerField(
        _("sessions per week"), default=3, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    start_week = models.PositiveSmallIntegerField(
        _("start week"),
        default=FIRST_WEEK,
        validators=[MinValueValidator(1), MaxValueValidator(LAST_WEEK)],
    )
    adherence_threshold_percent = models.PositiveSmallIntegerField(
        _("adherence threshold (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    weekly_minutes_target = models.PositiveSmallIntegerField(
        _("weekly minutes target"), default=150
    )
    notes = models.TextField(_("notes"), blank=True, validators=[multi_line])
    facts = models.JSONField(_("facts"), default=list, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["program", "-number"]
        verbose_name = _("program version")
        verbose_name_plural = _("program versions")
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="unique_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.program.name} v{self.number} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.PUBLISHED:
                raise ValidationError(ERR_PUBLISHED_IMMUTABLE, params={"number": self.number})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValidationError(ERR_PUBLISHED_IMMUTABLE, params={"number": self.number})
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class VersionContent(models.Model):
    """Base for everything inside a version: it refuses to change once the version is
    published (the ORM save and delete paths check; bulk updates go through services)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_editable()
        return super().delete(*args, **kwargs)

    def owning_version(self) -> ProgramVersion:
        raise NotImplementedError

    def _check_editable(self) -> None:
        version = self.owning_version()
        stored = ProgramVersion.objects.filter(pk=version.pk).values_list("status", flat=True)
        if stored.first() == ProgramVersion.Status.PUBLISHED:
            raise ValidationError(ERR_PUBLISHED_IMMUTABLE, params={"number": version.number})


class Phase(EvidenceMixin, VersionContent):
    version = models.ForeignKey(
        ProgramVersion, on_delete=models.CASCADE, related_name="phases", verbose_name=_("version")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=120, validators=[single_line])
    start_week = models.PositiveSmallIntegerField(
        _("start week"), validators=[MinValueValidator(1), MaxValueValidator(LAST_WEEK)]
    )
    end_week = models.PositiveSmallIntegerField(
        _("end week"),
        validators=[MinValueValidator(1), MaxValueValidator(LAST_WEEK)],
        help_text=_("Inclusive. The last phase ends at week 42 (until birth)."),
    )
    description = models.TextField(_("description"), blank=True, validators=[multi_line])

    class Meta:
        ordering = ["version", "start_week"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_week__lte=F("end_week")),
                name="phase_start_not_after_end",
                violation_error_message=_("A phase cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return _("%(name)s (weeks %(start)s-%(end)s)") % {
            "name": self.name,
            "start": self.start_week,
            "end": self.end_week,
        }

    def owning_version(self) -> ProgramVersion:
        return self.version

    def clean(self) -> None:
        if self.start_week and self.end_week and self.start_week > self.end_week:
            raise ValidationError(
                _("Phase “%(name)s” ends (week %(end)s) before it starts (week %(start)s)."),
                params={"name": self.name, "end": self.end_week, "start": self.start_week},
            )


class SessionTemplate(EvidenceMixin, VersionContent):
    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="templates", verbose_name=_("phase")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(
        _("code"),
        max_length=8,
        validators=[single_line],
        help_text=_("A, B, C... rotated through the week."),
    )
    name = models.CharField(_("name"), max_length=120, validators=[single_line])
    description = models.TextField(_("description"), blank=True, validators=[multi_line])

    class Meta:
        ordering = ["phase", "order", "code"]
        verbose_name = _("session template")
        verbose_name_plural = _("session templates")
        constraints = [
            models.UniqueConstraint(fields=["phase", "code"], name="unique_template_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def owning_version(self) -> ProgramVersion:
        return self.phase.version


class Block(EvidenceMixin, VersionContent):
    class Kind(models.TextChoices):
        WARM_UP = "warm_up", _("Warm-up")
        AEROBIC = "aerobic", _("Aerobic")
        RESISTANCE = "resistance", _("Resistance")
        PELVIC_FLOOR = "pelvic_floor", _("Pelvic floor and mobility")
        COOL_DOWN = "cool_down", _("Cool-down and stretching")

    template = models.ForeignKey(
        SessionTemplate,
        on_delete=models.CASCADE,
        related_name="blocks",
        verbose_name=_("session template"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    notes = models.TextField(_("notes"), blank=True, validators=[multi_line])

    class Meta:
        ordering = ["template", "order"]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")

    def __str__(self) -> str:
        return _("%(kind)s (%(minutes)s min)") % {
            "kind": self.get_kind_display(),
            "minutes": self.minutes,
        }

    def owning_version(self) -> ProgramVersion:
        return self.template.phase.version


class Prescription(EvidenceMixin, VersionContent):
    block = models.ForeignKey(
        Block, on_delete=models.CASCADE, related_name="prescriptions", verbose_name=_("block")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    exercise = models.ForeignKey(
        Exercise, on_delete=models.PROTECT, related_name="prescriptions", verbose_name=_("exercise")
    )
    sets = models.PositiveSmallIntegerField(
        _("sets"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    reps = models.PositiveSmallIntegerField(
        _("reps"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    seconds = models.PositiveIntegerField(
        _("seconds"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(7200)],
    )
    rest_seconds = models.PositiveSmallIntegerField(
        _("rest (seconds)"), default=0, validators=[MaxValueValidator(600)]
    )
    rpe_min = models.PositiveSmallIntegerField(
        _("RPE from"),
        null=True,
        blank=True,
        validators=[MinValueValidator(6), MaxValueValidator(20)],
    )
    rpe_max = models.PositiveSmallIntegerField(
        _("RPE to"), null=True, blank=True, validators=[MinValueValidator(6), MaxValueValidator(20)]
    )
    # Heart rate is a ceiling in beats a minute (ACOG CO 804: "usually under about 140"), not
    # a target band. hr_min_pct/hr_max_pct remain only so versions published with the old
    # 60-80% band keep their data; new versions leave them empty.
    hr_max_bpm = models.PositiveSmallIntegerField(
        _("heart-rate ceiling (bpm)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(90), MaxValueValidator(200)],
        help_text=_("Keep the heart rate under this; RPE and the talk test guide the effort."),
    )
    hr_min_pct = models.PositiveSmallIntegerField(
        _("% max HR from"),
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(100)],
    )
    hr_max_pct = models.PositiveSmallIntegerField(
        _("% max HR to"),
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(100)],
    )
    load = models.CharField(_("load"), max_length=120, blank=True, validators=[single_line])
    cue = models.TextField(_("coaching cue"), blank=True, validators=[multi_line])

    class Meta:
        ordering = ["block", "order"]
        verbose_name = _("prescription")
        verbose_name_plural = _("prescriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(rpe_min__isnull=True) | Q(rpe_min__gte=6, rpe_min__lte=20),
                name="rpe_min_on_borg_scale",
            ),
            models.CheckConstraint(
                condition=Q(rpe_max__isnull=True) | Q(rpe_max__gte=6, rpe_max__lte=20),
                name="rpe_max_on_borg_scale",
            ),
            models.CheckConstraint(
                condition=Q(rpe_min__isnull=True)
                | Q(rpe_max__isnull=True)
                | Q(rpe_min__lte=F("rpe_max")),
                name="rpe_min_not_above_max",
                violation_error_message=_("The RPE range must run from low to high."),
            ),
            models.CheckConstraint(
                condition=Q(hr_min_pct__isnull=True)
                | Q(hr_max_pct__isnull=True)
                | Q(hr_min_pct__lte=F("hr_max_pct")),
                name="hr_min_not_above_max",
                violation_error_message=_("The heart-rate range must run from low to high."),
            ),
            models.CheckConstraint(
                condition=Q(hr_max_bpm__isnull=True) | Q(hr_max_bpm__gte=90, hr_max_bpm__lte=200),
                name="hr_max_bpm_plausible",
                violation_error_message=_(
                    "A heart-rate ceiling runs from 90 to 200 beats a minute."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} {self.dose()}"

    def owning_version(self) -> ProgramVersion:
        return self.block.template.phase.version

    def clean(self) -> None:
        errors = {}
        if self.rpe_min is not None and self.rpe_max is not None and self.rpe_min > self.rpe_max:
            errors["rpe_max"] = _("The RPE range must run from low to high (6-20).")
        if (
            self.hr_min_pct is not None
            and self.hr_max_pct is not None
            and self.hr_min_pct > self.hr_max_pct
        ):
            errors["hr_max_pct"] = _("The heart-rate range must run from low to high.")
        if self.reps is None and self.seconds is None:
            errors["reps"] = _("Give either repetitions or a duration in seconds.")
        if self.block_id and self.exercise_id:
            from .rules import block_exercise_error  # rules reads this module's week constants

            problem = block_exercise_error(self.block.kind, self.exercise.name, self.exercise.kind)
            if problem:
                errors["exercise"] = problem
        if errors:
            raise ValidationError(errors)

    def dose(self) -> str:
        """'3 x 12', '2 x 30 s' or '10 min', for people."""
        sets = self.sets or 1
        if self.reps:
            return f"{sets} x {self.reps}"
        if self.seconds:
            if self.seconds >= 60 and self.seconds % 60 == 0 and sets == 1:
                return _("%(m)d min") % {"m": self.seconds // 60}
            each = _("%(s)d s") % {"s": self.seconds}
            return f"{sets} x {each}" if sets > 1 else each
        return ""
