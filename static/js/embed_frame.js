/* Inside a frame on the owner's site: tell the page around it how tall this page is, so embed.js can
   size the frame to its content. Only the sites the owner lists (data-embed-parents) are told. */
(function () {
  if (window.parent === window) return;
  var main = document.querySelector("[data-embed-parents]");
  var parents = main ? main.getAttribute("data-embed-parents").split(" ").filter(Boolean) : [];
  if (!parents.length) return;
  var last = 0;
  function send() {
    // The body's own height, not the document's: that is never less than the frame, so it could not shrink.
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    parents.forEach(function (origin) {
      // postMessage drops the message when the parent is not at `origin`: no other site learns anything.
      window.parent.postMessage({ leadmonk: "resize", height: height }, origin);
    });
  }
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.body);
  window.addEventListener("load", send);
  send();
})();
