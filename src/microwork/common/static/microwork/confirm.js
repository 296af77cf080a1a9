// Acts that cannot be taken back ask first: a button with data-confirm="question" submits its
// form only if the person says yes. Without script the button works as before, and the server
// checks everything either way.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-confirm]") : null;
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
