from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import ProgramVersion
from users.timezones import time_zone_choices
from users.widgets import LongSelect

from .schedule import DEFAULT_WEEKDAYS, WEEKDAY_NAMES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class PregnancyForm(forms.Form):
    due_date = forms.DateField(
        label=_("Estimated due date"),
        required=False,
        widget=DateInput(),
        help_text=_("From your scan or your midwife."),
    )
    lmp_date = forms.DateField(
        label=_("…or the first day of your last period"),
        required=False,
        widget=DateInput(),
        help_text=_("We add 280 days to get your due date."),
    )
    birth_year = forms.IntegerField(
        label=_("Your year of birth (optional)"),
        required=False,
        min_value=1950,
        max_value=2020,
        help_text=_("Used only to show your heart-rate range (220 minus your age)."),
    )


class ScreeningForm(forms.Form):
    """One yes/no question per active screening question."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question.key] = forms.TypedChoiceField(
                label=question.text,
                choices=[("no", _("No")), ("yes", _("Yes"))],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )

    def answers(self) -> dict[str, bool]:
        return {q.key: self.cleaned_data[q.key] for q in self.questions}


WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]


class ScheduleForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Three days a week"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[str(d) for d in DEFAULT_WEEKDAYS],
        help_text=_("A rest day between sessions is recommended."),
    )
    start_time = forms.TimeField(label=_("Usual start time"), widget=TimeInput(), initial="18:00")
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, widget=LongSelect
    )

    def clean_weekdays(self):
        days = self.cleaned_data["weekdays"]
        if len(set(days)) != 3:
            raise forms.ValidationError(_("Choose exactly three days a week."))
        return days


class EnrolmentForm(ScheduleForm):
    version = forms.ModelChoiceField(
        label=_("Program"),
        queryset=ProgramVersion.objects.none(),
        empty_label=None,
    )

    def __init__(self, *args, default_version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = ProgramVersion.objects.filter(
            status=ProgramVersion.Status.PUBLISHED
        ).select_related("program")
        if default_version is not None:
            self.fields["version"].initial = default_version.pk


class RescheduleForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=DateInput())


class BirthForm(forms.Form):
    birth_date = forms.DateField(label=_("Date of the birth"), widget=DateInput())


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)


class ClearanceForm(forms.Form):
    provider = forms.CharField(
        label=_("Cleared by"), max_length=200, help_text=_("The care provider's name and role.")
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


# --- logging ------------------------------------------------------------------------------

from programs.safety import WARNING_SIGNS  # noqa: E402

from .models import OdiSection, SessionLog  # noqa: E402
from .scoring import LOCATIONS, SYMPTOMS  # noqa: E402
from .services import ExerciseInput, LogInput  # noqa: E402

BORG_LABELS = {
    6: "no exertion at all",
    7: "extremely light",
    9: "very light",
    11: "light",
    13: "somewhat hard",
    15: "hard",
    17: "very hard",
    19: "extremely hard",
    20: "maximal exertion",
}
RPE_CHOICES = [("", "—")] + [
    (str(n), f"{n} · {BORG_LABELS[n]}" if n in BORG_LABELS else str(n)) for n in range(6, 21)
]


class SessionLogForm(forms.Form):
    status = forms.ChoiceField(
        label=_("How did it go?"), choices=SessionLog.Status.choices, widget=forms.RadioSelect
    )
    skip_reason = forms.ChoiceField(
        label=_("Why did you skip it?"),
        choices=[("", "—"), *SessionLog.SkipReason.choices],
        required=False,
    )
    performed_on = forms.DateField(label=_("Date"), widget=DateInput())
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=240, required=False)
    rpe = forms.TypedChoiceField(
        label=_("Effort (Borg scale 6-20)"),
        choices=RPE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("12-14, somewhat hard, is the target: you can still talk."),
    )
    avg_heart_rate = forms.IntegerField(
        label=_("Average heart rate (optional)"), min_value=40, max_value=220, required=False
    )
    warning_signs = forms.MultipleChoiceField(
        label=_("Did you notice any of these during or after the session?"),
        choices=WARNING_SIGNS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Tick any that apply. If you tick one, stop exercising and contact your care provider."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, prescriptions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.prescriptions = list(prescriptions)
        for rx in self.prescriptions:
            self.fields[f"rx_{rx.pk}_done"] = forms.BooleanField(
                label=rx.exercise.name, required=False
            )
            self.fields[f"rx_{rx.pk}_sets"] = forms.IntegerField(
                label=_("Sets done"), min_value=0, max_value=20, required=False
            )
            self.fields[f"rx_{rx.pk}_load"] = forms.CharField(
                label=_("Load used"), max_length=80, required=False
            )

    def checklist(self):
        """(prescription, done field, sets field, load field) for the template."""
        return [
            (rx, self[f"rx_{rx.pk}_done"], self[f"rx_{rx.pk}_sets"], self[f"rx_{rx.pk}_load"])
            for rx in self.prescriptions
        ]

    def to_input(self) -> LogInput:
        data = self.cleaned_data
        return LogInput(
            status=data["status"],
            performed_on=data["performed_on"],
            skip_reason=data.get("skip_reason") or "",
            minutes=data.get("minutes") or 0,
            rpe=data.get("rpe"),
            avg_heart_rate=data.get("avg_heart_rate"),
            notes=data.get("notes") or "",
            warning_signs=list(data.get("warning_signs") or []),
            exercises=[
                ExerciseInput(
                    prescription_id=rx.pk,
                    done=bool(data.get(f"rx_{rx.pk}_done")),
                    sets_done=data.get(f"rx_{rx.pk}_sets"),
                    load_used=data.get(f"rx_{rx.pk}_load") or "",
                )
                for rx in self.prescriptions
            ],
        )

    @staticmethod
    def initial_from(log) -> dict:
        initial = {
            "status": log.status,
            "skip_reason": log.skip_reason,
            "performed_on": log.performed_on,
            "minutes": log.minutes,
            "rpe": log.rpe,
            "avg_heart_rate": log.avg_heart_rate,
            "warning_signs": log.warning_signs,
            "notes": log.notes,
        }
        for line in log.exercises.all():
            initial[f"rx_{line.prescription_id}_done"] = line.done
            initial[f"rx_{line.prescription_id}_sets"] = line.sets_done
            initial[f"rx_{line.prescription_id}_load"] = line.load_used
        return initial


DECLINED = "declined"


class AssessmentForm(forms.Form):
    vas_low_back_mm = forms.IntegerField(
        label=_("Low back pain now"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("0 = no pain, 100 = worst pain imaginable"),
    )
    vas_sciatic_mm = forms.IntegerField(
        label=_("Sciatic pain now (pain running down the back of the leg)"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("0 = no pain, 100 = worst pain imaginable"),
    )
    pain_locations = forms.MultipleChoiceField(
        label=_("Where does it hurt?"),
        choices=LOCATIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    symptoms = forms.MultipleChoiceField(
        label=_("How does it feel?"),
        choices=SYMPTOMS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(
            sections if sections is not None else OdiSection.objects.order_by("number")
        )
        for section in self.sections:
            choices = [(str(i), text) for i, text in enumerate(section.options)]
            if section.may_decline:
                choices.append((DECLINED, _("Prefer not to say")))
            self.fields[f"odi_{section.number}"] = forms.ChoiceField(
                label=f"{section.number}. {section.title}",
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
            )

    def odi_fields(self):
        return [self[f"odi_{s.number}"] for s in self.sections]

    def odi_answers(self) -> list[int | None]:
        answers = []
        for number in range(1, 11):
            value = self.cleaned_data.get(f"odi_{number}")
            answers.append(int(value) if value not in (None, "", DECLINED) else None)
        return answers


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type DELETE to confirm"),
        max_length=20,
        help_text=_("This removes your account and everything you logged. It cannot be undone."),
    )

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != "DELETE":
            raise forms.ValidationError(_("Type DELETE in capital letters to confirm."))
        return "DELETE"


# --- PT review ----------------------------------------------------------------------------


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note (PTs only)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class SwapForm(forms.Form):
    original = forms.ModelChoiceField(label=_("Exercise in her plan"), queryset=None)
    replacement = forms.ModelChoiceField(label=_("Swap in"), queryset=None)
    reason = forms.CharField(label=_("Why (optional)"), max_length=300, required=False)

    def __init__(self, *args, in_plan, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        from programs.models import Exercise

        self.fields["original"].queryset = in_plan
        self.fields["replacement"].queryset = Exercise.objects.filter(
            pk__in=[e.pk for e in candidates]
        )
        self.fields["replacement"].choices = [("", "—")] + [(e.pk, e.name) for e in candidates]


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("all", _("All clients")),
            ("alerts", _("Open alerts or clearance")),
            ("below", _("Below the adherence target")),
            ("t1", _("1st trimester")),
            ("t2", _("2nd trimester")),
            ("t3", _("3rd trimester")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("alerts", _("Alerts first")),
            ("name", _("Name")),
            ("adherence", _("Adherence, lowest first")),
            ("-adherence", _("Adherence, highest first")),
            ("week", _("Week of pregnancy, latest first")),
            ("last", _("Last session")),
        ],
    )


# --- notification settings ----------------------------------------------------------------

from .models import NotificationSettings  # noqa: E402


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = [
            "session_upcoming", "session_upcoming_channel", "session_mode", "session_lead_minutes",
            "digest_time", "session_missed", "session_missed_channel", "assessment_due",
            "assessment_due_channel", "weekly_check_in", "pt_alert", "pt_alert_channel",
            "pt_digest", "pt_digest_channel", "quiet_start", "quiet_end",
        ]  # fmt: skip
        widgets = {
            "digest_time": TimeInput(),
            "quiet_start": TimeInput(),
            "quiet_end": TimeInput(),
        }

    def __init__(self, *args, is_pt=False, **kwargs):
        super().__init__(*args, **kwargs)
        client_fields = [
            "session_upcoming", "session_upcoming_channel", "session_mode", "session_lead_minutes",
            "digest_time", "session_missed", "session_missed_channel", "assessment_due",
            "assessment_due_channel", "weekly_check_in",
        ]  # fmt: skip
        pt_fields = ["pt_alert", "pt_alert_channel", "pt_digest", "pt_digest_channel"]
        for name in pt_fields if not is_pt else client_fields:
            del self.fields[name]
