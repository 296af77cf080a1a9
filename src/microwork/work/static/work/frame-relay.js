// The frame around an external page (an MTurk ExternalQuestion, an external page task): pass
// on to the work page what the framed page's submission became. frame-done.js, in the answer
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
        "*"
      );
    }
  });
})();
