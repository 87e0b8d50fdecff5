// Progressive enhancement for the rater form (SPEC §13). The form works fully without it:
// Save and Submit post it as they are. With it:
// - the "x of n answered" count and the "next unanswered" link follow the answers;
// - answers are saved as the rater goes (a POST of the form with action=save, within 2 s of
//   a change), "Saved at HH:MM" is announced in a live region, and a save that fails for
//   want of a connection is retried until it gets through;
// - leaving the page with changes not yet saved asks first, and a change made just before the
//   tab is closed or hidden is sent on its way out (fetch with keepalive);
// - Submit first shows a review of the answers, the unanswered ones first;
// - "next unanswered" and the review's links move the focus to the question they lead to.
(function () {
  "use strict";
  var DELAY_MS = 1200, RETRY_MS = 4000;

  function init() {
    var form = document.querySelector("form.rater-form");
    if (!form) { return; }
    var progress = document.getElementById("progress-count");
    var status = document.getElementById("save-status");
    var bar = document.getElementById("progress");
    var total = bar ? parseInt(bar.getAttribute("data-total"), 10) || 0 : 0;
    var template = progress ? progress.textContent : "";
    var initial = template.match(/\d+/);
    var criteria = Array.prototype.slice.call(form.querySelectorAll("fieldset.criterion"));

    function answered(f) { return !!f.querySelector("input[type=radio]:checked"); }

    function update() {
      var n = criteria.filter(answered).length;
      if (progress && initial) { progress.textContent = template.replace(initial[0], String(n)); }
      criteria.forEach(function (f) {
        if (answered(f)) { f.classList.add("answered"); f.classList.remove("missing"); }
      });
      var next = criteria.filter(function (f) { return !answered(f); })[0];
      var link = document.getElementById("next-open");
      if (link) {
        if (next) { link.setAttribute("href", "#" + next.id); link.hidden = false; } else { link.hidden = true; }
      }
      if (bar) { bar.classList.toggle("complete", n === total); }
    }

    // --- autosave -------------------------------------------------------------------
    var dirty = false, inFlight = false, timer = null, submitting = false;

    function say(key, time) {
      if (!status) { return; }
      var text = status.getAttribute("data-" + key) || "";
      status.textContent = time ? text.replace("{time}", time) : text;
      status.className = "save-status " + key;
    }

    function hhmm() {
      var d = new Date();
      return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    }

    function body() {
      var data = new FormData(form);
      data.set("action", "save");
      return new URLSearchParams(data);
    }

    function save() {
      timer = null;
      if (!dirty || submitting) { return; }
      if (inFlight) { schedule(DELAY_MS); return; }
      inFlight = true;
      dirty = false;
      say("saving");
      fetch(form.getAttribute("action"), {
        method: "POST", body: body(), credentials: "same-origin", redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (r) {
        inFlight = false;
        // the server answers a stored draft with 303 back to the form
        if (r.type === "opaqueredirect" || (r.status >= 200 && r.status < 400)) {
          if (!dirty) { say("saved", hhmm()); }
        } else {
          dirty = true;
          say("failed");
        }
      }).catch(function () {
        inFlight = false;
        dirty = true;
        say("offline");
        schedule(RETRY_MS);
      });
    }

    function schedule(ms) {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, ms);
    }

    function changed() {
      dirty = true;
      // a "Saved at" shown from an earlier save no longer covers this change
      if (status && status.classList.contains("saved")) {
        status.textContent = "";
        status.className = "save-status";
      }
      update();
      schedule(DELAY_MS);
    }

    form.addEventListener("change", changed);
    form.addEventListener("input", function (e) {
      if (e.target && e.target.tagName === "TEXTAREA") { changed(); }
    });
    window.addEventListener("online", function () { if (dirty) { schedule(0); } });
    // the tab is closed or put away within the autosave's delay: send what changed now
    function flushOnLeave() {
      if (!dirty || submitting) { return; }
      dirty = false;
      if (timer) { clearTimeout(timer); timer = null; }
      try {
        fetch(form.getAttribute("action"), {
          method: "POST", body: body(), credentials: "same-origin", keepalive: true,
          headers: { "Content-Type": "application/x-www-form-urlencoded" }
        }).catch(function () { dirty = true; });
      } catch (err) { dirty = true; }
    }
    window.addEventListener("pagehide", flushOnLeave);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flushOnLeave(); }
    });
    window.addEventListener("beforeunload", function (e) {
      if ((dirty || inFlight) && !submitting) { e.preventDefault(); e.returnValue = ""; }
    });
    form.addEventListener("submit", function () { submitting = true; });

    // --- review before submit ------------------------------------------------------
    var dialog = document.getElementById("review");
    var submit = document.getElementById("submit");
    if (dialog && submit && typeof dialog.showModal === "function") {
      submit.addEventListener("click", function (e) {
        e.preventDefault();
        fillReview(dialog, criteria);
        dialog.showModal();
      });
      var back = document.getElementById("review-back");
      if (back) { back.addEventListener("click", function () { dialog.close(); }); }
      dialog.addEventListener("click", function (e) {
        var a = e.target && e.target.closest ? e.target.closest("a") : null;
        if (a) {
          e.preventDefault();
          dialog.close();
          goTo(a.getAttribute("href"));
        }
      });
    }
    var nextOpen = document.getElementById("next-open");
    if (nextOpen) {
      nextOpen.addEventListener("click", function (e) {
        e.preventDefault();
        goTo(nextOpen.getAttribute("href"));
      });
    }

    update();
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  // Scrolls to a question and puts the focus on it, so that a keyboard or a screen reader
  // carries on from there (a link to a fragment alone leaves the focus where it was).
  function goTo(href) {
    var target = href && href.charAt(0) === "#" ? document.getElementById(href.slice(1)) : null;
    if (!target) { return; }
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    if (window.history && history.replaceState) { history.replaceState(null, "", href); }
    target.focus();
    target.scrollIntoView({ block: "start" });
  }

  // The review: unanswered criteria first (each a link to its question), then the answers.
  function fillReview(dialog, criteria) {
    var list = document.getElementById("review-list");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var open = [], done = [];
    criteria.forEach(function (f) {
      var legend = f.querySelector("legend");
      var name = legend ? legend.textContent : f.id;
      var checked = f.querySelector("input[type=radio]:checked");
      if (checked) {
        var label = checked.closest("label");
        var level = label ? label.querySelector(".level-name") : null;
        done.push([f.id, name, level ? level.textContent : checked.value]);
      } else {
        open.push([f.id, name, ""]);
      }
    });
    function section(title, rows, cls) {
      var h = document.createElement("h3");
      h.textContent = title + " (" + rows.length + ")";
      list.appendChild(h);
      var ul = document.createElement("ul");
      ul.className = cls;
      rows.forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "#" + r[0];
        a.textContent = r[1];
        li.appendChild(a);
        if (r[2]) {
          var s = document.createElement("span");
          s.className = "chosen";
          s.textContent = " — " + r[2];
          li.appendChild(s);
        }
        ul.appendChild(li);
      });
      list.appendChild(ul);
    }
    if (open.length) {
      section(dialog.getAttribute("data-missing"), open, "review-missing");
    } else {
      var p = document.createElement("p");
      p.className = "review-complete";
      p.textContent = dialog.getAttribute("data-none");
      list.appendChild(p);
    }
    if (done.length) { section(dialog.getAttribute("data-answered"), done, "review-answered"); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

// Progressive enhancement for the KAM's plan and the supervisor's team view (issue #21). Both
// work without it. With it:
// - choosing a goal's criterion shows the rubric's words for the KAM's level and the next one
//   up at once (without it, "Show what better looks like" posts the form back unsaved);
// - the team view's column headers sort the rows in place (without it, they are links that
//   sort on the server), and the address keeps the order for a reload or a shared link.
(function () {
  "use strict";

  function initPlan() {
    var words = document.getElementById("better-words");
    if (!words || !words.content) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("select[data-better]"), function (select) {
      var slot = document.getElementById(select.getAttribute("data-better"));
      if (!slot) { return; }
      select.addEventListener("change", function () {
        while (slot.firstChild) { slot.removeChild(slot.firstChild); }
        var found = words.content.querySelector('[data-criterion="' + select.value.replace(/"/g, "") + '"]');
        if (found) { slot.appendChild(found.cloneNode(true)); }
      });
    });
  }

  function initTeam() {
    var table = document.querySelector("table.team");
    if (!table) { return; }
    var body = table.tBodies[0];
    function value(row, col) {
      var cell = row.querySelector('[data-col="' + col + '"]');
      return cell ? cell.getAttribute("data-v") : "";
    }
    function sortBy(link) {
      var col = link.getAttribute("data-col");
      var asc = link.getAttribute("data-dir") === "asc";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = value(a, col), y = value(b, col);
        var byName = value(a, "name").localeCompare(value(b, "name"));
        if (col === "name") { return asc ? byName : -byName; }
        if (x === "" && y === "") { return byName; }
        if (x === "") { return 1; }
        if (y === "") { return -1; }
        var d = parseFloat(x) - parseFloat(y);
        return (asc ? d : -d) || byName;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      Array.prototype.forEach.call(table.querySelectorAll("th[aria-sort]"), function (th) { th.removeAttribute("aria-sort"); });
      var th = link.closest("th");
      if (th) { th.setAttribute("aria-sort", asc ? "ascending" : "descending"); }
      // the next click on the same column turns the order round
      link.setAttribute("data-dir", asc ? "desc" : "asc");
      if (window.history && history.replaceState) { history.replaceState(null, "", link.href); }
      var status = document.getElementById("team-sorted");
      if (status) { status.textContent = link.getAttribute("data-said") || ""; }
    }
    Array.prototype.forEach.call(table.querySelectorAll("thead a[data-col]"), function (link) {
      link.addEventListener("click", function (e) {
        e.preventDefault();
        sortBy(link);
      });
    });
  }

  function init() { initPlan(); initTeam(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
