/* The month picker without reloads: a day or a month link fetches the picker's fragment from the
   same view (?fragment=picker) and swaps it in, keeping the scroll position; on a phone the times
   (below the grid) are scrolled into view. Arrow keys move between the days that have times.
   Without this script every link and form works as a plain page load. */
(function () {
  "use strict";
  var DAY = 24 * 3600 * 1000;

  function addDays(iso, days) {
    var date = new Date(iso + "T12:00:00Z");
    return new Date(date.getTime() + days * DAY).toISOString().slice(0, 10);
  }

  function setParams(href, params) {
    var url = new URL(href, window.location.href);
    Object.keys(params).forEach(function (key) {
      if (params[key]) { url.searchParams.set(key, params[key]); } else { url.searchParams.delete(key); }
    });
    return url;
  }

  function enhance(section) {
    var body = section.querySelector("[data-picker-body]");
    var announce = section.querySelector("[data-picker-announce]");
    if (!body || !window.fetch || !window.URL) return;
    var loading = false;

    function month() { return body.querySelector("[data-picker-month]"); }

    function syncPlace() {
      // The zone form and the clock links keep the day (or month) now shown.
      var shown = month();
      if (!shown) return;
      var place = shown.getAttribute("data-picker-date") ?
        { date: shown.getAttribute("data-picker-date"), month: "" } :
        { date: "", month: shown.getAttribute("data-picker-month") };
      section.querySelectorAll("[data-clock]").forEach(function (link) {
        link.href = setParams(link.href, place).toString();
      });
      var form = section.querySelector(".tz-form");
      if (form) {
        ["date", "month"].forEach(function (name) {
          var input = form.querySelector('input[type=hidden][name="' + name + '"]');
          if (place[name]) {
            if (!input) {
              input = document.createElement("input");
              input.type = "hidden"; input.name = name;
              form.insertBefore(input, form.firstChild);
            }
            input.value = place[name];
          } else if (input) {
            input.remove();
          }
        });
      }
    }

    function load(href, how) {
      if (loading) return;
      loading = true;
      var url = setParams(href, { fragment: "picker" });
      url.hash = "";
      var shown = month();
      if (shown) shown.setAttribute("aria-busy", "true");
      fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("picker " + response.status);
          return response.text();
        })
        .then(function (html) {
          var x = window.scrollX, y = window.scrollY;
          body.innerHTML = html;
          window.scrollTo(x, y);  // the same place on the page: no jump to the top
          var page = setParams(href, { fragment: "" });
          page.hash = "";
          window.history.replaceState(null, "", page.toString());
          syncPlace();
          var current = month();
          if (announce && current) announce.textContent = current.getAttribute("data-picker-summary");
          var focus = null;
          if (how.day) focus = body.querySelector("a[aria-current=date]");
          if (!focus && how.nav) {
            focus = body.querySelector(how.nav === "next" ? "[data-picker-nav=next]" : "[data-picker-nav=prev]");
            if (focus && focus.tagName !== "A") focus = null;
          }
          if (!focus) focus = body.querySelector("a[aria-current=date]") || body.querySelector("a[data-picker-day]");
          if (focus) focus.focus({ preventScroll: true });
          var times = body.querySelector(".picker-times");
          if (how.day && times) {
            var box = times.getBoundingClientRect();
            // Side by side on a laptop (already in view); below the grid on a phone: bring it up.
            if (box.top > window.innerHeight - 120 || box.top < 0) {
              times.scrollIntoView({ block: "start", behavior: "smooth" });
            }
          }
        })
        .catch(function () { window.location.href = href; })
        .then(function () { loading = false; });
    }

    body.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var link = event.target.closest("a[data-picker-day], a[data-picker-nav]");
      if (!link || !body.contains(link)) return;
      event.preventDefault();
      var nav = link.getAttribute("data-picker-nav");
      load(link.href, { day: link.hasAttribute("data-picker-day") || nav === "day", nav: nav });
    });

    body.addEventListener("keydown", function (event) {
      var link = event.target.closest && event.target.closest("a[data-picker-day]");
      if (!link) return;
      var steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
      var days = Array.prototype.slice.call(body.querySelectorAll("a[data-picker-day]"));
      var target = null;
      if (event.key in steps) {
        var step = steps[event.key], iso = link.getAttribute("data-picker-day");
        // The next day with times in that direction (a row up or down, or the nearest after it).
        for (var i = 1; i <= 42 && !target; i++) {
          var candidate = addDays(iso, step + (step > 0 ? i - 1 : 1 - i));
          target = body.querySelector('a[data-picker-day="' + candidate + '"]');
        }
      } else if (event.key === "Home") {
        target = days[0];
      } else if (event.key === "End") {
        target = days[days.length - 1];
      } else if (event.key === "PageUp" || event.key === "PageDown") {
        var nav = body.querySelector(event.key === "PageUp" ? "a[data-picker-nav=prev]" : "a[data-picker-nav=next]");
        if (nav) { event.preventDefault(); load(nav.href, { nav: nav.getAttribute("data-picker-nav") }); }
        return;
      } else {
        return;
      }
      event.preventDefault();
      if (target) target.focus();
    });

    // The zone field: choosing a zone from the list shows the times in it at once.
    var zone = section.querySelector("#picker-tz");
    var list = section.querySelector("#picker-tz-list");
    if (zone && list) {
      var known = {};
      Array.prototype.forEach.call(list.options, function (option) { known[option.value] = true; });
      zone.addEventListener("input", function () {
        if (known[zone.value] && zone.form) zone.form.submit();
      });
    }
    syncPlace();
  }

  // The visitor's zone, detected on the first visit: the page was drawn in the host's zone
  // (the server had no cookie yet), so store the zone and draw it again in the visitor's.
  var detected = null;
  try { detected = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { detected = null; }
  var first = document.querySelector("[data-picker]");
  if (first && detected && document.cookie.split("; ").every(function (c) { return c.indexOf("tz=") !== 0; }) &&
      !new URL(window.location.href).searchParams.has("tz") && first.getAttribute("data-viewer-tz") !== detected) {
    document.cookie = "tz=" + encodeURIComponent(detected) + "; path=/; max-age=31536000; samesite=lax";
    // Only when the cookie took (cookies off would otherwise reload for ever).
    if (document.cookie.split("; ").some(function (c) { return c.indexOf("tz=") === 0; })) {
      window.location.replace(window.location.href);
      return;
    }
  }

  document.querySelectorAll("[data-picker]").forEach(enhance);
})();
