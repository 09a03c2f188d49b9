// A form is sent once: a second submit while the first is on its way is ignored, and a form
// reached again with the Back button sends the one-time token it sent before, so the server
// answers with what was saved instead of saving it twice (users/idempotency.py). The browser
// may fetch the page afresh on Back (with a new token): the token sent is remembered in the
// page's history entry, per form address, and put back when she comes back to that entry.
(function () {
  "use strict";
  var KEY = "prenafit.sent-token:";

  function tokenInput(form) {
    return form.querySelector("input[name=request_key]");
  }

  // The token sent is kept in this page's own history entry (history.state survives Back and
  // Forward, even when the page is fetched again, and a new visit starts without it).
  function remember(form) {
    var input = tokenInput(form);
    if (!input) {
      return;
    }
    try {
      var state = Object.assign({}, window.history.state || {});
      state[KEY + form.action] = input.value;
      window.history.replaceState(state, "");
    } catch (e) {
      // no history state: the server still keeps one write per token
    }
  }

  function restoreSentTokens() {
    var state = window.history.state;
    if (!state) {
      return;
    }
    document.querySelectorAll("form").forEach(function (form) {
      var input = tokenInput(form);
      var sent = state[KEY + form.action];
      if (input && sent) {
        input.value = sent;
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) {
      return; // another script stopped this submit (a step of a multi-step form)
    }
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    remember(form);
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.removeAttribute("aria-busy");
    });
  });

  restoreSentTokens();
})();
