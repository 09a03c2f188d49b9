// Progressive enhancement of the check-in: two steps over one form (one POST, the same
// service and the same checks). Step 1: the pain scales, where it hurts, how it feels and the
// red flags; step 2: the Oswestry sections. Without JavaScript both steps show, one after the
// other.
//
// "Next" opens step 2 only once each pain scale has a value or "no pain" ticked, and the calf
// question is answered when the calf is ticked (the server refuses the same things: an
// untouched scale is never saved as 0). Runs after vas.js.
(function () {
  "use strict";
  var form = document.querySelector("form[data-steps]");
  if (!form) {
    return;
  }
  var one = form.querySelector('[data-step="1"]');
  var two = form.querySelector('[data-step="2"]');
  var next = form.querySelector("[data-next]");
  var back = form.querySelector("[data-back]");
  if (!one || !two || !next || !back) {
    return;
  }

  function show(step, focus) {
    one.hidden = step !== 1;
    two.hidden = step !== 2;
    if (focus) {
      var heading = (step === 1 ? one : two).querySelector("h2");
      heading.focus();
      heading.scrollIntoView({ block: "start" });
    }
  }

  // The first field of step 1 still to fill in (its message shown), or null.
  function firstMissing() {
    var first = null;
    one.querySelectorAll("[data-step-error]").forEach(function (error) {
      error.hidden = true;
    });
    one.querySelectorAll("input[data-vas]").forEach(function (number) {
      var none = document.getElementById(number.dataset.none);
      if (number.value !== "" || (none && none.checked)) {
        return;
      }
      number.closest("[data-vas-group]").querySelector("[data-step-error]").hidden = false;
      first = first || number;
    });
    var calf = one.querySelector('input[name="pain_locations"][value="calf"]');
    var followUp = one.querySelector("[data-calf-follow-up]");
    if (calf && calf.checked && followUp && !followUp.querySelector("input:checked")) {
      followUp.querySelector("[data-step-error]").hidden = false;
      first = first || followUp.querySelector("input");
    }
    return first;
  }

  next.hidden = false;
  back.hidden = false;
  next.addEventListener("click", function () {
    var missing = firstMissing();
    if (missing) {
      missing.focus();
      return;
    }
    show(2, true);
  });
  back.addEventListener("click", function () {
    show(1, true);
  });
  // Enter in a box of step 1 moves on, instead of sending the form half filled.
  one.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT") {
      event.preventDefault();
      next.click();
    }
  });
  // Back from the server with a refusal: open the step that shows it.
  var refusedInOne = one.querySelector(".is-invalid, .invalid-feedback");
  var refusedInTwo = two.querySelector(".is-invalid, .invalid-feedback");
  show(refusedInTwo && !refusedInOne ? 2 : 1, false);
})();
