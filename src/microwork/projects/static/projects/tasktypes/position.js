// The work page of a field-photo task: when its sandboxed task frame asks for the worker's
// position, ask the browser (this page has the platform's origin, so the permission prompt
// names the platform) and hand the answer to that frame only.
(function () {
  "use strict";

  var frame = document.getElementById("task-frame");
  if (!frame) {
    return;
  }

  function reply(message) {
    // The frame's origin is opaque, so "*" is the only target; the window is what we check.
    if (frame.contentWindow) {
      frame.contentWindow.postMessage(message, "*");
    }
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || !event.data || event.data.type !== "microwork:need-position") {
      return;
    }
    if (!navigator.geolocation) {
      reply({ type: "microwork:position-error" });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (position) {
        reply({
          type: "microwork:position",
          latitude: position.coords.latitude,
          longitude: position.coords.longitude,
          accuracy: position.coords.accuracy,
          timestamp: position.timestamp
        });
      },
      function () {
        reply({ type: "microwork:position-error" });
      },
      // maximumAge 0: after a refusal for being too far, the worker moves and tries again;
      // a cached position would send the refused one back.
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
    );
  });
})();
