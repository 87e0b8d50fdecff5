// Progressive enhancement for the rater form: a live "answered x of n" counter.
// The form works fully without it.
(function () {
  "use strict";
  function init() {
    var form = document.querySelector("form.rater-form");
    var progress = document.getElementById("progress");
    if (!form || !progress) { return; }
    var total = parseInt(progress.getAttribute("data-total"), 10) || 0;
    var template = progress.textContent;
    var initial = template.match(/\d+/);
    function count() {
      var names = {};
      form.querySelectorAll("input[type=radio]:checked").forEach(function (r) { names[r.name] = true; });
      return Object.keys(names).length;
    }
    function update() {
      var n = count();
      if (initial) { progress.textContent = template.replace(initial[0], String(n)); }
      form.querySelectorAll("fieldset.criterion").forEach(function (f) {
        if (f.querySelector("input[type=radio]:checked")) { f.classList.add("answered"); f.classList.remove("missing"); }
      });
      progress.classList.toggle("complete", n === total);
    }
    form.addEventListener("change", update);
    update();
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
