/* The dashboard's charts: draws each table of the page with the vendored ECharts
   (echarts.min.js beside this file, Apache-2.0). The data come from the page's
   <script type="application/json" id="nb-charts"> block; without scripts the tables stay. */
(function () {
  "use strict";
  var block = document.getElementById("nb-charts");
  if (!block || !window.echarts) { return; }
  var charts = JSON.parse(block.textContent);
  var palette = ["#2e75b6", "#c00000", "#70ad47", "#ed7d31", "#7030a0"];
  charts.forEach(function (c) {
    var el = document.getElementById("chart-" + c.key);
    if (!el || !c.categories.length) { return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      color: palette,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 36, bottom: 60 },
      xAxis: { type: "category", data: c.categories, axisLabel: { interval: 0, rotate: c.categories.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", max: c.percent ? 100 : null, axisLabel: { formatter: c.percent ? "{value}%" : "{value}" } },
      series: c.series.map(function (s) {
        return { name: s.name, type: c.kind, data: s.data, connectNulls: false, barMaxWidth: 48,
                 label: { show: c.kind === "bar", position: "top" } };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
