from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.views import APIView

from config.api_contract import validation_error
from users.selectors import client_for_pt


def call_service(service, **kwargs):
    """Call one service, its refusals as DRF's exceptions (400 next to the fields, 403 with
    the reason), for a view that adjusts them (a field named differently here). Other views
    may let a service's refusal through: config.api_contract answers it the same way."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise validation_error(exc) from exc
    except DjangoPermissionDenied as exc:
        raise ApiPermissionDenied(" ".join(str(a) for a in exc.args) or None) from exc


class ClientAPIView(APIView):
    """The logged-in client's own data. Any other role gets 404, like the web pages."""

    other_roles_get_404 = True  # documented in the schema (config.api_contract)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.is_client:
            raise NotFound(_("Clients only."))


class PTAPIView(APIView):
    """A PT's linked clients; anyone else's id answers 404."""

    other_roles_get_404 = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.is_active_pt:
            raise NotFound(_("Physical therapists only."))

    def client(self):
        return client_for_pt(pt=self.request.user, client_id=self.kwargs["client_id"])
