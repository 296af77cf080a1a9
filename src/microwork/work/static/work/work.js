// The work page: the countdown to the deadline, the "Submit and next" choice, and what to do
// when the sandboxed task frame reports a submission.
(function () {
  "use strict";

  var STORAGE_KEY = "microwork.submitAndNext";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function formatLeft(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    if (hours > 0) {
      return hours + ":" + pad(minutes) + ":" + pad(secs);
    }
    return pad(minutes) + ":" + pad(secs);
  }

  function startCountdown(element) {
    // Count from the seconds the server computed, not from the deadline and the local clock,
    // so a phone with a wrong clock still shows the right time left.
    var end = Date.now() + Number(element.dataset.secondsLeft) * 1000;
    var timer = null;
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (left === 0) {
        element.textContent = element.dataset.timeUp;
        element.classList.add("low");
        if (timer !== null) {
          window.clearInterval(timer);
        }
        return;
      }
      element.textContent = formatLeft(left);
      element.classList.toggle("low", left < 60);
    }
    tick();
    timer = window.setInterval(tick, 1000);
  }

  function rememberChoice(checkbox) {
    try {
      var saved = window.localStorage.getItem(STORAGE_KEY);
      if (saved !== null) {
        checkbox.checked = saved === "1";
      }
      checkbox.addEventListener("change", function () {
        window.localStorage.setItem(STORAGE_KEY, checkbox.checked ? "1" : "0");
      });
    } catch (error) {
      // Storage can be disabled (private mode); the box then simply starts checked.
    }
  }

  var countdown = document.getElementById("countdown");
  var nextBox = document.getElementById("submit-and-next");
  var frame = document.getElementById("task-frame");
  var acceptForm = document.getElementById("accept-next-form");
  var bar = document.getElementById("work-bar");
  var status = document.getElementById("work-status");

  if (countdown) {
    startCountdown(countdown);
  }
  if (nextBox) {
    rememberChoice(nextBox);
  }

  window.addEventListener("message", function (event) {
    // Only our own task frame may drive this page; its origin is opaque ("null"), so the
    // window it comes from is what we check.
    if (!frame || event.source !== frame.contentWindow) {
      return;
    }
    var data = event.data;
    if (!data || typeof data !== "object") {
      return;
    }
    if (data.type === "microwork:submitted") {
      if (nextBox && nextBox.checked && acceptForm) {
        acceptForm.submit();
      } else if (bar) {
        window.location.assign(bar.dataset.historyUrl);
      }
    } else if (data.type === "microwork:refused" && status) {
      status.textContent = String(data.message || "");
      status.hidden = false;
    }
  });
})();
