"""Role gates for views. Anonymous users go to log-in; a logged-in user of the wrong role
gets 404, so nobody learns which URLs exist for other roles."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def client_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_client:
            raise Http404("Clients only.")
        return view(request, *args, **kwargs)

    return wrapper


def pt_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_active_pt:
            raise Http404("Physical therapists only.")
        return view(request, *args, **kwargs)

    return wrapper
