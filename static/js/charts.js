// Backdesk charts (Chart.js, vendored): no inline scripts, so a page marks a canvas with
//   <canvas data-chart="ID"> and puts the chart's data in {{ data|json_script:"ID" }}:
//   {type: "bar"|"line", labels: [...], datasets: [{label, data, color}], stacked, min, max, aspect, legend}
//   (aspect: width / height, default 2; aspectSmall on phones, default 1.1)
(function () {
  "use strict";

  function withAlpha(hex, alpha) {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
    if (!m) return hex;
    return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})`;
  }

  function draw(canvas) {
    if (canvas.backdeskChart || typeof window.Chart === "undefined") return;
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const line = spec.type === "line";
    const datasets = (spec.datasets || []).map((ds) => ({
      label: ds.label,
      data: ds.data,
      borderColor: ds.color,
      backgroundColor: line ? withAlpha(ds.color, 0.15) : withAlpha(ds.color, 0.85),
      borderWidth: line ? 2 : 0,
      fill: line && spec.fill === true,
      tension: 0.25,
      spanGaps: true,
      pointRadius: spec.points === false ? 0 : 3,
    }));
    const y = { beginAtZero: !line, stacked: !!spec.stacked, ticks: { precision: 0 } };
    if (spec.min !== undefined) y.min = spec.min;
    if (spec.max !== undefined) y.max = spec.max;
    const options = {
      responsive: true,
      maintainAspectRatio: true,
      // Taller on a phone, where a wide chart would be a thin strip.
      aspectRatio: canvas.parentElement.clientWidth < 576 ? spec.aspectSmall || 1.1 : spec.aspect || 2,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { display: spec.legend !== false, position: "bottom" } },
      scales: {
        x: { stacked: !!spec.stacked, grid: { display: false }, display: spec.axes !== false },
        y: Object.assign(y, { display: spec.axes !== false }),
      },
    };
    canvas.backdeskChart = new window.Chart(canvas, { type: spec.type || "bar", data: { labels: spec.labels, datasets }, options });
  }

  function drawAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  // Charts inside an htmx fragment, or in a tab that was hidden when the page loaded.
  document.addEventListener("htmx:afterSettle", (event) => drawAll(event.target));
  document.addEventListener("shown.bs.tab", () => {
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => canvas.backdeskChart && canvas.backdeskChart.resize());
  });
})();
