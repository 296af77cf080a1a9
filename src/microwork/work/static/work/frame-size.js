// In the sandboxed task frame: tell the work page how tall this document is, so the page can
// size the frame to it and the Submit button is not hidden below the frame's own fold. Only a
// number is sent, to the platform's origin alone (location.origin is the address's origin even
// in a sandboxed document); work.js takes it from its own frame only, and clamps it.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = -1;
  function post() {
    // The content's own height (the root element's box), not the frame's: scrollHeight is at
    // least the frame's height, so the frame could never shrink back.
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "microwork:height", height: height }, window.location.origin);
    }
  }
  if (window.ResizeObserver) {
    new window.ResizeObserver(post).observe(document.documentElement);
  }
  window.addEventListener("load", post);
  // The frame can load and speak before the work page listens (its script runs after the page
  // is parsed): the page then asks, and the height is said again.
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === "microwork:measure") {
      last = -1;
      post();
    }
  });
  post();
})();
