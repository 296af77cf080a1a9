// The review page's quicker hands: a box that ticks every row of the page, and keys for
// people who review many answers (j/k move between rows, x ticks the row, a approves it,
// r rejects it after a confirmation). Each is a shortcut to a button or box already on the
// page; without script the page works as before.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="selected"]'));
  var all = document.querySelector(".select-all");
  if (all && boxes.length) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll(".review-row"));
  if (!rows.length) return;
  var help = document.querySelector(".review-keys");
  if (help) help.hidden = false;
  var current = -1;

  function focusRow(index) {
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].focus();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target.closest && target.closest('input:not([type="checkbox"]), textarea, select')) return;
    var row = current >= 0 ? rows[current] : null;
    if (event.key === "j") {
      focusRow(current + 1);
    } else if (event.key === "k") {
      focusRow(current - 1);
    } else if (row && event.key === "x") {
      var box = row.querySelector('input[name="selected"]');
      if (box) box.checked = !box.checked;
    } else if (row && (event.key === "a" || event.key === "r")) {
      var button = row.querySelector('button[data-key="' + event.key + '"]');
      if (button) button.click(); // the reject button asks first (confirm.js)
    } else {
      return;
    }
    event.preventDefault();
  });
  rows.forEach(function (row, index) {
    row.addEventListener("focus", function () {
      current = index;
    });
  });
})();
