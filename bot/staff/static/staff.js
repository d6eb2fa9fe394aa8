/* Staff console: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  /* Queue: a click anywhere on a row opens the handoff (the name stays the real link). */
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, label")) return;
    if (window.getSelection && String(window.getSelection()).length) return;
    window.location.assign(row.getAttribute("data-href"));
  });

  /* Idle sign-out: the server ends the session after the idle time; this hides the
     page from an unattended screen at the same moment, and warns a minute before. */
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var loginUrl = body.getAttribute("data-login-url");
  if (idle > 0 && loginUrl) {
    var warning = document.getElementById("idle-warning");
    var stay = document.getElementById("idle-stay");
    var warnAfter = Math.max(idle - 60, 1) * 1000;
    window.setTimeout(function () {
      if (warning) warning.hidden = false;
    }, warnAfter);
    if (stay) {
      stay.addEventListener("click", function (event) {
        event.preventDefault();
        window.location.reload();
      });
    }
    window.setTimeout(function () {
      document.getElementById("main").innerHTML = "";
      var here = window.location.pathname + window.location.search;
      window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
    }, (idle + 5) * 1000);
  }

  /* Forms: stop double submits. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method && form.method.toLowerCase() === "post") {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });
})();
