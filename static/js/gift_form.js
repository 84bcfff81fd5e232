/* The order form's gift part: its fields show once "This is a gift" is ticked (all show without JavaScript). */
(function () {
  "use strict";
  document.querySelectorAll("[data-gift]").forEach(function (box) {
    var toggle = box.querySelector("input[type=checkbox]");
    var details = box.querySelector("[data-gift-details]");
    if (!toggle || !details) return;
    var sync = function () { details.hidden = !toggle.checked; };
    toggle.addEventListener("change", sync);
    sync();
  });
})();
