from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from config.validators import is_single_line
from tracker.feed import schedule_calendar
from tracker.models import Enrolment


@require_GET
def calendar_feed(request, token):
    """Public by its secret URL; a regenerated token makes the old URL answer 404 at once."""
    if not token or not is_single_line(token):  # a NUL would reach PostgreSQL
        raise Http404(gettext("No such calendar."))
    enrolment = Enrolment.objects.filter(feed_token=token).first()
    if enrolment is None:
        raise Http404(gettext("No such calendar."))
    body = schedule_calendar(
        enrolment=enrolment, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="prenafit.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
