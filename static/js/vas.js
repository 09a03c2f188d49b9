// Show the number next to each visual analogue scale slider as it moves.
document.querySelectorAll("input[data-vas]").forEach(function (slider) {
  var output = document.getElementById(slider.id + "_out");
  function show() {
    output.textContent = slider.value;
    slider.setAttribute("aria-valuetext", slider.value + " millimetres");
  }
  slider.addEventListener("input", show);
  show();
});
