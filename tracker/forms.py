from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import ProgramVersion
from users.timezones import time_zone_choices

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
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

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
