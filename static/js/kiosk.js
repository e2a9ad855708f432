/* Kiosk: back to the empty form after a while without touch or typing, so the next person
   never sees the previous one's dossier. The result page also has a <noscript> refresh. */
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-idle-seconds"), 10) || 60;
  var resetUrl = body.getAttribute("data-reset-url") || "/kiosk/";
  var input = document.getElementById("kiosk-ma");
  var timer = null;

  function isEmpty() {
    return !/[?&]ma=/.test(window.location.search) && !(input && input.value);
  }

  function reset() {
    if (isEmpty()) {
      restart();
    } else {
      window.location.replace(resetUrl);
    }
  }

  function restart() {
    window.clearTimeout(timer);
    timer = window.setTimeout(reset, seconds * 1000);
  }

  ["pointerdown", "keydown", "input", "touchstart", "scroll"].forEach(function (type) {
    document.addEventListener(type, restart, { passive: true });
  });
  restart();
})();
