// Progressive enhancement of the session log. Without JavaScript every field shows and the
// server ignores what does not apply (minutes and effort of a skipped session, the reason of
// a done one).
//
// With it, the fields follow "How did it go?": the skip reason shows only for "skipped";
// minutes, heart rate, effort and the checklist only when the session was (partly) done.
// Hidden fields are disabled, so they are not sent.
(function () {
  "use strict";
  var form = document.querySelector("form[data-log-form]");
  if (!form) {
    return;
  }
  var groups = form.querySelectorAll("[data-show-when]");

  function update() {
    var chosen = form.querySelector('input[name="status"]:checked');
    var skipped = chosen !== null && chosen.value === "skipped";
    groups.forEach(function (group) {
      var show = group.dataset.showWhen === "skipped" ? skipped : !skipped;
      group.hidden = !show;
      group.querySelectorAll("input, select, textarea").forEach(function (field) {
        field.disabled = !show;
      });
    });
  }

  form.querySelectorAll('input[name="status"]').forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
