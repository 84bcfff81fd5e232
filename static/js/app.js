/* A little JavaScript where it helps: time zone detection, copy buttons, confirmations. */
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  if (zone) {
    // Public pages read the viewer's zone from this cookie (server default without JavaScript).
    if (document.cookie.indexOf("tz=") === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
    document.querySelectorAll("[data-detect-timezone]").forEach(function (el) {
      if (!el.value || el.dataset.detectTimezone === "force") {
        if (el.tagName === "SELECT") {
          if (Array.prototype.some.call(el.options, function (o) { return o.value === zone; })) el.value = zone;
        } else { el.value = zone; }
      }
    });
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.name === "tz") document.cookie = "tz=" + encodeURIComponent(el.value) + "; path=/; max-age=31536000; samesite=lax";
      el.form.submit();
    });
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      var done = function () { var label = button.textContent; button.textContent = "Copied"; setTimeout(function () { button.textContent = label; }, 1500); };
      if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, done); } else { done(); }
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  var refresh = document.querySelector("meta[name=refresh-after]");
  if (refresh) { setTimeout(function () { window.location.reload(); }, parseInt(refresh.content, 10) * 1000); }
})();
