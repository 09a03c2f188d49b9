import functools

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.validators import multi_line, single_line
from programs.models import ProgramVersion
from users.timezones import time_zone_choices
from users.widgets import LongSelect

from .schedule import DEFAULT_WEEKDAYS


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


WEEKDAY_CHOICES = [(str(i), WEEKDAYS[i]) for i in range(7)]  # lazy: in her language


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


class PauseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=200, required=False, validators=[single_line]
    )


class ClearanceForm(forms.Form):
    provider = forms.CharField(
        label=_("Cleared by"),
        max_length=200,
        validators=[single_line],
        help_text=_("The care provider's name and role."),
    )
    cleared_on = forms.DateField(
        label=_("Date of the clearance"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty for today."),
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        validators=[multi_line],
    )


# --- logging ------------------------------------------------------------------------------

from programs.safety import WARNING_SIGNS  # noqa: E402

from .models import OdiSection, SessionLog  # noqa: E402
from .scoring import LOCATIONS, SYMPTOMS  # noqa: E402
from .services import ExerciseInput, LogInput  # noqa: E402

BORG_LABELS = {
    6: _("no exertion at all"),
    7: _("extremely light"),
    9: _("very light"),
    11: _("light"),
    13: _("somewhat hard"),
    15: _("hard"),
    17: _("very hard"),
    19: _("extremely hard"),
    20: _("maximal exertion"),
}
# Numbers out of range, in words (not Django's "Ensure this value is less than or equal to").
ERR_MINUTES = _("Enter a number of minutes from 0 to 240.")
ERR_HEART_RATE = _("Enter a heart rate from 40 to 220 beats a minute.")
ERR_SETS = _("Enter a number of sets from 0 to 20.")
ERR_VAS_RANGE = _("Choose a number from 0 (no pain) to 100.")

RPE_CHOICES = [("", "—")] + [
    (str(n), format_lazy("{} · {}", n, BORG_LABELS[n]) if n in BORG_LABELS else str(n))
    for n in range(6, 21)
]


def _line_fields(label="") -> dict:
    """The fields of one line of her checklist: done, sets and load."""
    return {
        "done": forms.BooleanField(label=label, required=False),
        "sets": forms.IntegerField(
            label=_("Sets done"),
            min_value=0,
            max_value=20,
            required=False,
            error_messages={"min_value": ERR_SETS, "max_value": ERR_SETS},
        ),
        "load": forms.CharField(
            label=_("Load used"), max_length=80, required=False, validators=[single_line]
        ),
    }


@functools.cache
def _shared_line_fields() -> dict:
    """One set of `_line_fields` that cleans every line of a posted log (a field that only
    cleans holds no state)."""
    return _line_fields()


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
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=0,
        max_value=240,
        required=False,
        error_messages={"min_value": ERR_MINUTES, "max_value": ERR_MINUTES},
    )
    rpe = forms.TypedChoiceField(
        label=_("Effort (Borg scale 6-20)"),
        choices=RPE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("12-14, somewhat hard, is the target: you can still talk."),
    )
    avg_heart_rate = forms.IntegerField(
        label=_("Average heart rate (optional)"),
        min_value=40,
        max_value=220,
        required=False,
        error_messages={"min_value": ERR_HEART_RATE, "max_value": ERR_HEART_RATE},
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
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        validators=[multi_line],
    )

    def __init__(self, *args, prescriptions=(), prescription_ids=None, **kwargs):
        """`prescriptions`: her session's checklist as she reads it
        (`selectors.session_checklist`), to draw the form: three fields a line. Or
        `prescription_ids`: only its lines' ids (`selectors.session_checklist_ids`), enough to
        check and save a posted log. A form made so is never drawn (`checklist` is empty): its
        lines are cleaned in `clean` by one shared set of the same fields (a refused log's form
        is made again with her checklist, to show each error by its line)."""
        super().__init__(*args, **kwargs)
        self.prescriptions = list(prescriptions)
        names = {rx.pk: rx.exercise.name for rx in self.prescriptions}
        self.prescription_ids = list(names if prescription_ids is None else prescription_ids)
        self.drawn = prescription_ids is None
        if self.drawn:
            for pk in self.prescription_ids:
                for part, line_field in _line_fields(label=names[pk]).items():
                    self.fields[f"rx_{pk}_{part}"] = line_field

    def clean(self):
        data = super().clean()
        if not self.drawn:
            for pk in self.prescription_ids:
                for part, line_field in _shared_line_fields().items():
                    name = f"rx_{pk}_{part}"
                    value = line_field.widget.value_from_datadict(
                        self.data, self.files, self.add_prefix(name)
                    )
                    try:
                        data[name] = line_field.clean(value)
                    except forms.ValidationError as error:
                        self.add_error(None, error)
        return data

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
                    prescription_id=pk,
                    done=bool(data.get(f"rx_{pk}_done")),
                    sets_done=data.get(f"rx_{pk}_sets"),
                    load_used=data.get(f"rx_{pk}_load") or "",
                )
                for pk in self.prescription_ids
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
NOT_APPLICABLE = "not_applicable"
NO_ANSWER = (None, "", DECLINED, NOT_APPLICABLE)  # each is stored as null (left out of the score)

# The check-in's symptom list in three parts (SAFETY.md section 2): how the pain feels, the calf
# follow-up question and the red flags. The service gets one list of scoring.SYMPTOMS keys.
FEEL_KEYS = ["shooting", "burning", "pins_and_needles", "numbness", "weakness"]
CALF_FOLLOW_UP_KEY = "calf_swelling"
RED_FLAG_KEYS = [
    "saddle_numbness",
    "bladder_bowel_change",
    "both_legs",
    "vaginal_bleeding",
    "fluid_leaking",
    "contractions",
    "chest_pain",
]
ERR_VAS_UNSET = _("Move the slider to show how much it hurts, or tick “no pain”.")
ERR_VAS_BOTH = _("You ticked “no pain” but also chose a number above 0: choose one.")
ERR_CALF_FOLLOW_UP = _("You ticked the calf: tell us whether one calf is swollen, red or warm.")


class AssessmentForm(forms.Form):
    """A check-in. Each VAS starts with no value: she moves the slider (or types a number) or
    ticks "no pain"; an untouched one is refused, never saved as 0 (SAFETY.md section 6)."""

    VAS = ("vas_low_back_mm", "vas_sciatic_mm")

    vas_low_back_mm = forms.IntegerField(
        label=_("Low back pain now"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("0 = no pain, 100 = worst pain imaginable"),
        error_messages={"min_value": ERR_VAS_RANGE, "max_value": ERR_VAS_RANGE},
    )
    vas_low_back_mm_none = forms.BooleanField(label=_("No low back pain"), required=False)
    vas_sciatic_mm = forms.IntegerField(
        label=_("Sciatic pain now (pain running down the back of the leg)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("0 = no pain, 100 = worst pain imaginable"),
        error_messages={"min_value": ERR_VAS_RANGE, "max_value": ERR_VAS_RANGE},
    )
    vas_sciatic_mm_none = forms.BooleanField(label=_("No sciatic pain"), required=False)
    pain_locations = forms.MultipleChoiceField(
        label=_("Where does it hurt?"),
        choices=LOCATIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    calf_swelling = forms.ChoiceField(
        label=_("If your calf hurts: is one calf swollen, red or warm?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Ordinary cramps at night that pass are not what we mean."),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("How does it feel?"),
        choices=[(k, label) for k, label in SYMPTOMS if k in FEEL_KEYS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    red_flags = forms.MultipleChoiceField(
        label=_("Since your last check-in, have you had any of these?"),
        choices=[(k, label) for k, label in SYMPTOMS if k in RED_FLAG_KEYS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Tick any that apply. If one is happening now, do not wait to finish this form: "
            "call your maternity unit, your doctor or the emergency number."
        ),
    )

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(
            sections if sections is not None else OdiSection.objects.order_by("number")
        )
        for section in self.sections:
            choices = [(str(i), text) for i, text in enumerate(section.options)]
            if section.may_decline:
                choices.append((NOT_APPLICABLE, _("Not applicable to me")))
                choices.append((DECLINED, _("Prefer not to say")))
            self.fields[f"odi_{section.number}"] = forms.ChoiceField(
                label=f"{section.number}. {section.title}",
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
            )

    def clean(self):
        data = super().clean()
        for name in self.VAS:
            if name in self.errors:
                continue
            value, none = data.get(name), data.get(f"{name}_none")
            if none and value not in (None, 0):
                self.add_error(name, ERR_VAS_BOTH)
            elif none:
                data[name] = 0
            elif value is None:
                self.add_error(name, ERR_VAS_UNSET)
        if "calf" in (data.get("pain_locations") or []) and not data.get("calf_swelling"):
            self.add_error("calf_swelling", ERR_CALF_FOLLOW_UP)
        return data

    def vas_fields(self):
        return [(self[name], self[f"{name}_none"]) for name in self.VAS]

    def odi_fields(self):
        return [self[f"odi_{s.number}"] for s in self.sections]

    def odi_answers(self) -> list[int | None]:
        answers = []
        for number in range(1, 11):
            value = self.cleaned_data.get(f"odi_{number}")
            answers.append(None if value in NO_ANSWER else int(value))
        return answers

    @staticmethod
    def initial_from(assessment) -> dict:
        """A saved check-in as the form's answers, to correct it (a 0 shows as "no pain"; an
        ODI section stored without a score shows unanswered, which stores the same)."""
        symptoms = set(assessment.symptoms)
        initial = {
            "pain_locations": list(assessment.pain_locations),
            "symptoms": [k for k in FEEL_KEYS if k in symptoms],
            "red_flags": [k for k in RED_FLAG_KEYS if k in symptoms],
        }
        if "calf" in assessment.pain_locations:
            initial["calf_swelling"] = "yes" if CALF_FOLLOW_UP_KEY in symptoms else "no"
        for name in AssessmentForm.VAS:
            value = getattr(assessment, name)
            initial[name if value else f"{name}_none"] = value if value else True
        for number, answer in enumerate(assessment.odi_answers, start=1):
            if answer is not None:
                initial[f"odi_{number}"] = str(answer)
        return initial

    def symptom_keys(self) -> list[str]:
        """One list of scoring.SYMPTOMS keys: how it feels, the red flags, the calf answer."""
        data = self.cleaned_data
        keys = list(data.get("symptoms") or []) + list(data.get("red_flags") or [])
        if data.get("calf_swelling") == "yes":
            keys.append(CALF_FOLLOW_UP_KEY)
        return keys


# The word she types to ask for her account's deletion, in her language ("BORRAR"); the
# English word is accepted in every language.
DELETE_WORD = pgettext_lazy("the word typed to delete an account, in capitals", "DELETE")


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=format_lazy(_("Type {word} to confirm"), word=DELETE_WORD),
        max_length=20,
        validators=[single_line],
        help_text=_(
            "Your account and everything you logged are deleted after 7 days; until then you "
            "can cancel."
        ),
    )

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() not in {str(DELETE_WORD), "DELETE"}:
            raise forms.ValidationError(
                format_lazy(_("Type {word} in capital letters to confirm."), word=DELETE_WORD)
            )
        return "DELETE"


# --- PT review ----------------------------------------------------------------------------


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note (PTs only)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        validators=[multi_line],
    )


class SwapForm(forms.Form):
    original = forms.ModelChoiceField(label=_("Exercise in her plan"), queryset=None)
    replacement = forms.ModelChoiceField(label=_("Swap in"), queryset=None)
    reason = forms.CharField(
        label=_("Why (optional)"), max_length=300, required=False, validators=[single_line]
    )

    def __init__(self, *args, in_plan, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        from programs.models import Exercise

        self.fields["original"].queryset = in_plan
        self.fields["replacement"].queryset = Exercise.objects.filter(
            pk__in=[e.pk for e in candidates]
        )
        self.fields["replacement"].choices = [("", "—")] + [(e.pk, e.name) for e in candidates]


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name"), required=False, max_length=100, validators=[single_line]
    )
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

ERR_LEAD_MINUTES = _("Enter a number of minutes from 5 to 1440 (24 hours).")
# Web Push (issue 17): one "also on my phone" switch per kind, when the server offers push.
PUSH_FIELDS = (
    "session_upcoming_push", "session_missed_push", "assessment_due_push", "pt_alert_push",
    "pt_digest_push",
)  # fmt: skip
PUSH_LABEL = _("Also as a notification on my phone (push)")
PUSH_HELP = _('It goes to each device listed under "This phone", below.')


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = [
            "session_upcoming", "session_upcoming_channel", "session_mode", "session_lead_minutes",
            "digest_time", "session_missed", "session_missed_channel", "assessment_due",
            "assessment_due_channel", "weekly_check_in", "pt_alert_channel",
            "pt_digest", "pt_digest_channel", "quiet_start", "quiet_end",
            *PUSH_FIELDS,
        ]  # fmt: skip
        # Urgent alerts about a client cannot be switched off (SAFETY.md section 1): there is
        # no "pt_alert" field here, only the channel.
        # Every label is written here: a model field's name ("Session upcoming channel") is
        # not words a person uses.
        labels = {
            "session_upcoming": _("Remind me of my sessions"),
            "session_upcoming_channel": _("How to remind you"),
            "session_mode": _("When to remind you"),
            "session_lead_minutes": _("Minutes before the session"),
            "digest_time": _("Time of the morning digest and of missed-session reminders"),
            "session_missed": _("Tell me when I missed a session"),
            "session_missed_channel": _("How to tell you"),
            "assessment_due": _("Remind me when a pain check-in is due"),
            "assessment_due_channel": _("How to remind you"),
            "weekly_check_in": _("Also remind me of the optional weekly check-in"),
            "pt_alert_channel": _("Urgent alerts about my clients (always on)"),
            "pt_digest": _("Send me a weekly digest of my clients"),
            "pt_digest_channel": _("How to send it"),
            "quiet_start": _("Quiet hours from"),
            "quiet_end": _("Quiet hours until"),
            **{name: PUSH_LABEL for name in PUSH_FIELDS},
        }
        help_texts = {
            "pt_alert_channel": _(
                "Urgent alerts cannot be switched off. Choose how they reach you; they are "
                "always in the app."
            ),
            "session_lead_minutes": _("From 5 minutes to 1440 (24 hours)."),
            **{name: PUSH_HELP for name in PUSH_FIELDS},
        }
        error_messages = {
            "session_lead_minutes": {"min_value": ERR_LEAD_MINUTES, "max_value": ERR_LEAD_MINUTES}
        }
        widgets = {
            "session_lead_minutes": forms.NumberInput(attrs={"min": 5, "max": 24 * 60}),
            "digest_time": TimeInput(),
            "quiet_start": TimeInput(),
            "quiet_end": TimeInput(),
        }

    # The page shows the fields in these groups, each under its heading (only those it has).
    SECTIONS = [
        (
            _("Session reminders"),
            ["session_upcoming", "session_upcoming_channel", "session_upcoming_push",
             "session_mode", "session_lead_minutes", "digest_time"],
        ),
        (_("Missed sessions"), ["session_missed", "session_missed_channel", "session_missed_push"]),
        (
            _("Pain check-ins"),
            ["assessment_due", "assessment_due_channel", "assessment_due_push", "weekly_check_in"],
        ),
        (_("Urgent alerts"), ["pt_alert_channel", "pt_alert_push"]),
        (_("Weekly digest"), ["pt_digest", "pt_digest_channel", "pt_digest_push"]),
        (_("Quiet hours"), ["quiet_start", "quiet_end"]),
    ]  # fmt: skip

    def __init__(self, *args, is_pt=False, push=False, **kwargs):
        super().__init__(*args, **kwargs)
        client_fields = [
            "session_upcoming", "session_upcoming_channel", "session_mode", "session_lead_minutes",
            "digest_time", "session_missed", "session_missed_channel", "assessment_due",
            "assessment_due_channel", "weekly_check_in",
            "session_upcoming_push", "session_missed_push", "assessment_due_push",
        ]  # fmt: skip
        pt_fields = ["pt_alert_channel", "pt_digest", "pt_digest_channel", "pt_alert_push",
                     "pt_digest_push"]  # fmt: skip
        for name in pt_fields if not is_pt else client_fields:
            del self.fields[name]
        if not push:  # no VAPID keys on the server: the push channel is not offered
            for name in PUSH_FIELDS:
                self.fields.pop(name, None)

    def sections(self):
        """(heading, bound fields) for each group the form has, in order."""
        return [
            (heading, [self[name] for name in names if name in self.fields])
            for heading, names in self.SECTIONS
            if any(name in self.fields for name in names)
        ]


# --- PT: safety review (SAFETY.md sections 1 and 4) ---------------------------------------


class ItemReviewForm(forms.Form):
    """Her PT reviews an open relative screen answer, or one flagged for review."""

    item = forms.IntegerField(widget=forms.HiddenInput())
    note = forms.CharField(
        label=_("Review note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[multi_line],
        help_text=_("What you reviewed and why exercise can go on."),
    )


# --- the client's side of the safety loop (SAFETY.md sections 3 and 5) --------------------


class SelfClearanceForm(forms.Form):
    """She records her own care provider's clearance (self-reported; only without a PT)."""

    provider = forms.CharField(
        label=_("Who cleared you"),
        max_length=200,
        validators=[single_line],
        help_text=_("Your care provider's name or role, e.g. “Dr Ruiz, obstetrician”."),
    )
    cleared_on = forms.DateField(label=_("Date they cleared you"), widget=DateInput())
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[multi_line],
    )


class SeenForm(forms.Form):
    """She tells her PT she has been seen by her care provider."""

    provider = forms.CharField(
        label=_("Who saw you"),
        max_length=200,
        validators=[single_line],
        help_text=_("Your care provider's name or role, e.g. “midwife at the health centre”."),
    )
    seen_on = forms.DateField(label=_("Date you were seen"), widget=DateInput())


class PregnancyEndForm(forms.Form):
    """ "My baby was born" or "my pregnancy has ended", and the date (then an "are you
    sure?" step)."""

    outcome = forms.ChoiceField(
        label=_("What happened"),
        choices=[("birth", _("My baby was born")), ("ended", _("My pregnancy has ended"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one.")},
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
