// The project form's live preview (projects/preview.py): as the requester edits the template
// settings or the sample row, post the form to the preview endpoint and show the task in the
// sandboxed frame, or the message that names the setting to fix.
(function () {
  "use strict";
  var section = document.getElementById("template-preview");
  if (!section || !window.fetch || !window.FormData) return;
  var form = section.closest("form");
  var frame = section.querySelector("[data-preview-frame]");
  var status = section.querySelector("[data-preview-status]");
  var errorBox = section.querySelector("[data-preview-error]");
  var columnsBox = section.querySelector("[data-preview-columns]");
  var timer = null;
  var sent = 0;
  var marked = null;

  function unmark() {
    if (marked) marked.removeAttribute("aria-invalid");
    marked = null;
  }

  function showError(message, field) {
    unmark();
    errorBox.textContent = message;
    errorBox.hidden = false;
    status.textContent = "";
    var input = field ? form.querySelector('[name="' + field + '"]') : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      marked = input;
    }
  }

  function refresh() {
    var data = new FormData(form);
    if (section.dataset.project) data.append("project", section.dataset.project);
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    var number = ++sent;
    status.textContent = section.dataset.msgUpdating;
    fetch(section.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (number !== sent) return; // a later edit is on its way
        if (!answer.ok) {
          showError(answer.message, answer.field);
          return;
        }
        unmark();
        errorBox.hidden = true;
        columnsBox.textContent = answer.columns.join(", ");
        status.textContent = section.dataset["msg" + answer.row_source.charAt(0).toUpperCase() +
          answer.row_source.slice(1)] || "";
        frame.src = answer.frame_url;
      })
      .catch(function () {
        if (number === sent) showError(section.dataset.msgFailed, "");
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  section.hidden = false;
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  section.querySelector("[data-preview-refresh]").addEventListener("click", refresh);
  // A new, empty form has nothing to preview yet: it waits for the first edit rather than
  // asking for a preview that can only be refused.
  if ("previewNow" in section.dataset) refresh();
  else status.textContent = section.dataset.msgWaiting;
})();
