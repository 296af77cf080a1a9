// The demo external page: MTurk's ExternalQuestion contract, read from the page's address.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var assignmentId = params.get("assignmentId") || "";
  var submitTo = params.get("turkSubmitTo") || "";
  var form = document.getElementById("answer-form");

  document.getElementById("number").textContent = params.get("number") || "?";
  document.getElementById("assignment-id").value = assignmentId;
  document.getElementById("shown-assignment").textContent = assignmentId;
  document.getElementById("shown-hit").textContent = params.get("hitId") || "";

  if (assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE" || !submitTo) {
    document.getElementById("submit-button").disabled = true;
    document.getElementById("preview-note").hidden = false;
    return;
  }
  form.action = submitTo.replace(/\/$/, "") + "/mturk/externalSubmit";
})();
