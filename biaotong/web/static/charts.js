// The dashboard's charts: each <div data-echarts='{…ECharts option…}'> is drawn with the vendored ECharts.
// The options are plain JSON written by the server (no functions, no inline script: CSP script-src 'self').
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) { return; }
    var drawn = [];
    document.querySelectorAll("[data-echarts]").forEach(function (el) {
      var option;
      try { option = JSON.parse(el.getAttribute("data-echarts")); } catch (err) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      option.color = option.color || ["#1b7f3b", "#b3261e", "#3b6fb6", "#8a5a00"];
      chart.setOption(option);
      el.setAttribute("data-drawn", "1");
      drawn.push(chart);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
