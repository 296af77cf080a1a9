/* microwork's stand-in for MTurk's externalHIT_v1.js: HTMLQuestion pages that load it get the
   same helpers. turkSetAssignmentID() fills #assignmentId from the page's address, points the
   form at turkSubmitTo + "/mturk/externalSubmit" and, in preview, disables #submitButton. */
function turkGetParam(name, defaultValue) {
  var value = new URLSearchParams(window.location.search).get(name);
  return value === null ? defaultValue : value;
}

function turkSetAssignmentID() {
  var assignmentId = turkGetParam("assignmentId", "ASSIGNMENT_ID_NOT_AVAILABLE");
  var field = document.getElementById("assignmentId");
  if (field) { field.value = assignmentId; }
  if (assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE") {
    var button = document.getElementById("submitButton");
    if (button) {
      button.disabled = true;
      button.value = "You must ACCEPT the HIT before you can submit the results.";
    }
  }
  var form = document.getElementById("mturk_form");
  var submitTo = turkGetParam("turkSubmitTo", "");
  if (form && submitTo) { form.action = submitTo + "/mturk/externalSubmit"; }
}

document.addEventListener("DOMContentLoaded", turkSetAssignmentID);
