// The offline page lists the sessions this phone keeps (the worker's cached copy of
// /me/offline.json, see tracker/offline.py), so she can still start one.
(function () {
  "use strict";
  const section = document.getElementById("offline-sessions");
  if (!section || !window.caches) {
    return;
  }
  caches
    .match("/me/offline.json", { cacheName: "prenafit-pages" })
    .then((response) => (response ? response.json() : null))
    .then((pack) => {
      if (!pack || !pack.sessions || !pack.sessions.length) {
        return;
      }
      const list = section.querySelector("[data-list]");
      const template = section.querySelector("template[data-row]");
      pack.sessions.forEach((session) => {
        const row = template.content.cloneNode(true);
        const view = row.querySelector("[data-view]");
        view.href = session.url;
        view.textContent = session.label;
        row.querySelector("[data-go]").href = session.go_url;
        list.append(row);
      });
      section.hidden = false;
    })
    .catch(() => {});
})();
