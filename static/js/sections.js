// Sections loaded when opened (a PT's client page): a <details data-section="URL"> fetches its
// part of the page the first time it is opened and puts it in place of its [data-section-body]'s
// link, which opens the same section as a page of its own (without JavaScript, or when the
// fetch fails: the link stays, and opening the section again tries again).
(function () {
  "use strict";

  function load(details) {
    if (details.dataset.loaded) {
      return;
    }
    details.dataset.loaded = "yes";
    details.setAttribute("aria-busy", "true");
    fetch(details.dataset.section, {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error("section " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        details.querySelector("[data-section-body]").innerHTML = html;
      })
      .catch(function () {
        delete details.dataset.loaded;
      })
      .finally(function () {
        details.removeAttribute("aria-busy");
      });
  }

  document.querySelectorAll("details[data-section]").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (details.open) {
        load(details);
      }
    });
    if (details.open) {
      load(details);
    }
  });
})();
