/* Leadmonk booking pages on your own site (Settings › Embed gives the snippet).
   Inline:  <div data-leadmonk-embed="https://APP/embed/you/"></div>
   Pop-up:  <a href="https://APP/you/" data-leadmonk-popup="https://APP/embed/you/">Book a session</a>
   <script src="https://APP/static/js/embed.js" async></script>
   Without this script the link still opens the booking page, and a plain <iframe> still works.
   The frame reports its height by postMessage; only messages from this script's own origin and from
   one of its own frames are read. */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var appOrigin = new URL(script.src).origin;
  var frames = [];

  function ownUrl(value) {
    try {
      var url = new URL(value, appOrigin);
      return url.origin === appOrigin ? url.href : null;
    } catch (e) { return null; }
  }

  function makeFrame(src, title) {
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = title || "Book a time";
    frame.style.cssText = "display:block;width:100%;height:640px;border:0;background:transparent";
    frames.push(frame);
    return frame;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== appOrigin) return;
    var data = event.data;
    if (!data || data.leadmonk !== "resize" || typeof data.height !== "number") return;
    frames.forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = Math.max(200, Math.min(data.height, 10000)) + "px";
    });
  });

  document.querySelectorAll("[data-leadmonk-embed]").forEach(function (holder) {
    var src = ownUrl(holder.getAttribute("data-leadmonk-embed"));
    if (!src || holder.querySelector("iframe")) return;
    holder.appendChild(makeFrame(src, holder.getAttribute("data-leadmonk-title")));
  });

  function openPopup(src, opener) {
    var overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", opener.textContent.trim() || "Book a time");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483000;background:rgba(17,24,39,.6);display:flex;align-items:flex-start;justify-content:center;overflow-y:auto;padding:2rem .5rem";
    var box = document.createElement("div");
    box.style.cssText = "position:relative;width:100%;max-width:760px;background:#fff;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3)";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.style.cssText = "position:absolute;top:.5rem;right:.5rem;z-index:1;padding:.4rem .8rem;border:1px solid #d1d5db;border-radius:8px;background:#fff;font:inherit;cursor:pointer";
    var frame = makeFrame(src, opener.getAttribute("data-leadmonk-title"));
    box.appendChild(close);
    box.appendChild(frame);
    overlay.appendChild(box);
    function shut() {
      document.removeEventListener("keydown", onKey);
      frames.splice(frames.indexOf(frame), 1);
      overlay.remove();
      opener.focus();
    }
    function onKey(event) { if (event.key === "Escape") shut(); }
    close.addEventListener("click", shut);
    overlay.addEventListener("click", function (event) { if (event.target === overlay) shut(); });
    document.addEventListener("keydown", onKey);
    document.body.appendChild(overlay);
    close.focus();
  }

  document.querySelectorAll("[data-leadmonk-popup]").forEach(function (opener) {
    var src = ownUrl(opener.getAttribute("data-leadmonk-popup"));
    if (!src) return;
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      openPopup(src, opener);
    });
  });
})();
