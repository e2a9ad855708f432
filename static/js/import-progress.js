// The catalogue import's progress page: fetches itself and swaps in the new progress until
// the import has finished (without JavaScript a <noscript> meta refresh reloads the page).
(function () {
  "use strict";
  function box(doc) { return doc.getElementById("import-progress"); }
  function poll() {
    var current = box(document);
    if (!current || current.dataset.finished === "1") { return; }
    var seconds = parseInt(current.dataset.refresh, 10) || 2;
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
        .then(function (html) {
          var fresh = box(new DOMParser().parseFromString(html, "text/html"));
          if (fresh) { current.replaceWith(fresh); }
        })
        .catch(function () { /* a failed poll: try again next time */ })
        .then(poll);
    }, seconds * 1000);
  }
  document.addEventListener("DOMContentLoaded", poll);
})();
