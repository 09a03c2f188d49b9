// Progressive enhancement of the check-in form. Without JavaScript the form works as it is:
// a number box and a "no pain" tick for each pain scale, and the calf question always shown.
//
// 1. Each pain scale gets a slider that starts unset (no value is sent until she moves it or
//    types a number, so an untouched scale is refused, never saved as 0).
// 2. The calf question shows only while "calf" is ticked.
// Every word it shows comes from the page (<template id="vas-texts">, in her language).
(function () {
  var texts = {};
  var textsTag = document.getElementById("vas-texts");
  if (textsTag) {
    textsTag.content.querySelectorAll("[data-text]").forEach(function (el) {
      texts[el.dataset.text] = el.textContent.trim();
    });
  }
  function say(key, n) {
    return (texts[key] || "").split("{n}").join(String(n));
  }

  function vas(number) {
    var none = document.getElementById(number.dataset.none);
    var row = document.createElement("div");
    row.className = "d-flex align-items-center gap-2 mt-2";
    var low = document.createElement("span");
    low.className = "small text-body-secondary";
    low.textContent = say("low");
    var high = document.createElement("span");
    high.className = "small text-body-secondary text-end";
    high.textContent = say("high");
    var slider = document.createElement("input");
    slider.type = "range";
    slider.min = "0";
    slider.max = "100";
    slider.step = "1";
    slider.className = "form-range flex-grow-1";
    slider.setAttribute("aria-label", say("slider"));
    var status = document.createElement("p");
    status.className = "small mb-0";
    var output = document.createElement("output");
    output.id = number.id + "_out";
    output.htmlFor = number.id;
    output.className = "fw-semibold";
    output.setAttribute("aria-live", "polite");
    var unit = document.createElement("span");
    status.append(output, unit);
    row.append(low, slider, high);
    number.parentNode.after(row, status);

    function show() {
      var unset = number.value === "";
      slider.classList.toggle("opacity-25", unset);
      if (unset) {
        output.textContent = say("unset");
        unit.textContent = say("unset-hint");
        slider.setAttribute("aria-valuetext", say("unset-value"));
      } else {
        slider.value = number.value;
        output.textContent = number.value;
        unit.textContent = " " + say("unit");
        slider.setAttribute("aria-valuetext", say("value", number.value));
      }
    }
    slider.addEventListener("input", function () {
      number.value = slider.value;
      show();
    });
    number.addEventListener("input", show);
    if (none) {
      none.addEventListener("change", function () {
        number.value = none.checked ? "0" : "";
        number.disabled = slider.disabled = none.checked;
        show();
      });
      if (none.checked) {
        number.value = "0";
        number.disabled = slider.disabled = true;
      }
    }
    show();
  }
  document.querySelectorAll("input[data-vas]").forEach(vas);

  var followUp = document.querySelector("[data-calf-follow-up]");
  var calf = document.querySelector('input[name="pain_locations"][value="calf"]');
  if (followUp && calf) {
    var toggle = function () {
      followUp.hidden = !calf.checked;
      if (!calf.checked) {
        followUp.querySelectorAll("input").forEach(function (input) {
          input.checked = false;
        });
      }
    };
    calf.addEventListener("change", toggle);
    toggle();
  }
})();
