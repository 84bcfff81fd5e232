/* Availability page: an "Add hours" button per day. Without JavaScript each day already has blank rows. */
(function () {
  "use strict";
  var MAX_ROWS = 12;
  document.querySelectorAll("fieldset[data-day]").forEach(function (day) {
    var counter = day.querySelector("[data-row-count]");
    var rows = day.querySelector(".interval-rows");
    if (!counter || !rows) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-ghost btn-small add-row";
    button.textContent = "+ Add hours";
    button.addEventListener("click", function () {
      var count = parseInt(counter.value, 10);
      if (count >= MAX_ROWS) { button.disabled = true; return; }
      var last = rows.querySelector("[data-interval-row]:last-child");
      var copy = last.cloneNode(true);
      var from = "-" + (count - 1) + "-", to = "-" + count + "-";
      copy.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.name = input.name.replace(from, to);
        input.id = input.id.replace(from, to);
      });
      copy.querySelectorAll("label").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(from, to);
        label.textContent = label.textContent.replace("hours " + count + ",", "hours " + (count + 1) + ",");
      });
      rows.appendChild(copy);
      counter.value = count + 1;
      copy.querySelector("input").focus();
      if (count + 1 >= MAX_ROWS) button.disabled = true;
    });
    var actions = day.querySelector(".weekday-actions");
    if (actions) { actions.insertAdjacentElement("afterbegin", button); } else { rows.insertAdjacentElement("afterend", button); }
  });
})();
