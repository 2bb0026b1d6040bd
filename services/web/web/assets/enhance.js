// Small enhancements; every page works without them.
(function () {
  "use strict";

  // As the GOV.UK pattern does: after a failed submission, focus moves to the error summary.
  var summary = document.querySelector(".error-summary[role=alert]");
  if (summary) {
    summary.focus();
  }
  // Its links focus the field itself, not just scroll to it.
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        event.preventDefault();
        var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        (field || target).focus();
        target.scrollIntoView({block: "center"});
      }
    });
  });

  // Compare: say how many are chosen, and stop at five (the API compares two to five).
  document.querySelectorAll("form[data-compare]").forEach(function (form) {
    var boxes = form.querySelectorAll("input[name=ids]");
    var status = form.querySelector("[data-compare-status]");
    function update() {
      var chosen = form.querySelectorAll("input[name=ids]:checked").length;
      boxes.forEach(function (box) { box.disabled = !box.checked && chosen >= 5; });
      if (status) {
        status.textContent = chosen === 0 ? "" : chosen + (chosen === 1 ? " offering" : " offerings") +
          " selected" + (chosen < 2 ? ": select at least 2 to compare" : chosen >= 5 ? " (the most you can compare)" : "");
      }
    }
    form.addEventListener("change", update);
    update();
  });
})();
