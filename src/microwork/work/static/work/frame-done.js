// Tell the work page what became of the submission. Loaded in the work page's own frame (the
// task frame, or the frame of a requester's page framed directly), the message goes to the
// platform's origin alone: location.origin is the address's origin even in a sandboxed
// document. Nested under the frame around a page of the platform's (frame-relay.js), the
// parent has an opaque origin, which no targetOrigin but "*" reaches; the relay checks the
// message comes from its own inner frame and passes it on to the platform's origin alone.
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
  window.parent.postMessage(message, window.parent === window.top ? window.location.origin : "*");
})();
