// Live SLA countdowns, the response-template picker, the report's map (Leaflet) and the dashboard's
// trend charts (Chart.js). No inline scripts: CSP allows 'self' only, so pages hand data over in
// data attributes and JSON blocks, and this file draws from them.
(function () {
  "use strict";
  var loaded = Date.now();
  var words = null;  // the page's duration words (tanggap.display.duration_vocabulary)
  var UNITS = [["day", 86400], ["hour", 3600], ["minute", 60]];
  // The same rule as tanggap.display.countdown_words: the two largest whole units.
  function label(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), parts = [];
    UNITS.forEach(function (unit) {
      var amount = Math.floor(s / unit[1]);
      s -= amount * unit[1];
      if (amount || parts.length) { parts.push([unit[0], amount]); }
    });
    var shown = parts.slice(0, 2).filter(function (p) { return p[1]; }).map(function (p) {
      return words.units[p[0]].replace("{0}", p[1]);
    }).join(" ") || words.under_a_minute;
    return (ms < 0 ? words.late : words.left).replace("{0}", shown);
  }
  function tick() {
    if (!words) { return; }
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      if (el.dataset.running !== "1") { return; }
      var serverNow = Date.parse(el.dataset.now) + (Date.now() - loaded);
      var left = Date.parse(el.dataset.due) - serverNow;
      el.querySelector(".left").textContent = label(left);
      if (left < 0) { el.classList.remove("green", "yellow"); el.classList.add("red"); }
    });
  }
  function drawMap(el) {
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = window.L.map(el, { scrollWheelZoom: false }).setView(at, 17);
    window.L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
    window.L.marker(at, { title: el.dataset.marker, alt: el.dataset.marker }).addTo(map);
  }
  function drawTrend(section, data) {
    var byOpd = Object.keys(data.by_opd);
    var bars = byOpd.length ? byOpd.map(function (opd) {
      return { label: opd, data: data.by_opd[opd], backgroundColor: data.colours[opd] };
    }) : [{ label: data.text.responses, data: data.responses }];
    var common = { responsive: true, maintainAspectRatio: false, animation: false };
    var week = { title: { display: true, text: data.text.week } };
    new window.Chart(section.querySelector("#chart-responses"), {
      type: "bar",
      data: { labels: data.labels, datasets: bars },
      options: Object.assign({ scales: { x: Object.assign({ stacked: true }, week),
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }, common)
    });
    new window.Chart(section.querySelector("#chart-on-time"), {
      type: "line",
      data: { labels: data.labels, datasets: [{ label: data.text.on_time, data: data.on_time_rate }] },
      options: Object.assign({ scales: { x: week, y: { min: 0, max: 100 } } }, common)
    });
    section.classList.add("charted");
    section.querySelector(".trend-figures").open = false;  // the charts say it; the numbers stay a tap away
  }
  document.addEventListener("DOMContentLoaded", function () {
    var map = document.getElementById("report-map");
    if (map && window.L) { drawMap(map); }
    var trend = document.getElementById("trend-data");
    if (trend && window.Chart) { drawTrend(document.getElementById("trend"), JSON.parse(trend.textContent)); }
    var vocabulary = document.getElementById("duration-words");
    if (vocabulary) { words = JSON.parse(vocabulary.textContent); }
    tick();
    setInterval(tick, 15000);
    // Ask before an action that cannot be undone (revoking a token or key).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
    document.querySelectorAll("button.copy").forEach(function (button) {
      button.addEventListener("click", function () {
        var value = document.getElementById(button.dataset.copy);
        var copied = function () { button.textContent = button.dataset.copied; };
        var select = function () {  // select it, so that the next Ctrl+C copies it if this cannot
          window.getSelection().selectAllChildren(value);
          if (document.execCommand("copy")) { copied(); }
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(value.textContent).then(copied, select);  // refused: select
        } else {  // plain HTTP has no clipboard API
          select();
        }
      });
    });
    document.querySelectorAll(".template-picker").forEach(function (picker) {
      picker.addEventListener("change", function () {
        var target = document.getElementById(picker.dataset.target);
        if (target && picker.value) { target.value = picker.value; }
      });
    });
  });
})();
