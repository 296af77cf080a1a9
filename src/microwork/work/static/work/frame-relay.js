// The frame around a page of the platform's own host (an MTurk ExternalQuestion or an external
// page task there; pages on other hosts are framed directly, work/frame.py): pass on to the
// work page what the framed page's submission became. frame-done.js, in the answer
// to the page's post to turkSubmitTo, tells its parent, which is this frame, not the work page.
(function () {
  "use strict";
  var inner = document.querySelector("iframe.mw-external-question");
  if (!inner || window.parent === window) {
    return;
  }
  window.addEventListener("message", function (event) {
    if (event.source !== inner.contentWindow) {
      return;
    }
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") {
      return;
    }
    if (data.type === "microwork:submitted" || data.type === "microwork:refused") {
      window.parent.postMessage(
        { type: data.type, assignmentId: data.assignmentId, message: data.message },
        window.location.origin  // the work page's: this frame's address is the platform's
      );
    }
  });
})();
