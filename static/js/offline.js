// The installable app, on every page (issue 17):
// - registers the service worker (/sw.js);
// - for a client: keeps the pages of her next 14 days on the phone (tracker/offline.py),
//   sends logs saved on the phone when she is online (page load, the `online` event, or the
//   worker's Background Sync), shows what waits and what was sent, and keeps a log form
//   usable offline (the log goes to the phone, then to the server);
// - on log-out: wipes the caches and IndexedDB (shared phones).
// `window.PrenafitOutbox.save({url, body, label})` is the one way a page saves a log
// (guided mode uses it): it resolves to {state: "sent", result} | {state: "kept", reason} |
// {state: "refused", message}.
(function () {
  "use strict";
  const core = window.PrenafitOutboxCore;
  const meta = (name) => {
    const tag = document.querySelector('meta[name="' + name + '"]');
    return tag ? tag.content : "";
  };
  const textsTag = document.getElementById("offline-texts");
  const texts = textsTag ? JSON.parse(textsTag.textContent) : null;
  const user = Number(meta("prenafit-client")) || null; // set for a signed-in client only
  const csrf = () => meta("csrf-token");
  const PACK_URL = "/me/offline.json";
  const PACK_KEY = "prenafit-pack";
  const PACK_MAX_AGE_MS = 60 * 60 * 1000;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }

  // --- log-out wipes what this phone keeps ------------------------------------------------
  // Her reminders stop coming to this phone: the server forgets the device, the browser its
  // subscription (the server would also drop it at the push service's first "gone").
  async function forgetPush() {
    try {
      const registration = await navigator.serviceWorker.getRegistration("/");
      const subscription = registration && (await registration.pushManager.getSubscription());
      if (!subscription) {
        return;
      }
      const headers = { Accept: "application/json", "X-CSRFToken": csrf() };
      const list = await fetch("/api/v1/me/push-subscriptions/", { credentials: "same-origin", headers });
      if (list.ok) {
        const mine = (await list.json()).find((device) => device.endpoint === subscription.endpoint);
        if (mine) {
          await fetch("/api/v1/me/push-subscriptions/" + mine.id + "/", {
            method: "DELETE",
            credentials: "same-origin",
            headers,
          });
        }
      }
      await subscription.unsubscribe();
    } catch (error) {
      // offline, or no Push API: Clear-Site-Data ends the subscription with the worker
    }
  }

  document.querySelectorAll('form[data-logout], form[action$="/accounts/logout/"]').forEach((form) => {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.wiped) {
        return;
      }
      event.preventDefault();
      if (core) {
        let unsent = [];
        try {
          unsent = await core.all();
        } catch (error) {
          unsent = [];
        }
        if (unsent.length && texts && !window.confirm(texts.logout_confirm)) {
          return;
        }
        try {
          await core.wipe();
        } catch (error) {
          // the server's Clear-Site-Data answer wipes them too
        }
      }
      await forgetPush();
      localStorage.removeItem(PACK_KEY);
      form.dataset.wiped = "1";
      form.submit();
    });
  });

  if (!core || !texts || !user) {
    return;
  }

  // --- what waits on this phone, and what was sent -------------------------------------------
  const box = document.getElementById("outbox-status");
  const sentNow = [];
  const savedHere = new Set(); // said in full where she saved it: the list here only names it

  function safetyMessage(signs) {
    const messages = signs.map((sign) => texts.tiers[sign]).filter(Boolean);
    const first = texts.tier_order.find((message) => messages.includes(message));
    return [first, texts.not_told].filter(Boolean);
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  async function render() {
    if (!box) {
      return;
    }
    const rows = await core.all(user);
    box.replaceChildren();
    const groups = [
      ["waiting", texts.waiting, "alert-info"],
      ["login", texts.login, "alert-warning"],
    ];
    for (const [state, heading, style] of groups) {
      const mine = rows.filter((row) => row.state === state);
      if (!mine.length) {
        continue;
      }
      const alert = el("div", { class: "alert " + style, "data-outbox": state });
      alert.append(el("p", { class: "mb-1 fw-semibold" }, heading));
      const list = el("ul", { class: "mb-0" });
      mine.forEach((row) => {
        const item = el("li", {}, row.label);
        if (row.warning && !savedHere.has(row.key)) {
          safetyMessage(row.signs).forEach((line) => item.append(el("strong", { class: "d-block" }, line)));
        }
        list.append(item);
      });
      alert.append(list);
      if (state === "login") {
        const next = encodeURIComponent(location.pathname);
        alert.append(el("a", { class: "btn btn-warning mt-2", href: texts.login_url + "?next=" + next }, texts.login_link));
      }
      box.append(alert);
    }
    rows
      .filter((row) => row.state === "refused")
      .forEach((row) => {
        const alert = el("div", { class: "alert alert-danger", "data-outbox": "refused" });
        alert.append(el("p", { class: "mb-1" }, texts.refused + " " + row.label));
        alert.append(el("p", { class: "mb-2" }, row.message));
        if (row.formUrl) {
          alert.append(el("a", { class: "btn btn-primary me-2", href: row.formUrl }, texts.again));
        }
        const discard = el("button", { type: "button", class: "btn btn-outline-danger" }, texts.discard);
        discard.addEventListener("click", async () => {
          await core.remove(row.key);
          render();
        });
        alert.append(discard);
        box.append(alert);
      });
    sentNow.forEach(({ row, result }) => {
      const alert = el("div", { class: "alert alert-success", "data-outbox": "sent" });
      alert.append(el("p", { class: "mb-0" }, texts.sent + " " + row.label));
      if (result && result.safety) {
        alert.classList.replace("alert-success", "alert-danger");
        alert.append(el("p", { class: "mb-1 fw-semibold" }, texts.hold + " " + result.safety.told));
        alert.append(el("a", { class: "btn btn-danger", href: "/me/logs/" + result.id + "/stop/" }, texts.hold_link));
      }
      box.append(alert);
    });
    box.hidden = !box.childElementCount;
  }

  let flushing = null;
  function flush() {
    if (!navigator.onLine) {
      return render();
    }
    if (!flushing) {
      flushing = core
        .flush(csrf(), user)
        .then((outcomes) => {
          if (outcomes.some((o) => o.state === "sent")) {
            keepPages(true); // the kept copies of her sessions now show them logged
          }
          outcomes.filter((o) => o.state === "sent").forEach((o) => {
            sentNow.push(o);
            // The page she saved it on says "sent" in place (guided.js, the log form below).
            window.dispatchEvent(
              new CustomEvent("prenafit:sent", { detail: { key: o.row.key, result: o.result } })
            );
          });
          return outcomes;
        })
        .finally(() => {
          flushing = null;
        });
    }
    return flushing.then(render, render);
  }

  async function askForSync() {
    try {
      const registration = await navigator.serviceWorker.ready;
      if (registration.sync) {
        await registration.sync.register(core.SYNC_TAG);
      }
    } catch (error) {
      // no Background Sync here: the `online` event and the next page load send it
    }
  }

  async function save({ url, body, label, formUrl }) {
    const row = await core.add({ user, url, body, label, formUrl });
    savedHere.add(row.key);
    if (navigator.onLine) {
      const outcomes = await core.flush(csrf(), user);
      const mine = outcomes.find((o) => o.row.key === row.key);
      outcomes
        .filter((o) => o.state === "sent" && o.row.key !== row.key)
        .forEach((o) => sentNow.push(o));
      if (mine && mine.state === "sent") {
        keepPages(true);
        return { state: "sent", result: mine.result };
      }
      if (mine && mine.state === "refused") {
        await core.remove(row.key); // she is told on the page she is on
        return { state: "refused", message: mine.message };
      }
      render();
      return { state: "kept", reason: mine ? mine.reason : "error", key: row.key };
    }
    askForSync();
    render();
    return { state: "kept", reason: "offline", key: row.key };
  }

  window.PrenafitOutbox = { save, safetyMessage, flush };

  window.addEventListener("online", flush);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      const data = event.data || {};
      if (data.type === "flush") {
        flush();
      } else if (data.type === "pages-kept" && data.done) {
        localStorage.setItem(PACK_KEY, JSON.stringify({ version: data.version, at: Date.now() }));
      }
    });
  }
  flush();

  // --- the pages her phone keeps ---------------------------------------------------------------
  async function keepPages(force) {
    if (!navigator.onLine || !navigator.serviceWorker) {
      return;
    }
    const registration = await navigator.serviceWorker.ready;
    let response;
    try {
      response = await fetch(PACK_URL, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      return;
    }
    if (!response.ok || !(response.headers.get("Content-Type") || "").includes("application/json")) {
      return;
    }
    const pack = await response.json();
    const last = JSON.parse(localStorage.getItem(PACK_KEY) || "{}");
    if (!force && last.version === pack.version && Date.now() - last.at < PACK_MAX_AGE_MS) {
      return;
    }
    delete pack.csrf; // the page's token is used; the cached list keeps none
    registration.active.postMessage({ type: "keep-pages", pack });
  }
  keepPages();

  // --- a log form made offline -------------------------------------------------------------------
  document.querySelectorAll("form[data-offline-url]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      if (navigator.onLine) {
        return; // the form posts as usual
      }
      event.preventDefault();
      const body = logBody(form);
      const date = form.querySelector("[name=performed_on]");
      if (date && date.value === date.defaultValue && form.dataset.offlineUrl.includes("/sessions/")) {
        // A page kept on the phone was made days ago: left alone, the date is the server's
        // default for a scheduled session (its day, or the day it is sent if earlier).
        delete body.performed_on;
      }
      const outcome = await save({
        url: form.dataset.offlineUrl,
        body,
        label: form.dataset.offlineLabel,
        formUrl: location.pathname,
      });
      const note = el("div", { class: "alert alert-info", role: "status", "data-offline-saved": "" });
      note.append(el("p", { class: "mb-1 fw-semibold" }, texts.kept));
      if (body.warning_signs.length) {
        safetyMessage(body.warning_signs).forEach((line) => note.append(el("p", { class: "mb-1 fw-bold" }, line)));
      }
      if (outcome.state === "kept") {
        form.replaceWith(note);
        note.scrollIntoView();
        window.addEventListener("prenafit:sent", (sent) => {
          if (sent.detail.key !== outcome.key) {
            return;
          }
          const result = sent.detail.result || {};
          if (result.stop) {
            location.assign("/me/logs/" + result.id + "/stop/"); // who was told, what to do
            return;
          }
          note.classList.replace("alert-info", "alert-success");
          note.replaceChildren(el("p", { class: "mb-0 fw-semibold" }, texts.sent + " " + form.dataset.offlineLabel));
        });
      }
    });
  });

  // The log form's fields as the API takes them (tracker/api/serializers.py LogRequestSerializer).
  function logBody(form) {
    const data = new FormData(form);
    const number = (name) => {
      const value = (data.get(name) || "").toString().trim();
      return value === "" ? null : Number(value);
    };
    const status = data.get("status") || "completed";
    const body = {
      status,
      performed_on: data.get("performed_on"),
      skip_reason: status === "skipped" ? data.get("skip_reason") || "" : "",
      minutes: status === "skipped" ? 0 : number("minutes") || 0,
      rpe: status === "skipped" ? null : number("rpe"),
      avg_heart_rate: status === "skipped" ? null : number("avg_heart_rate"),
      notes: (data.get("notes") || "").toString(),
      warning_signs: data.getAll("warning_signs"),
      exercises: [],
    };
    // One line per exercise of the checklist (ticked or not: FormData leaves unticked out).
    const ids = [...form.querySelectorAll("input[name^='rx_'][name$='_done']")].map(
      (box) => /^rx_(\d+)_/.exec(box.name)[1]
    );
    if (status !== "skipped") {
      ids.forEach((id) => {
        body.exercises.push({
          prescription: Number(id),
          done: data.get("rx_" + id + "_done") === "on",
          sets_done: number("rx_" + id + "_sets"),
          load_used: (data.get("rx_" + id + "_load") || "").toString(),
        });
      });
    }
    return body;
  }
})();
