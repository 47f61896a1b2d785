// Live SLA countdowns and the response-template picker. No inline scripts: CSP allows 'self' only.
(function () {
  "use strict";
  var loaded = Date.now();
  function label(ms) {
    var late = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = (d ? d + "h " : "") + h + "j " + m + "m";
    var en = document.documentElement.lang === "en";
    if (en) { text = (d ? d + "d " : "") + h + "h " + m + "m"; }
    return late ? (en ? "late " : "lewat ") + text : text;
  }
  function tick() {
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      if (el.dataset.running !== "1") { return; }
      var serverNow = Date.parse(el.dataset.now) + (Date.now() - loaded);
      var left = Date.parse(el.dataset.due) - serverNow;
      el.querySelector(".left").textContent = label(left);
      if (left < 0) { el.classList.remove("green", "yellow"); el.classList.add("red"); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    document.querySelectorAll(".template-picker").forEach(function (picker) {
      picker.addEventListener("change", function () {
        var target = document.getElementById(picker.dataset.target);
        if (target && picker.value) { target.value = picker.value; }
      });
    });
  });
})();
