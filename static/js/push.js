// "Turn on notifications on this phone" on the reminder settings page (issue 17).
// The button is hidden until this script finds the browser able to receive push messages:
// without the Push API it says so; with notifications blocked it says how to allow them.
// Turning them on: subscribe through the service worker (/sw.js, registered by offline.js; here
// too if needed), send the browser's PushSubscription.toJSON() to the API with the page's CSRF
// token and an Idempotency-Key, then reload the page to list the device.
(function () {
  "use strict";
  const button = document.querySelector("[data-push-subscribe]");
  if (!button) {
    return;
  }
  const setup = button.closest("[data-push-setup]") || document;
  const status = setup.querySelector("[data-push-status]");
  const show = (selector) => {
    const node = setup.querySelector(selector);
    if (node) {
      node.hidden = false;
    }
  };
  const say = (text) => {
    if (status) {
      status.textContent = text || "";
    }
  };
  const csrf = () => {
    const tag = document.querySelector('meta[name="csrf-token"]');
    return tag ? tag.content : "";
  };

  // The VAPID public key (base64url) as the bytes PushManager.subscribe wants.
  function keyBytes(base64url) {
    const padded = base64url + "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function sameKey(subscription, key) {
    const own = subscription.options && subscription.options.applicationServerKey;
    if (!own) {
      return true; // the browser does not say: keep it
    }
    const bytes = new Uint8Array(own);
    return bytes.length === key.length && bytes.every((value, i) => value === key[i]);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  const supported =
    "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    show("[data-push-unsupported]");
    return;
  }
  if (Notification.permission === "denied") {
    show("[data-push-denied]");
    return;
  }
  button.hidden = false;

  async function registration() {
    const existing = await navigator.serviceWorker.getRegistration("/");
    if (!existing) {
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    }
    return navigator.serviceWorker.ready;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    say(status && status.dataset.textWorking);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say(status && status.dataset.textRefused);
        if (permission === "denied") {
          button.hidden = true;
          show("[data-push-denied]");
        }
        return;
      }
      const reg = await registration();
      const key = keyBytes(button.dataset.vapidKey);
      let subscription = await reg.pushManager.getSubscription();
      if (subscription && !sameKey(subscription, key)) {
        await subscription.unsubscribe(); // made for an earlier server key: it would be refused
        subscription = null;
      }
      if (!subscription) {
        subscription = await reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key,
        });
      }
      const response = await fetch("/api/v1/me/push-subscriptions/", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrf(),
          "Idempotency-Key": newKey(),
        },
        body: JSON.stringify(subscription.toJSON()),
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.includes("application/json")) {
        let detail = "";
        if (type.includes("application/json")) {
          detail = (await response.json()).detail || "";
        }
        say(detail || (status && status.dataset.textFailed));
        return;
      }
      window.location.reload();
    } catch (error) {
      say(status && status.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  });
})();
