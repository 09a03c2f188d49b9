// A time-zone <select data-browser-zone="note"> (sign-up; the profile while hers is still UTC)
// takes the browser's zone if it is at UTC, the default, so nobody has to find her zone among
// ~600; the note is shown under it. Without JavaScript the field stays at UTC.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || /^(Etc\/)?(UTC|UCT|GMT|Universal|Zulu)$/.test(zone)) {
    return; // UTC under another name: the default already says it
  }
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (select.value !== "UTC" || !known) {
      return;
    }
    select.value = zone;
    var note = document.createElement("div");
    note.className = "form-text";
    note.textContent = select.getAttribute("data-browser-zone");
    select.insertAdjacentElement("afterend", note);
  });
})();
