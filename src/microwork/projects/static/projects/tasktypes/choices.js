// Classification tasks in the task frame: keys 1–9 choose the labels marked data-hotkey (0 is
// "I can't tell"), Enter submits. A radio is chosen, a checkbox toggled.
(function () {
  "use strict";

  function typing(element) {
    if (!element) {
      return false;
    }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable) {
      return true;
    }
    return tag === "INPUT" && ["radio", "checkbox", "button", "submit"].indexOf(element.type) < 0;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    if (/^[0-9]$/.test(event.key)) {
      var label = document.querySelector('[data-mw-choices] [data-hotkey="' + event.key + '"]');
      var input = label && label.querySelector("input");
      if (input && !input.disabled) {
        input.click();
        input.focus();
        event.preventDefault();
      }
    } else if (event.key === "Enter" && event.target.tagName !== "BUTTON") {
      var form = document.querySelector("form.mw-task-form");
      var submit = form && form.querySelector("button[type=submit]");
      if (form && submit && !submit.disabled) {
        event.preventDefault();
        if (form.requestSubmit) {
          form.requestSubmit(submit);
        } else if (form.reportValidity()) {
          form.submit();
        }
      }
    }
  });
})();
