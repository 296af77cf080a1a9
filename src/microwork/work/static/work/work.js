// The work page: the countdown to the deadline, the "Submit and next" choice, the time the page
// was active, and what to do when the task frame reports a submission.
(function () {
  "use strict";

  var STORAGE_KEY = "microwork.submitAndNext";
  var ACTIVE_REPORT_EVERY_MS = 30000;
  // A longer gap between two ticks means the computer slept or the tab was frozen: not work.
  var ACTIVE_TICK_MAX_MS = 5000;

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

  // Counts the milliseconds the page is visible and focused, and reports the running total
  // (whole seconds) to the server, which keeps the largest report it gets.
  function startActiveTime(url, token) {
    var activeMs = 0;
    var last = Date.now();
    var lastSent = -1;
    var stopped = false;

    function tick() {
      var now = Date.now();
      var gap = now - last;
      last = now;
      // document.hasFocus() stays true while the worker types in the task frame (the window's
      // own blur event fires then), and is false when another window or app has the focus.
      if (
        !stopped &&
        document.visibilityState === "visible" &&
        document.hasFocus() &&
        gap > 0 &&
        gap <= ACTIVE_TICK_MAX_MS
      ) {
        activeMs += gap;
      }
    }

    function report() {
      tick();
      var seconds = Math.floor(activeMs / 1000);
      if (seconds === lastSent || !navigator.sendBeacon) {
        return;
      }
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token);
      data.append("seconds", String(seconds));
      // A beacon outlives the page, so the last report is sent even while navigating away.
      if (navigator.sendBeacon(url, data)) {
        lastSent = seconds;
      }
    }

    window.setInterval(tick, 1000);
    window.setInterval(report, ACTIVE_REPORT_EVERY_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        report();
      } else {
        last = Date.now();
      }
    });
    return {
      // The frame said "submitted": send the final total and count no more.
      finish: function () {
        report();
        stopped = true;
      },
    };
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
  var activeTime = null;
  // The CSRF token is read from the page's own form: the CSP allows no inline script.
  var tokenInput = document.querySelector('#accept-next-form input[name="csrfmiddlewaretoken"]');
  if (bar && bar.dataset.activeTimeUrl && tokenInput) {
    activeTime = startActiveTime(bar.dataset.activeTimeUrl, tokenInput.value);
  }

  // Which origin may report a submission. The sandboxed task frame, and the answer pages
  // loaded in it, have an opaque origin ("null"). A requester's page framed directly
  // (data-direct) has an origin of its own and could post anything, even from an opaque
  // document of its own; there only the answer to its post, a page of the platform's that
  // keeps the platform's origin (mturk/views.py, external_submit), may report.
  var reportingOrigin = frame && frame.dataset.direct ? window.location.origin : "null";

  // The frame runs the requester's code, which can say "submitted" without submitting (and,
  // with "Submit and next", start an endless accept loop). Only the server's word counts: ask
  // it, with the worker's own session, and move on only if it holds the answer.
  var checking = false;
  var movedOn = false;
  function moveOn() {
    movedOn = true;
    if (activeTime) {
      activeTime.finish();
    }
    if (nextBox && nextBox.checked && acceptForm) {
      acceptForm.submit();
    } else if (bar) {
      window.location.assign(bar.dataset.historyUrl);
    }
  }
  function showUnconfirmed() {
    if (status && bar) {
      status.textContent = bar.dataset.unconfirmed;
      status.hidden = false;
    }
  }
  // Training mode: the frame shows the right answer after a mistake on a gold task. The page
  // stays until the worker has read it and asks to go on.
  function waitForReader() {
    var box = document.getElementById("work-feedback");
    var button = document.getElementById("work-feedback-continue");
    if (!box || !button) {
      moveOn();
      return;
    }
    movedOn = true; // no second check, no second move
    box.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      moveOn();
    });
    button.focus();
  }
  function confirmSubmitted() {
    if (checking || movedOn || !bar || !bar.dataset.stateUrl) {
      return;
    }
    checking = true;
    // A POST: the server also counts the submission in the session's tally, once, and leaves
    // a "Submitted: …" message for the next page.
    window
      .fetch(bar.dataset.stateUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": tokenInput ? tokenInput.value : "",
        },
        cache: "no-store",
      })
      .then(function (response) {
        return response.ok ? response.json() : { submitted: false };
      })
      .then(function (answer) {
        if (answer.submitted === true && answer.feedback === true) {
          waitForReader();
        } else if (answer.submitted === true) {
          moveOn();
        } else {
          showUnconfirmed();
        }
      })
      .catch(showUnconfirmed)
      .then(function () {
        checking = false;
      });
  }

  // The sandboxed task frame sizes itself to its content (frame-size.js posts its height), so
  // its Submit button is not hidden below the frame's own fold. Only the height is taken, as a
  // number, clamped; a requester's page framed directly keeps the height its task gave.
  var FRAME_MIN_HEIGHT = 200;
  var FRAME_MAX_HEIGHT = 6000;
  function sizeFrame(height) {
    if (!frame || frame.dataset.direct || typeof height !== "number" || !isFinite(height)) {
      return;
    }
    var clamped = Math.ceil(Math.min(FRAME_MAX_HEIGHT, Math.max(FRAME_MIN_HEIGHT, height)));
    // The frame's box holds its border too (box-sizing: border-box).
    var border = frame.offsetHeight - frame.clientHeight;
    frame.style.height = clamped + border + "px";
  }

  window.addEventListener("message", function (event) {
    // Only our own frame may drive this page: the window the message comes from, and its origin.
    if (!frame || event.source !== frame.contentWindow || event.origin !== reportingOrigin) {
      return;
    }
    var data = event.data;
    if (!data || typeof data !== "object") {
      return;
    }
    if (data.type === "microwork:height") {
      sizeFrame(data.height);
    } else if (data.type === "microwork:submitted") {
      confirmSubmitted();
    } else if (data.type === "microwork:refused" && status) {
      status.textContent = String(data.message || "");
      status.hidden = false;
    }
  });
  // The frame may have said its height before this page listened: ask it now, and after each
  // page it loads. The frame's origin is opaque, hence "*"; the question carries nothing.
  function askHeight() {
    if (frame && !frame.dataset.direct && frame.contentWindow) {
      frame.contentWindow.postMessage({ type: "microwork:measure" }, "*");
    }
  }
  if (frame) {
    frame.addEventListener("load", askHeight);
  }
  askHeight();
})();
