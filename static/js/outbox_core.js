// Logs made on this phone wait here until the server has them (issue 17). Loaded by pages
// (static/js/offline.js) and by the service worker (/sw.js); needs static/vendor/idb.
//
// Each log is one IndexedDB record with its own Idempotency-Key, sent to the same API the
// app uses (POST /api/v1/me/sessions/<id>/log/ or /api/v1/me/logs/), so a retry gets the
// first answer back and never makes a second log (users/idempotency.py). Only a JSON 2xx is
// "sent". A JSON refusal (already logged, a date out of range) is shown to her and kept until
// she discards it; anything else (no network, the log-in page, a server error) keeps the log
// for the next try.
(function (root) {
  "use strict";
  const DB_NAME = "prenafit";
  const STORE = "outbox";
  const SYNC_TAG = "prenafit-outbox";
  const LOCK = "prenafit-outbox";

  function open() {
    return root.idb.openDB(DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore(STORE, { keyPath: "key" });
      },
    });
  }

  async function all(user) {
    const db = await open();
    const rows = await db.getAll(STORE);
    db.close();
    return rows
      .filter((row) => user === undefined || row.user === user)
      .sort((a, b) => (a.created < b.created ? -1 : 1));
  }

  async function put(row) {
    const db = await open();
    await db.put(STORE, row);
    db.close();
    return row;
  }

  async function remove(key) {
    const db = await open();
    await db.delete(STORE, key);
    db.close();
  }

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) {
      return root.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // Keep a log made on this phone. `body` is exactly what the API takes.
  function add({ user, url, body, label, formUrl }) {
    const signs = (body && body.warning_signs) || [];
    return put({
      key: newKey(),
      user,
      url,
      body,
      label: label || "",
      formUrl: formUrl || "", // where she can make it again if the server refuses it
      created: new Date().toISOString(),
      state: "waiting", // waiting | login | refused
      message: "",
      warning: signs.length > 0,
      signs,
    });
  }

  function isJson(response) {
    return (response.headers.get("Content-Type") || "").includes("application/json");
  }

  function refusal(data) {
    const parts = [data.detail || ""];
    Object.values(data.fields || {}).forEach((messages) => {
      (Array.isArray(messages) ? messages : [messages]).forEach((m) => {
        if (typeof m === "string" && !parts.includes(m)) {
          parts.push(m);
        }
      });
    });
    return parts.filter(Boolean).join(" ");
  }

  // Send one log. Returns {state: "sent", result} | {state: "refused", message} |
  // {state: "kept", reason: "offline" | "login" | "error"}.
  async function send(row, csrfToken) {
    let response;
    try {
      response = await fetch(row.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken || "",
          "Idempotency-Key": row.key,
        },
        body: JSON.stringify(row.body),
      });
    } catch (error) {
      return { state: "kept", reason: "offline" };
    }
    if (!isJson(response)) {
      // The log-in page (an expired session), a captive portal, a proxy's error page.
      const login = response.redirected || response.url.includes("/accounts/login");
      return { state: "kept", reason: login ? "login" : "error" };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      return { state: "kept", reason: "error" };
    }
    if (response.ok) {
      return { state: "sent", result: data };
    }
    if (response.status === 401 || response.status === 403) {
      return { state: "kept", reason: "login" };
    }
    if ([400, 404, 409, 422].includes(response.status)) {
      return { state: "refused", message: refusal(data) };
    }
    return { state: "kept", reason: "error" }; // 429, 5xx: later
  }

  async function flushNow(csrfToken, user) {
    const outcomes = [];
    for (const row of await all(user)) {
      if (row.state === "refused") {
        continue; // she has been told; she discards it or fixes it on the form
      }
      const outcome = await send(row, csrfToken);
      outcome.row = row;
      outcomes.push(outcome);
      if (outcome.state === "sent") {
        await remove(row.key);
      } else if (outcome.state === "refused") {
        await put({ ...row, state: "refused", message: outcome.message });
      } else {
        await put({ ...row, state: outcome.reason === "login" ? "login" : "waiting" });
        if (outcome.reason === "offline" || outcome.reason === "login") {
          break; // the rest would fail the same way
        }
      }
    }
    return outcomes;
  }

  // Send every waiting log, one sender at a time (tabs and the worker share a lock).
  function flush(csrfToken, user) {
    const locks = root.navigator && root.navigator.locks;
    if (locks && locks.request) {
      return locks.request(LOCK, () => flushNow(csrfToken, user));
    }
    return flushNow(csrfToken, user);
  }

  async function wipe() {
    if (root.caches) {
      const names = await root.caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith("prenafit-")).map((n) => root.caches.delete(n))
      );
    }
    await new Promise((resolve) => {
      const request = root.indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  }

  root.PrenafitOutboxCore = { SYNC_TAG, add, all, put, remove, send, flush, wipe };
})(typeof self !== "undefined" ? self : window);
