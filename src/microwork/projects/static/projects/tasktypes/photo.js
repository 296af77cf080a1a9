// Field photo in the task frame: show the chosen photo, refuse one over the size limit, and
// fill the position fields. A sandboxed frame has an opaque origin and may not ask for the
// position itself, so it asks the work page around it (position.js), which asks the browser.
(function () {
  "use strict";

  var root = document.querySelector(".mw-photo");
  if (!root) {
    return;
  }
  var input = root.querySelector('input[type="file"]');
  var preview = root.querySelector(".mw-photo-preview");
  var status = root.querySelector(".mw-position");
  var locate = root.querySelector(".mw-locate");
  var form = root.closest("form");
  var maxBytes = Number(root.dataset.maxBytes || 0);
  var fields = {
    latitude: root.querySelector('input[name="latitude"]'),
    longitude: root.querySelector('input[name="longitude"]'),
    accuracy: root.querySelector('input[name="accuracy_m"]'),
    capturedAt: root.querySelector('input[name="captured_at"]')
  };

  function say(message, bad) {
    status.textContent = message;
    status.classList.toggle("bad", Boolean(bad));
  }

  // The work page's position.js may not be listening yet when this frame loads, and a
  // message sent before that is lost: ask again every ASK_EVERY ms until an answer comes.
  var ASK_EVERY = 1500;
  var MAX_ASKS = 10;
  var retry = null;

  function stopAsking() {
    if (retry !== null) {
      window.clearInterval(retry);
      retry = null;
    }
  }

  function askPosition() {
    say(root.dataset.msgLocating, false);
    if (window.parent === window) {
      return;
    }
    var asks = 0;
    function ask() {
      asks += 1;
      if (asks > MAX_ASKS) {
        stopAsking();
        say(root.dataset.msgDenied, true);
        return;
      }
      window.parent.postMessage({ type: "microwork:need-position" }, "*");
    }
    stopAsking();
    ask();
    retry = window.setInterval(ask, ASK_EVERY);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || typeof event.data !== "object") {
      return;
    }
    var data = event.data;
    if (data.type === "microwork:position" || data.type === "microwork:position-error") {
      stopAsking();
    }
    if (data.type === "microwork:position") {
      fields.latitude.value = String(data.latitude);
      fields.longitude.value = String(data.longitude);
      fields.accuracy.value = String(Math.round(data.accuracy || 0));
      fields.capturedAt.value = new Date(data.timestamp || Date.now()).toISOString();
      say(root.dataset.msgLocated.replace("%(m)s", String(Math.round(data.accuracy || 0))), false);
    } else if (data.type === "microwork:position-error") {
      say(root.dataset.msgDenied, true);
    }
  });

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    input.setCustomValidity("");
    preview.hidden = true;
    if (!file) {
      return;
    }
    if (maxBytes && file.size > maxBytes) {
      input.setCustomValidity(root.dataset.msgToolarge);
      input.reportValidity();
      return;
    }
    // A data: address, which the frame's policy allows for images (blob: it does not).
    var reader = new FileReader();
    reader.addEventListener("load", function () {
      preview.src = String(reader.result);
      preview.hidden = false;
    });
    reader.readAsDataURL(file);
    askPosition();
  });

  locate.addEventListener("click", askPosition);

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!fields.latitude.value || !fields.longitude.value) {
        event.preventDefault();
        say(root.dataset.msgDenied, true);
        askPosition();
      }
    });
  }

  askPosition();
})();
