/* Package editor: each section (Package Info, Invitee Preferences, Payment Preferences, a new
   question) is saved on its own, so unsaved changes of one section would be lost silently when
   another is saved or the page is left. This warns before that happens, and "Add Meeting Type"
   adds a row in the page (without JavaScript the button posts and the page comes back with it). */
(function () {
  "use strict";
  var MAX_ROWS = 50;
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-section]"));
  if (!forms.length) return;

  function state(form) {
    var parts = [];
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken") parts.push(key + "=" + value);
    });
    return parts.join("&");
  }

  // A form rendered from unsaved input (a row added without JavaScript) is unsaved from the start.
  var saved = forms.map(function (form) { return form.hasAttribute("data-unsaved") ? null : state(form); });
  function isDirty(form) {
    var initial = saved[forms.indexOf(form)];
    return initial === null || initial !== state(form);
  }

  // "Unsaved changes" beside each section's Save button.
  var notes = forms.map(function (form) {
    var note = document.createElement("span");
    note.className = "unsaved-note";
    note.setAttribute("role", "status");
    note.hidden = true;
    note.textContent = "Unsaved changes";
    var actions = form.querySelector(".form-actions");
    (actions || form).appendChild(note);
    return note;
  });
  function refresh() {
    forms.forEach(function (form, index) {
      var dirty = isDirty(form);
      notes[index].hidden = !dirty;
      form.classList.toggle("form-unsaved", dirty);
    });
  }
  forms.forEach(function (form) {
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
  });
  refresh();

  function list(names) {
    return names.length < 2 ? names.join("") : names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
  }

  var submitting = false;
  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var others = forms.filter(function (other) { return other !== form && isDirty(other); });
      if (others.length) {
        var names = list(others.map(function (other) { return other.dataset.section; }));
        var message = "You have unsaved changes in " + names + ". Saving " + form.dataset.section +
          " now will lose them.\n\nOK: save " + form.dataset.section + " and lose them.\nCancel: go back to " +
          names + " and save it first.";
        if (!window.confirm(message)) {
          event.preventDefault();
          var field = others[0].querySelector("input:not([type=hidden]), select, textarea");
          others[0].scrollIntoView({ block: "start" });
          if (field) field.focus({ preventScroll: true });
          return;
        }
      }
      submitting = true;
    });
  });
  window.addEventListener("pageshow", function () { submitting = false; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || !forms.some(isDirty)) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to show their "Leave site?" dialog
  });

  // "Add Meeting Type": a copy of the formset's empty row, numbered after the last one.
  document.querySelectorAll("[data-add-item-row]").forEach(function (button) {
    var form = button.form;
    var template = form && form.querySelector("template[data-item-row-template]");
    var rows = form && form.querySelector("[data-item-rows]");
    var total = form && form.querySelector("input[name$='-TOTAL_FORMS']");
    if (!template || !rows || !total) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      if (index >= MAX_ROWS) { button.disabled = true; return; }
      var none = rows.querySelector("[data-no-item-rows]");
      if (none) none.remove();
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
      total.value = String(index + 1);
      var select = rows.lastElementChild && rows.lastElementChild.querySelector("select");
      if (select) select.focus();
      if (index + 1 >= MAX_ROWS) button.disabled = true;
      refresh();
    });
  });
})();
