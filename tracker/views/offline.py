"""The list of pages a client's phone keeps for offline use (tracker/offline.py)."""

from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from users.decorators import client_required

from .. import offline, selectors


@never_cache
@require_GET
@client_required
def offline_pack(request):
    client = request.user
    pack = offline.offline_pack(client, selectors.local_today(client))
    # The service worker's Background Sync sends waiting logs with this token when no page
    # is open (same-origin JSON: another site cannot read it).
    pack["csrf"] = get_token(request)
    return JsonResponse(pack)
