"""A reminder pushed to her phone shows as a notification and a click opens its page (issue 17).

Headless Chromium cannot subscribe to a real push service, so the message the server builds for
a real reminder (tracker.reminders.webpush.payload_for) is handed to the service worker through
the DevTools protocol (`ServiceWorker.deliverPushMessage`), as a push service would after
decrypting nothing. A script cannot click a system notification; the test dispatches the
worker's `notificationclick` for the notification the push made, which runs the same handler
(the browser then refuses a new window to a script, so the handler takes its fallback: the open
tab goes to the page)."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_offline_journey import (
    _client_with_session_today,
    _log_in,
    _wait_for_worker,
)
from tests.clock import pin
from tracker.models import Delivery, ReminderKind
from tracker.reminders.webpush import payload_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]


def test_a_pushed_reminder_shows_and_its_click_opens_the_session(page, live_server, context):
    client, session = _client_with_session_today(name="Petra Push")
    base = live_server.url
    context.grant_permissions(["notifications"], origin=base)
    _log_in(page, base, client.email)
    _wait_for_worker(page)
    delivery = Delivery.objects.create(
        recipient=client,
        kind=ReminderKind.SESSION_UPCOMING,
        object_key=f"session:{session.pk}",
        due_at=session.date.isoformat() + "T17:00:00Z",
        channel=Delivery.Channel.PUSH,
    )
    payload = payload_for(delivery)
    assert "Petra" not in json.dumps(payload)

    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(20):
        if registrations:
            break
        page.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == base + "/")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": base + "/",
            "registrationId": registration["registrationId"],
            "data": json.dumps(payload),
        },
    )
    # Chromium's list of shown notifications can read empty for a moment while it writes it:
    # read it in one go once it has the notification.
    shown = []
    for _ in range(50):
        shown = page.evaluate(
            """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                .map(n => ({title: n.title, body: n.body, url: n.data.url, tag: n.tag}))"""
        )
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown == [
        {
            "title": payload["title"],
            "body": payload["body"],
            "url": payload["url"],
            "tag": payload["tag"],
        }
    ]

    # The worker that controls her page (Chromium may also list one it stopped or replaced).
    worker = next(
        w
        for w in reversed(context.service_workers)
        if w.evaluate("() => self.registration.active === self.serviceWorker")
    )
    worker.evaluate(
        """async () => {
            let list = [];
            for (let i = 0; i < 50 && !list.length; i++) {
                list = await self.registration.getNotifications();
                if (!list.length) await new Promise(r => setTimeout(r, 100));
            }
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification: list[0]}));
        }"""
    )
    page.wait_for_url(base + payload["url"])
    expect(page.get_by_role("heading", name=session.template.name, exact=False)).to_be_visible()
    for _ in range(50):  # the click closed it
        left = page.evaluate(
            "async () => (await (await navigator.serviceWorker.ready).getNotifications()).length"
        )
        if left == 0:
            break
        page.wait_for_timeout(100)
    assert left == 0
