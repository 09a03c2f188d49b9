"""A client's pregnancy, safety screening, enrolment and schedule, and what she logs."""

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.validators import multi_line, single_line
from programs.models import Phase, ProgramVersion, SessionTemplate
from users.models import validate_time_zone

User = settings.AUTH_USER_MODEL


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class PregnancyProfile(models.Model):
    client = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="pregnancy", verbose_name=_("client")
    )
    due_date = models.DateField(_("estimated due date"))
    lmp_date = models.DateField(_("first day of last period"), null=True, blank=True)
    birth_date = models.DateField(_("date of the birth"), null=True, blank=True)
    # The pregnancy ended otherwise (SAFETY.md section 5); her PT or an admin can undo it.
    ended_on = models.DateField(_("date the pregnancy ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("pregnancy profile")
        verbose_name_plural = _("pregnancy profiles")

    def __str__(self) -> str:
        return gettext("Pregnancy of %(client)s (due %(date)s)") % {
            "client": self.client,
            "date": self.due_date,
        }


class ScreeningQuestion(models.Model):
    """Pre-participation screen questions (ACOG 804 / Canadian 2019), editable by admins."""

    class Kind(models.TextChoices):
        ABSOLUTE = "absolute", _("Absolute contraindication")
        RELATIVE = "relative", _("Relative contraindication")

    # Translators: a stable code that names the question.
    key = models.SlugField(_("key"), max_length=60, unique=True)
    text = models.CharField(_("text"), max_length=300, validators=[single_line])
    # Translators: the type of a record (question, alert, reminder...).
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Translators: position in a list.
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(
        _("source"),
        max_length=120,
        blank=True,
        validators=[single_line],
        help_text=_("Where the item comes from."),
    )
    rescreen = models.BooleanField(
        _("asked again in the 26-week re-screen"),
        default=False,
        help_text=_("Asked again at 26+0 (placenta, twins, bleeding, labour signs)."),
    )

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("screening question")
        verbose_name_plural = _("screening questions")

    def __str__(self) -> str:
        return self.text


class Screening(models.Model):
    class Result(models.TextChoices):
        CLEARED = "cleared", _("No contraindication")
        PENDING_CLEARANCE = "pending_clearance", _("Needs clearance from a care provider")
        BLOCKED = "blocked", _("Absolute contraindication")

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Safety screen")
        RESCREEN = "rescreen", _("26-week re-screen")

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="screenings", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    answers = models.JSONField(_("answers"), default=dict)  # {question key: bool}
    positive_keys = models.JSONField(_("positive answers"), default=list)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        get_latest_by = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return gettext("Screening of %(client)s on %(date)s: %(result)s") % {
            "client": self.client,
            "date": f"{self.submitted_at:%Y-%m-%d}",
            "result": self.get_result_display(),
        }


class Clearance(models.Model):
    """A care provider's clearance to exercise, recorded by her PT or an admin, or by her
    (self-reported) when she has no PT. It closes the safety items it may close."""

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="clearances", verbose_name=_("client")
    )
    screening = models.ForeignKey(
        Screening,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clearances",
        verbose_name=_("screening"),
    )
    provider = models.CharField(
        _("cleared by (care provider)"),
        max_length=200,
        validators=[single_line],
        help_text=_("Name and role."),
    )
    cleared_on = models.DateField(_("date of the clearance"), null=True, blank=True)
    self_reported = models.BooleanField(_("self-reported"), default=False)
    note = models.TextField(_("note"), blank=True, max_length=5000, validators=[multi_line])
    # RESTRICT, not PROTECT: whoever recorded it cannot be deleted while it stands, except with
    # the client's own account (her self-reported clearances go with her).
    recorded_by = models.ForeignKey(
        User, on_delete=models.RESTRICT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("clearance")
        verbose_name_plural = _("clearances")

    def __str__(self) -> str:
        return gettext("Clearance for %(client)s by %(provider)s") % {
            "client": self.client,
            "provider": self.provider,
        }


class SafetyItem(models.Model):
    """One open (or closed) safety item; the program's state is derived from the open ones
    (SAFETY.md section 1, `tracker/safety.py`). Opened and closed only by
    `tracker/services/safety.py`."""

    class Kind(models.TextChoices):
        ABSOLUTE = "absolute", _("Absolute screen answer")
        RELATIVE = "relative", _("Relative screen answer")
        HOLD = "hold", _("Safety hold")
        RESCREEN_DUE = "rescreen_due", _("26-week re-screen due")
        PAUSE = "pause", _("Pause")

    class Closed(models.TextChoices):
        CLEARANCE = "clearance", _("Care provider's clearance")
        REVIEWED = "reviewed", _("Reviewed by her PT or an admin")
        ANSWERED = "answered", _("Re-screen answered")
        LIFTED = "lifted", _("Pause lifted")
        MIGRATED = "migrated", _("Closed when the screen changed")

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="safety_items", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    # A screen answer: the question's key. A hold: the sign keys that opened it.
    question_key = models.CharField(_("question key"), max_length=60, blank=True)
    signs = models.JSONField(_("signs"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True, validators=[single_line])
    screening = models.ForeignKey(
        Screening,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("screening"),
    )
    session_log = models.ForeignKey(
        "SessionLog",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session log"),
    )
    assessment = models.ForeignKey(
        "Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessment"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    # Did she have a PT when it opened? Only items opened without one may be self-cleared.
    opened_with_pt = models.BooleanField(_("opened with a PT"), default=False)
    # Flagged for her PT's review (e.g. a question that moved from relative to absolute).
    needs_review = models.BooleanField(_("needs review"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_how = models.CharField(
        _("how it was closed"), max_length=10, choices=Closed.choices, blank=True
    )
    close_note = models.TextField(
        _("closing note"), blank=True, max_length=5000, validators=[multi_line]
    )
    clearance = models.ForeignKey(
        Clearance,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("clearance"),
    )

    class Meta:
        ordering = ["opened_at", "pk"]
        verbose_name = _("safety item")
        verbose_name_plural = _("safety items")
        indexes = [models.Index(fields=["client", "closed_at"])]

    def __str__(self) -> str:
        text = (
            gettext("%(kind)s for %(client)s (open)")
            if self.closed_at is None
            else gettext("%(kind)s for %(client)s (closed)")
        )
        return text % {"kind": self.get_kind_display(), "client": self.client_id}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Enrolment(models.Model):
    """Her program: version, days, time. Its state (active, paused, held...) is not stored:
    `tracker.safety.state_of` derives it from her open safety items and her pregnancy."""

    client = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="enrolment", verbose_name=_("client")
    )
    program_version = models.ForeignKey(
        ProgramVersion,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("program version"),
    )
    weekdays = models.JSONField(_("weekdays"), default=list)  # 0 = Monday ... 6 = Sunday
    start_time = models.TimeField(_("start time"))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    reminder_lead_minutes = models.PositiveSmallIntegerField(
        _("reminder lead time (minutes)"), default=60, validators=[MaxValueValidator(24 * 60)]
    )
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return gettext("Enrolment of %(client)s") % {"client": self.client}


class ScheduledSession(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("enrolment")
    )
    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="scheduled_sessions", verbose_name=_("client")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    gestational_week = models.PositiveSmallIntegerField(_("gestational week"))
    version = models.ForeignKey(
        ProgramVersion,
        on_delete=models.PROTECT,
        related_name="scheduled_sessions",
        verbose_name=_("version"),
    )
    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, related_name="+", verbose_name=_("phase")
    )
    template = models.ForeignKey(
        SessionTemplate,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("session template"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    # The template's total minutes when the session was built (templates of a published
    # version never change); adherence counts a partial session at half of it.
    planned_minutes = models.PositiveSmallIntegerField(_("planned minutes"), default=60)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=100, blank=True)
    original_date = models.DateField(_("original date"), null=True, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(
        _("calendar sequence"), default=0
    )  # iCalendar SEQUENCE: bumped on changes
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("scheduled session")
        verbose_name_plural = _("scheduled sessions")
        indexes = [
            models.Index(fields=["client", "date"]),
            models.Index(fields=["status", "date"]),
        ]

    def __str__(self) -> str:
        return gettext("%(date)s %(code)s for %(client)s") % {
            "date": self.date,
            "code": self.template.code,
            "client": self.client_id,
        }


class SessionLog(models.Model):
    """What the client did. One per scheduled session (or none: an unscheduled extra one)."""

    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        PARTIAL = "partial", _("Partly done")
        SKIPPED = "skipped", _("Skipped")

    class SkipReason(models.TextChoices):
        TIME = "time", _("No time")
        PAIN = "pain", _("Pain")
        ILLNESS = "illness", _("Illness")
        CHILDCARE = "childcare", _("Childcare")
        OTHER = "other", _("Other")

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="session_logs", verbose_name=_("client")
    )
    # RESTRICT: a logged session cannot be deleted on its own (rebuilds skip it), but deleting
    # the client's account removes both.
    session = models.OneToOneField(
        ScheduledSession,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="log",
        verbose_name=_("session"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    skip_reason = models.CharField(
        _("reason for skipping"), max_length=10, choices=SkipReason.choices, blank=True
    )
    performed_on = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), default=0, validators=[MaxValueValidator(240)]
    )
    rpe = models.PositiveSmallIntegerField(
        _("effort (Borg 6-20)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(6), MaxValueValidator(20)],
    )
    avg_heart_rate = models.PositiveSmallIntegerField(
        _("average heart rate"),
        null=True,
        blank=True,
        validators=[MinValueValidator(40), MaxValueValidator(220)],
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000, validators=[multi_line])
    warning_signs = models.JSONField(_("warning signs"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # She withdrew it (a mistake): kept for the history, left out of every count. Its session
    # is unlinked (to be logged afresh); the last revision keeps the session's id.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-performed_on", "-pk"]
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")
        constraints = [
            models.CheckConstraint(
                condition=Q(rpe__isnull=True) | Q(rpe__gte=6, rpe__lte=20), name="log_rpe_on_borg"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(date)s %(status)s by %(client)s") % {
            "date": self.performed_on,
            "status": self.get_status_display(),
            "client": self.client_id,
        }


class Notification(models.Model):
    """An in-app message to one user (the e-mail side is the reminders' job)."""

    class Kind(models.TextChoices):
        SCREENING_BLOCKED = "screening_blocked", _("Screening: absolute contraindication")
        SCREENING_PENDING = "screening_pending", _("Screening: clearance needed")
        WARNING_SIGN = "warning_sign", _("Warning sign logged")
        LEG_WEAKNESS = "leg_weakness", _("New leg weakness")
        RED_FLAG = "red_flag", _("Red flag in a check-in")
        SEEN = "seen", _("Client has been seen by her care provider")
        ESCALATION = "escalation", _("Alert not acknowledged (admins)")
        DELIVERY_FAILED = "delivery_failed", _("Urgent alert not delivered (admins)")
        ACCOUNT_DELETION = "account_deletion", _("A client asked to delete her account")
        GENERAL = "general", _("General")

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    about_client = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about the client"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The reminder this notice belongs to: one notice per delivery, whatever the retries.
    delivery = models.OneToOneField(
        "Delivery",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification",
        verbose_name=_("delivery"),
    )
    # The urgent alert this notice tells a PT about (its signs are in the API's payload).
    alert = models.ForeignKey(
        "Alert",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("alert"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class SessionLogRevision(models.Model):
    """The earlier state of a log, kept each time it is edited (visible to her and her PT)."""

    log = models.ForeignKey(
        SessionLog,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("session log"),
    )
    # Translators: the earlier state of a record, kept when it was edited.
    snapshot = models.JSONField(_("snapshot"))
    edited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("edited by")
    )
    edited_at = models.DateTimeField(_("edited at"), default=timezone.now)

    class Meta:
        ordering = ["-edited_at", "-pk"]
        verbose_name = _("session log revision")
        verbose_name_plural = _("session log revisions")

    def __str__(self) -> str:
        return gettext("Revision of log %(id)s at %(when)s") % {
            "id": self.log_id,
            "when": f"{self.edited_at:%Y-%m-%d %H:%M}",
        }


class ExerciseLog(models.Model):
    """One line of a session's checklist."""

    log = models.ForeignKey(
        SessionLog,
        on_delete=models.CASCADE,
        related_name="exercises",
        verbose_name=_("session log"),
    )
    prescription = models.ForeignKey(
        "programs.Prescription",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prescription"),
    )
    done = models.BooleanField(pgettext_lazy("exercise", "done"), default=False)
    sets_done = models.PositiveSmallIntegerField(
        _("sets done"), null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    load_used = models.CharField(
        _("load used"), max_length=80, blank=True, validators=[single_line]
    )
    # Guided mode's "too hard": she stopped this exercise and was shown its easier alternative.
    too_hard = models.BooleanField(_("too hard"), default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("exercise log")
        verbose_name_plural = _("exercise logs")
        constraints = [
            models.UniqueConstraint(fields=["log", "prescription"], name="one_line_per_exercise")
        ]

    def __str__(self) -> str:
        done = pgettext("exercise", "done") if self.done else pgettext("exercise", "not done")
        return f"{self.prescription_id}: {done}"


class OdiSection(models.Model):
    """Oswestry Disability Index wording: short paraphrases shipped as data; an admin may
    replace them with the licensed text. Scoring never depends on the wording."""

    number = models.PositiveSmallIntegerField(
        _("number"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    title = models.CharField(_("title"), max_length=100, validators=[single_line])
    options = models.JSONField(
        _("options"), help_text=_("Six statements, scored 0 to 5 in this order.")
    )
    may_decline = models.BooleanField(
        _("may decline"),
        default=False,
        help_text=_("Offer “prefer not to say” (the sex life section)."),
    )
    paraphrased = models.BooleanField(_("paraphrased"), default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("ODI section")
        verbose_name_plural = _("ODI sections")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.options, list) or len(self.options) != 6:
            raise ValidationError({"options": _("Give exactly six statements, scored 0 to 5.")})


class Assessment(models.Model):
    """A pain and disability check-in: two VAS scales, the ODI and where it hurts."""

    class Kind(models.TextChoices):
        BASELINE = "baseline", _("Baseline (week 16 or enrolment)")
        FOLLOW_UP = "follow_up", _("Week 34 follow-up")
        CHECK_IN = "check_in", _("Weekly check-in")

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    taken_on = models.DateField(_("taken on"))
    gestational_week = models.PositiveSmallIntegerField(_("gestational week"))
    vas_low_back_mm = models.PositiveSmallIntegerField(
        _("VAS low back pain (mm)"), validators=[MaxValueValidator(100)]
    )
    vas_sciatic_mm = models.PositiveSmallIntegerField(
        _("VAS sciatic pain (mm)"), validators=[MaxValueValidator(100)]
    )
    odi_answers = models.JSONField(
        _("ODI answers"), default=list
    )  # ten items: 0-5 or null (skipped)
    odi_percent = models.FloatField(
        _("ODI (%)"), null=True, blank=True
    )  # derived, stored for dashboards
    pain_locations = models.JSONField(_("pain locations"), default=list, blank=True)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # She withdrew it (a mistake): kept for the history, left out of charts, scores and counts.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["taken_on", "pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["client", "taken_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(vas_low_back_mm__lte=100) & Q(vas_sciatic_mm__lte=100),
                name="vas_within_100_mm",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s of %(client)s on %(date)s") % {
            "kind": self.get_kind_display(),
            "client": self.client_id,
            "date": self.taken_on,
        }


class AssessmentRevision(models.Model):
    """The earlier state of a check-in, kept each time she corrects it (her PT sees it)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("assessment")
    )
    snapshot = models.JSONField(_("snapshot"))
    edited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("edited by")
    )
    edited_at = models.DateTimeField(_("edited at"), default=timezone.now)

    class Meta:
        ordering = ["-edited_at", "-pk"]
        verbose_name = _("assessment revision")
        verbose_name_plural = _("assessment revisions")

    def __str__(self) -> str:
        return gettext("Revision of check-in %(id)s at %(when)s") % {
            "id": self.assessment_id,
            "when": f"{self.edited_at:%Y-%m-%d %H:%M}",
        }


class Alert(models.Model):
    """Something her PT must see first: a warning sign, new leg weakness, a blocked screen."""

    class Kind(models.TextChoices):
        WARNING_SIGN = "warning_sign", _("Warning sign during exercise")
        LEG_WEAKNESS = "leg_weakness", _("New leg weakness")
        RED_FLAG = "red_flag", _("Red flag in a check-in")
        SCREENING = "screening", _("Safety screen")

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("client")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The sign or answer keys that raised it (shown to her PT, never in an e-mail).
    signs = models.JSONField(_("signs"), default=list, blank=True)
    # The PT who was told (None: she had no PT, nobody was told).
    pt = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Translators: the physical therapist (fisioterapeuta).
        verbose_name=_("PT"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    session_log = models.ForeignKey(
        SessionLog,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("session log"),
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("assessment"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["client", "acknowledged_at"])]

    def __str__(self) -> str:
        return gettext("%(kind)s for %(client)s") % {
            "kind": self.get_kind_display(),
            "client": self.client_id,
        }


class PTNote(models.Model):
    """A PT's note about a client: visible to PTs only, editable by its author."""

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="pt_notes", verbose_name=_("client")
    )
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("text"), max_length=5000, validators=[multi_line])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Translators: a physical therapist's note about a client (lowercase “pt” in English).
        verbose_name = _("pt note")
        verbose_name_plural = _("pt notes")

    def __str__(self) -> str:
        return gettext("Note on %(client)s by %(author)s") % {
            "client": self.client_id,
            "author": self.author_id,
        }


class ExerciseSwap(models.Model):
    """A PT swaps one exercise for another in a client's sessions from a date on."""

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="exercise_swaps", verbose_name=_("client")
    )
    original = models.ForeignKey(
        "programs.Exercise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("original exercise"),
    )
    replacement = models.ForeignKey(
        "programs.Exercise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("replacement exercise"),
    )
    from_date = models.DateField(_("from date"))
    reason = models.CharField(_("reason"), max_length=300, blank=True, validators=[single_line])
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("exercise swap")
        verbose_name_plural = _("exercise swaps")

    def __str__(self) -> str:
        return gettext("%(original)s -> %(replacement)s for %(client)s") % {
            "original": self.original_id,
            "replacement": self.replacement_id,
            "client": self.client_id,
        }


class PlanChange(models.Model):
    """Who changed a client's plan, when, and how (shown on the PT's client page)."""

    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="plan_changes", verbose_name=_("client")
    )
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    description = models.CharField(_("description"), max_length=300)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")

    def __str__(self) -> str:
        return self.description


class AuditEvent(models.Model):
    """Who viewed or changed which clients' health data: ids and a fixed label of the page or
    change, never a name, an e-mail, a symptom or a score. `actor_ref` and `client_ids` keep the
    ids after an account is deleted (the foreign keys then go null)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CHANGE = "change", _("Changed")
        EXPORT = "export", _("Exported")

    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("actor")
    )
    actor_ref = models.PositiveBigIntegerField(_("actor id"), null=True, blank=True)
    client = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("client"),
    )
    client_ids = models.JSONField(_("client ids"), default=list, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # Translators: audit log column: a fixed label of the page viewed or the change made.
    what = models.CharField(_("what"), max_length=200)
    object_type = models.CharField(_("record type"), max_length=40, blank=True)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["client", "at"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"#{self.actor_ref} {self.action} {self.what} of {self.client_ids}"


class ReminderKind(models.TextChoices):
    SESSION_UPCOMING = "session_upcoming", _("Upcoming session")
    SESSION_MISSED = "session_missed", _("Missed session")
    ASSESSMENT_DUE = "assessment_due", _("Pain check-in due")
    PT_ALERT = "pt_alert", _("Urgent alert about a client (PTs)")
    PT_DIGEST = "pt_digest", _("Weekly digest of my clients (PTs)")
    RESCREEN_DUE = "rescreen_due", _("26-week safety re-screen")
    ADMIN_ESCALATION = "admin_escalation", _("Unacknowledged urgent alert (admins)")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email and in the app")
    IN_APP = "in_app", _("In the app only")


class NotificationSettings(models.Model):
    """A user's reminder preferences: each kind on or off and its channel, the lead time or
    a morning digest for sessions, quiet hours (in her own time zone)."""

    class SessionMode(models.TextChoices):
        BEFORE = "before", _("Before each session")
        DIGEST = "digest", _("A morning digest on session days")

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="notification_settings", verbose_name=_("user")
    )
    session_upcoming = models.BooleanField(_("upcoming sessions"), default=True)
    session_upcoming_channel = models.CharField(
        _("channel for upcoming sessions"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
    )
    session_mode = models.CharField(
        _("session reminder mode"),
        max_length=10,
        choices=SessionMode.choices,
        default=SessionMode.BEFORE,
    )
    session_lead_minutes = models.PositiveSmallIntegerField(
        _("minutes before"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    digest_time = models.TimeField(
        _("morning digest and missed-session time"), default=datetime.time(7, 30)
    )
    session_missed = models.BooleanField(_("missed sessions"), default=True)
    session_missed_channel = models.CharField(
        _("channel for missed sessions"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
    )
    assessment_due = models.BooleanField(_("pain check-ins due"), default=True)
    assessment_due_channel = models.CharField(
        _("channel for pain check-ins due"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
    )
    weekly_check_in = models.BooleanField(
        _("remind me of the optional weekly check-in"), default=False
    )
    pt_alert = models.BooleanField(_("urgent alerts about my clients"), default=True)
    pt_alert_channel = models.CharField(
        _("channel for urgent alerts"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
    )
    pt_digest = models.BooleanField(_("weekly digest of my clients"), default=True)
    pt_digest_channel = models.CharField(
        _("channel for the weekly digest"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
    )
    # Web Push (issue 17): also as a notification on her devices, beside the channel above.
    # Offered only when the server has VAPID keys (tracker.reminders.webpush.push_available).
    session_upcoming_push = models.BooleanField(_("push for upcoming sessions"), default=False)
    session_missed_push = models.BooleanField(_("push for missed sessions"), default=False)
    assessment_due_push = models.BooleanField(_("push for pain check-ins due"), default=False)
    pt_alert_push = models.BooleanField(_("push for urgent alerts"), default=False)
    pt_digest_push = models.BooleanField(_("push for the weekly digest"), default=False)
    # Off unless she sets them (a 07:00 session's 06:00 reminder must not be held back).
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return gettext("Notification settings of %(user)s") % {"user": self.user_id}

    # Safety messages cannot be switched off (SAFETY.md section 1); she may choose the
    # channel of urgent alerts. Each maps to the channel field it follows.
    ALWAYS_ON = {
        ReminderKind.PT_ALERT: "pt_alert_channel",
        ReminderKind.ADMIN_ESCALATION: None,
        ReminderKind.RESCREEN_DUE: "assessment_due_channel",
    }

    def wants(self, kind: str) -> bool:
        if kind in self.ALWAYS_ON:
            return True
        return bool(getattr(self, kind))

    def channel(self, kind: str) -> str:
        if kind in self.ALWAYS_ON:
            field = self.ALWAYS_ON[kind]
            return getattr(self, field) if field else Channel.EMAIL
        return getattr(self, f"{kind}_channel")

    def push(self, kind: str) -> bool:
        """Whether she wants this kind as a push notification too (the always-on kinds follow
        the same field as their channel; an admin escalation never goes by push)."""
        if kind in self.ALWAYS_ON:
            field = self.ALWAYS_ON[kind]
            return bool(getattr(self, field.removesuffix("_channel") + "_push")) if field else False
        return bool(getattr(self, f"{kind}_push"))


class Delivery(models.Model):
    """One message to one person. The unique key (recipient, kind, object, due time) makes
    retries, overlapping dispatcher runs and killed workers produce one message at most."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    class Channel(models.TextChoices):
        # A message's main row: its in-app notice, plus the e-mail when her setting says so
        # when it is sent. A push row is an extra row beside it (issue 17).
        EMAIL = "email", _("Email and in the app")
        IN_APP = "in_app", _("In the app only")
        PUSH = "push", _("Push notification")

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    object_key = models.CharField(_("object key"), max_length=100)
    due_at = models.DateTimeField(_("due at"))
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    skip_reason = models.CharField(_("why it was skipped"), max_length=200, blank=True)
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "object_key", "due_at", "channel"],
                name="one_delivery_per_message_channel",
            ),
            # One main row per message, whatever channel her setting named when it was made
            # (she may switch between e-mail and in-app between two dispatcher passes).
            models.UniqueConstraint(
                fields=["recipient", "kind", "object_key", "due_at"],
                condition=~models.Q(channel="push"),
                name="one_main_delivery_per_message",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return gettext("%(kind)s to %(recipient)s at %(when)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "recipient": self.recipient_id,
            "when": f"{self.due_at:%Y-%m-%d %H:%M}",
            "status": self.get_status_display(),
        }


class PushSubscription(models.Model):
    """One browser or phone that receives Web Push notifications for its user (issue 17). The
    endpoint is the push service's address for this device: one row each, whoever uses it
    last (a shared phone moves to the person who turned notifications on)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="push_subscriptions", verbose_name=_("user")
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    # The browser's keys for the message's encryption (RFC 8291), base64url.
    p256dh = models.CharField(max_length=200, validators=[single_line])
    auth = models.CharField(max_length=100, validators=[single_line])
    # A short label ("Chrome on Android") derived from the User-Agent, never the header itself.
    browser = models.CharField(_("device"), max_length=120, blank=True, validators=[single_line])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_success_at = models.DateTimeField(_("last sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return gettext("%(device)s of %(user)s") % {
            "device": self.browser or gettext("device"),
            "user": self.user_id,
        }


class DataVersion(models.Model):
    """The version of what pages show about one client (`scope` = her id) or of the shared
    content (scope 0), written only by database triggers (tracker/versions.py) and read to key
    cached page parts. Never edited by the application."""

    scope = models.BigIntegerField(_("scope"), primary_key=True)
    token = models.CharField(_("token"), max_length=32, validators=[single_line])
    version = models.BigIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return f"{self.scope}: {self.version}"
