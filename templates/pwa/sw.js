// Prenafit's service worker (rendered by config/pwa.py; scope /). Version {{ version }}.
//
// - Static files: cached at install, served from the cache first.
// - Pages: from the network (5 s at most); the pages her phone keeps for offline use (the
//   next 14 days of her sessions, their guided mode and log form, their exercise pages, home:
//   tracker/offline.py) are fetched into the cache when the page asks (static/js/offline.js:
//   when the list changes, hourly, and after a log is sent), and answer when the network does
//   not. Any other page answers the offline page.
// - Logs made offline wait in IndexedDB (static/js/outbox_core.js) and are sent by the page
//   (online event, page load) or here on Background Sync.
// - Push: shows the reminder and opens its page on click.
"use strict";
importScripts("{{ idb|escapejs }}", "{{ outbox|escapejs }}");

const VERSION = "{{ version|escapejs }}";
const STATIC_CACHE = "prenafit-static-" + VERSION;
const PAGES_CACHE = "prenafit-pages";
const OFFLINE_URL = "/offline/";
const PACK_URL = "/me/offline.json";
const PRECACHE = {{ precache|safe }};
const NETWORK_TIMEOUT_MS = 5000;
const NEVER = ["/api/", "/admin/", "/accounts/", "/sw.js", "/me/offline.json"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      .then((cache) => cache.addAll([...PRECACHE, OFFLINE_URL]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("prenafit-static-") && name !== STATIC_CACHE)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

async function fromCacheFirst(request) {
  const cached = await caches.match(request, { cacheName: STATIC_CACHE });
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(STATIC_CACHE);
    cache.put(request, response.clone());
  }
  return response;
}

async function page(request) {
  const url = new URL(request.url);
  const key = url.origin + url.pathname;
  try {
    return await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
  } catch (error) {
    const cached = await caches.match(key, { cacheName: PAGES_CACHE });
    if (cached) {
      return cached;
    }
    return (await caches.match(OFFLINE_URL, { cacheName: STATIC_CACHE })) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return; // the network, untouched (POSTs, other sites)
  }
  if (NEVER.some((prefix) => url.pathname.startsWith(prefix))) {
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(fromCacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// The page sends the list of pages to keep (tracker/offline.py) after it fetched it online.
async function keepPages(pack) {
  const cache = await caches.open(PAGES_CACHE);
  const wanted = new Set(pack.urls.map((path) => new URL(path, self.location.origin).href));
  wanted.add(new URL(PACK_URL, self.location.origin).href);
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) {
      await cache.delete(request);
    }
  }
  await cache.put(
    PACK_URL,
    new Response(JSON.stringify(pack), { headers: { "Content-Type": "application/json" } })
  );
  for (const path of pack.urls) {
    try {
      // Marked as the phone's copy: the page then leaves her one-time messages ("Session
      // logged") for the page she opens herself (templates/base.html).
      const response = await fetch(path, {
        credentials: "same-origin",
        headers: { "X-Offline-Copy": "1" },
      });
      if (response.ok && !response.redirected) {
        await cache.put(path, response);
      }
    } catch (error) {
      return false; // the network went: try again on the next page load
    }
  }
  return true;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep-pages" && data.pack) {
    event.waitUntil(
      keepPages(data.pack).then((done) => {
        if (event.source) {
          event.source.postMessage({ type: "pages-kept", version: data.pack.version, done });
        }
      })
    );
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

// Background Sync: an open page sends (it has the page's CSRF token); with none open, the
// worker asks the server for a token (same-origin JSON) and sends itself.
self.addEventListener("sync", (event) => {
  if (event.tag !== PrenafitOutboxCore.SYNC_TAG) {
    return;
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then(async (windows) => {
      if (windows.length) {
        windows.forEach((client) => client.postMessage({ type: "flush" }));
        return;
      }
      const response = await fetch(PACK_URL, { credentials: "same-origin" });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.includes("application/json")) {
        return; // signed out: the next page load after she logs in sends them
      }
      const pack = await response.json();
      await PrenafitOutboxCore.flush(pack.csrf, pack.user);
    })
  );
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const title = data.title || "Prenafit";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag || undefined,
      icon: "{{ icon|escapejs }}",
      badge: "{{ icon|escapejs }}",
      data: { url: data.url || "/home/" },
    })
  );
});

// A click opens the reminder's page: the tab already showing it, else a new window, else (a
// browser that refuses a new window) the open tab of ours navigates there.
async function openPage(path) {
  const target = new URL(path || "/home/", self.location.origin);
  if (target.origin !== self.location.origin) {
    return null; // only our own pages
  }
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const showing = windows.find((client) => client.url === target.href);
  if (showing) {
    return showing.focus().catch(() => showing);
  }
  try {
    return await self.clients.openWindow(target.href);
  } catch (error) {
    const ours = windows.find((client) => "navigate" in client);
    return ours ? ours.navigate(target.href) : null;
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const opening = openPage(event.notification.data && event.notification.data.url);
  try {
    event.waitUntil(opening);
  } catch (error) {
    // an event made by a script (the browser tests): it runs all the same
  }
});
