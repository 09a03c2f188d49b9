// Progressive enhancement of the check-in form. Without JavaScript the form works as it is:
// a number box and a "no pain" tick for each pain scale, and the calf question always shown.
//
// 1. Each pain scale gets a slider that starts unset (no value is sent until she moves it or
//    types a number, so an untouched scale is refused, never saved as 0).
// 2. The calf question shows only while "calf" is ticked.
(function () {
  function vas(number) {
    var none = document.getElementById(number.dataset.none);
    var row = document.createElement("div");
    row.className = "d-flex align-items-center gap-2 mt-2";
    var low = document.createElement("span");
    low.className = "small text-body-secondary";
    low.textContent = "no pain";
    var high = document.createElement("span");
    high.className = "small text-body-secondary text-end";
    high.textContent = "worst pain imaginable";
    var slider = document.createElement("input");
    slider.type = "range";
    slider.min = "0";
    slider.max = "100";
    slider.step = "1";
    slider.className = "form-range flex-grow-1";
    slider.setAttribute("aria-label", "Slider from 0, no pain, to 100, worst pain imaginable");
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
        output.textContent = "Not set yet";
        unit.textContent = ": move the slider, or tick “no pain”.";
        slider.setAttribute("aria-valuetext", "not set");
      } else {
        slider.value = number.value;
        output.textContent = number.value;
        unit.textContent = " mm";
        slider.setAttribute("aria-valuetext", number.value + " millimetres");
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
