from django import forms
from django.utils.translation import gettext_lazy as _

from config.validators import single_line

from .models import User
from .timezones import time_zone_choices
from .widgets import LongSelect

ERR_CONSENT_REQUIRED = _(
    "To use Prenafit, agree to the privacy notice: it says what is kept about you, including "
    "your health data, who sees it and how to delete it."
)
ERR_AGE_REQUIRED = _("Prenafit is only for people aged 16 or older: tick the box to confirm.")
# static/js/timezone.js chooses the browser's zone in a zone field still at UTC (the default,
# and what stays without JavaScript) and shows this under it.
DEFAULT_TIME_ZONE = "UTC"
BROWSER_ZONE_NOTE = _("Chosen from your browser. Change it if it is not where you live.")


def _browser_zone_by_default(form) -> None:
    """The zone field takes the browser's zone if it is still at the default (a form shown
    again after an error keeps what she chose)."""
    if not form.is_bound:
        form.fields["time_zone"].widget.attrs["data-browser-zone"] = BROWSER_ZONE_NOTE


def _consent_field():
    return forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that Prenafit processes my data, including "
            "the health data I enter, as it describes."
        ),
        error_messages={"required": ERR_CONSENT_REQUIRED},
    )


def _age_field():
    return forms.BooleanField(
        label=_("I am 16 or older."), error_messages={"required": ERR_AGE_REQUIRED}
    )


def _link_the_notice(form) -> None:
    """The consent box links to the notice (opened beside the form, so nothing typed is lost)."""
    from django.urls import reverse
    from django.utils.html import format_html

    form.fields["consent"].help_text = format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("privacy"),
        _("Read the privacy notice"),
    )


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to e-mail and password."""

    full_name = forms.CharField(label=_("Full name"), max_length=150, validators=[single_line])
    account_type = forms.ChoiceField(
        label=_("I am"),
        choices=[
            ("client", _("pregnant and want to follow the program")),
            ("pt", _("a physical therapist (an admin approves PT accounts)")),
        ],
        initial="client",
        widget=forms.RadioSelect,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        initial=DEFAULT_TIME_ZONE,
        widget=LongSelect,
    )

    consent = _consent_field()
    age_confirmed = _age_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _link_the_notice(self)
        _browser_zone_by_default(self)

    def signup(self, request, user):
        """allauth calls this after saving the user; the adapter has already set role and name.
        Her consent to the current privacy notice and her age are recorded here."""
        from .services import consent_record

        consent_record(user=user, age_confirmed=self.cleaned_data["age_confirmed"])


class ConsentForm(forms.Form):
    """The privacy notice changed (or she never agreed to one): she agrees before going on."""

    consent = _consent_field()
    age_confirmed = _age_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _link_the_notice(self)


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, widget=LongSelect
    )

    class Meta:
        model = User
        fields = ["full_name", "time_zone", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.time_zone == DEFAULT_TIME_ZONE:  # never chosen (or chosen without JS)
            _browser_zone_by_default(self)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Client's email address"))
