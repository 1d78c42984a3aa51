// urutiq-ai dashboard: charts from <canvas data-chart>, times in the browser's zone,
// the company switcher. Runs on load and on every part htmx swaps in.
(function () {
  "use strict";

  function localTimes(root) {
    var fmt = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit",
      timeZoneName: "short"
    });
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) { el.title = el.textContent; el.textContent = fmt.format(when); }
    });
  }

  function charts(root) {
    if (!window.Chart) { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var existing = window.Chart.getChart(canvas);
      if (existing) { existing.destroy(); }
      var config = JSON.parse(canvas.getAttribute("data-chart"));
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      new window.Chart(canvas, config);
    });
  }

  function navigator(root) {
    root.querySelectorAll("select[data-navigate]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function init(root) { localTimes(root); charts(root); navigator(root); }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    if (window.htmx) { window.htmx.onLoad(function (el) { if (el !== document.body) { localTimes(el); charts(el); } }); }
  });
})();
