// Tell the work page what became of the submission. The frame has an opaque origin, so the
// target is "*"; the work page checks that the message comes from its own task frame.
(function () {
  "use strict";
  var result = document.getElementById("mw-result");
  if (!result || !result.dataset.type || window.parent === window) {
    return;
  }
  var message = { type: result.dataset.type };
  if (message.type === "microwork:submitted") {
    message.assignmentId = result.dataset.assignmentId;
  } else {
    message.message = result.dataset.message;
  }
  window.parent.postMessage(message, "*");
})();
