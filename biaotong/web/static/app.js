// biaotong pages: no inline script anywhere (CSP script-src 'self'); behaviour hangs on data- attributes.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (e) {
    if (csrf && csrf.content) { e.detail.headers["X-CSRF-Token"] = csrf.content; }
  });
  function charts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (err) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        grid: { left: 48, right: 16, bottom: 72, top: 40 },
        xAxis: { type: "category", data: spec.labels, axisLabel: { rotate: 40, interval: 0 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: spec.values, itemStyle: { color: "#b3261e" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", charts); } else { charts(); }
})();
