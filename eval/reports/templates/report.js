// Span ↔ reference linking and filters for report.html; plain JS, no network, no libraries.
(function () {
  "use strict";
  var pinned = null;

  function sidsOf(el) { return (el.getAttribute("data-sids") || "").split(" ").filter(Boolean); }

  function clearLinks() {
    document.querySelectorAll(".linked").forEach(function (el) { el.classList.remove("linked"); });
    document.querySelectorAll(".err.active").forEach(function (el) { el.classList.remove("active"); });
  }

  function showLinks(el) {
    clearLinks();
    if (!el) { return; }
    sidsOf(el).forEach(function (sid) {
      document.querySelectorAll('[data-for~="' + sid + '"]').forEach(function (t) { t.classList.add("linked"); });
      document.querySelectorAll('.err[data-sids~="' + sid + '"]').forEach(function (s) { s.classList.add("active"); });
    });
  }

  var panel = document.getElementById("evidence");

  // On a phone the versions start folded (one tap on a version's title opens its beads).
  if (window.matchMedia && window.matchMedia("(max-width: 700px)").matches) {
    document.querySelectorAll("details.beads").forEach(function (d) { d.open = false; });
  }

  function reveal(el) {
    for (var d = el.closest("details"); d; d = d.parentElement ? d.parentElement.closest("details") : null) {
      d.open = true;
    }
  }

  function showEvidence(el) {
    if (!panel) { return; }
    var body = panel.querySelector(".body");
    body.innerHTML = "";
    if (!el) { panel.hidden = true; return; }
    sidsOf(el).forEach(function (sid) {
      var tpl = document.getElementById("ev-" + sid);
      if (tpl) {
        var sec = document.createElement("section");
        sec.setAttribute("data-sid", sid);
        sec.appendChild(tpl.content.cloneNode(true));
        body.appendChild(sec);
      }
    });
    panel.hidden = body.children.length === 0;
    if (!panel.hidden) {  // keep the span in sight above the panel
      var r = el.getBoundingClientRect();
      var free = window.innerHeight - panel.offsetHeight;
      if (r.bottom > free || r.top < 0) { window.scrollBy(0, r.top - Math.max(free * 0.3, 8)); }
    }
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    var go = t.closest ? t.closest("a.goto") : null;
    if (go) {
      var target = document.querySelector('.err[data-sids~="' + go.getAttribute("data-sid") + '"]');
      if (target) {
        ev.preventDefault();
        reveal(target);
        target.scrollIntoView({block: "center"});
        pinned = target;
        showLinks(target);
        showEvidence(target);
      }
      return;
    }
    if (t.closest && t.closest(".evidence")) {
      if (t.closest(".close")) { pinned = null; clearLinks(); showEvidence(null); }
      return;
    }
    var el = t.closest ? t.closest(".err") : null;
    if (el && !el.classList.contains("off")) {
      pinned = (pinned === el) ? null : el;
      showLinks(pinned);
      showEvidence(pinned);
    } else if (!t.closest || !t.closest(".filters")) {
      pinned = null;
      clearLinks();
      showEvidence(null);
    }
  });
  document.addEventListener("mouseover", function (ev) {
    var el = ev.target.closest ? ev.target.closest(".err") : null;
    if (el && !el.classList.contains("off")) { showLinks(el); }
  });
  document.addEventListener("mouseout", function (ev) {
    var el = ev.target.closest ? ev.target.closest(".err") : null;
    if (el) { showLinks(pinned); }
  });
  document.addEventListener("keydown", function (ev) {
    var el = document.activeElement;
    if ((ev.key === "Enter" || ev.key === " ") && el && el.classList && el.classList.contains("err")) {
      ev.preventDefault();
      el.click();
    }
  });

  function checked(name) {
    var out = {};
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (i) { out[i.value] = i.checked; });
    return out;
  }

  function applyFilters() {
    var system = document.getElementById("f-system");
    var want = system ? system.value : "";
    var cats = checked("f-cat"), sevs = checked("f-sev");
    var onlyEl = document.getElementById("f-only");
    var only = onlyEl ? onlyEl.checked : false;
    document.querySelectorAll(".err").forEach(function (el) {
      var on = cats[el.getAttribute("data-cat")] !== false && sevs[el.getAttribute("data-sev")] !== false;
      el.classList.toggle("off", !on);
    });
    document.querySelectorAll("section.version").forEach(function (sec) {
      sec.classList.toggle("hidden", want !== "" && sec.getAttribute("data-system") !== want);
    });
    document.querySelectorAll("tr.bead").forEach(function (tr) {
      var visible = tr.querySelectorAll(".err:not(.off)").length > 0;
      tr.classList.toggle("hidden", only && !visible);
    });
    pinned = null;
    clearLinks();
    showEvidence(null);
  }

  document.querySelectorAll(".filters input, .filters select").forEach(function (el) {
    el.addEventListener("change", applyFilters);
  });
})();
