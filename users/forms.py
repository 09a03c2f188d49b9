from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User
from .timezones import time_zone_choices
from .widgets import LongSelect


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to e-mail and password."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
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
        label=_("Time zone"), choices=time_zone_choices, initial="UTC", widget=LongSelect
    )

    def signup(self, request, user):
        """allauth calls this after saving the user; the adapter has already set role and name."""


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, widget=LongSelect
    )

    class Meta:
        model = User
        fields = ["full_name", "time_zone", "language"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Client's e-mail address"))
