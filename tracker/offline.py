"""What a client's phone keeps for offline use (issue 17): the next 14 days of her sessions,
their guided mode and log form, the exercise pages they use, and her home page.

The service worker (`/sw.js`, config/pwa.py) fetches this list while she is online and keeps
those pages in its cache; everything else answers the offline page when there is no network.
"""

import hashlib
from datetime import date, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import ScheduledSession
from .selectors import session_with_content, sessions_of

DAYS = 14


def offline_pack(client, today: date) -> dict:
    """The pages to keep on her phone, and a version that changes when the list does.

    Sessions from today for DAYS days that are not cancelled (a pause's cancelled sessions come
    back when she resumes, so they are kept too). Four queries per session at most (its
    content, for the exercise pages)."""
    sessions = list(
        sessions_of(client)
        .filter(date__gte=today, date__lt=today + timedelta(days=DAYS))
        .filter(Q(status=ScheduledSession.Status.SCHEDULED) | Q(cancel_reason="paused"))
    )
    rows, exercise_urls = [], []
    for session in sessions:
        session_with_content(session)
        for block in session.blocks:
            for rx in block.prescriptions.all():
                url = rx.exercise.get_absolute_url()
                if url not in exercise_urls:
                    exercise_urls.append(url)
        rows.append(
            {
                "id": session.pk,
                "date": session.date.isoformat(),
                "label": f"{date_format(session.date, gettext('l j F'))} · {session.template.name}",
                "url": reverse("tracker:session", args=[session.pk]),
                "go_url": reverse("tracker:session_go", args=[session.pk]),
                "log_url": reverse("tracker:session_log", args=[session.pk]),
            }
        )
    urls = [reverse("home")]
    for row in rows:
        urls += [row["url"], row["go_url"], row["log_url"]]
    urls += exercise_urls
    version = hashlib.sha256(
        "\n".join([today.isoformat(), str(client.pk), *urls]).encode()
    ).hexdigest()[:16]
    return {"version": version, "user": client.pk, "sessions": rows, "urls": urls}
