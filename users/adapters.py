from allauth.account.adapter import DefaultAccountAdapter

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.time_zone = data.get("time_zone") or "UTC"
        if data.get("account_type") == "pt":
            user.role = User.Role.PT
            user.pt_approved = False
        else:
            user.role = User.Role.CLIENT
        if commit:
            user.save()
        return user
