"""allauth's account forms with the site's sentence-case labels ("Remember me", not "Remember
Me"). Only the words change: each form is allauth's own, so its validation, password rules and
rate limits stay as they are. Registered with ACCOUNT_FORMS in config/settings/base.py.

This module is apart from users/forms.py because allauth's forms import the sign-up form class
(ACCOUNT_SIGNUP_FORM_CLASS), which lives there."""

from allauth.account import forms as allauth_forms
from django.utils.translation import gettext_lazy as _

REMEMBER_ME = _("Remember me")
CURRENT_PASSWORD = _("Current password")
NEW_PASSWORD = _("New password")
NEW_PASSWORD_AGAIN = _("New password (again)")


class SentenceCaseLabels:
    """Sets `labels` on the fields the form has; a field whose placeholder was its label (as
    allauth's password fields do) gets the new label as placeholder too."""

    labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            field = self.fields.get(name)
            if field is None:
                continue
            if str(field.widget.attrs.get("placeholder", "")) == str(field.label):
                field.widget.attrs["placeholder"] = label
            field.label = label


class LoginForm(SentenceCaseLabels, allauth_forms.LoginForm):
    labels = {"remember": REMEMBER_ME}


class ChangePasswordForm(SentenceCaseLabels, allauth_forms.ChangePasswordForm):
    labels = {
        "oldpassword": CURRENT_PASSWORD,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD_AGAIN,
    }


class ResetPasswordKeyForm(SentenceCaseLabels, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD_AGAIN}
