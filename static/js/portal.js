/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  // A form came back with errors: move focus to the error summary so that keyboard and
  // screen-reader users hear what is wrong (its links lead to the fields).
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }

  // Error-summary links: focus the field itself, not just scroll to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });

  // <button data-confirm="Are you sure…?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <button data-print> prints the page (no inline handler: the CSP refuses them).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  // The mobile menu closes with Escape and returns focus to its toggle.
  var toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.open) {
        toggle.open = false;
        toggle.querySelector("summary").focus();
      }
    });
  }
})();
