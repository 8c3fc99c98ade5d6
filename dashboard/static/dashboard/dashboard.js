// The dashboard's charts: each <canvas data-chart="ID"> is drawn from the JSON in the
// <script type="application/json" id="ID"> next to it (the CSP allows no inline script).
// A click on a bar or point opens the worklist behind it (dataset.links[index]).
(() => {
  const palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#6c757d", "#dc3545", "#20c997"];

  function draw(canvas) {
    const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    const datasets = spec.datasets.map((dataset, index) => ({
      label: dataset.label,
      data: dataset.data,
      links: dataset.links,
      backgroundColor: palette[index % palette.length],
      borderColor: palette[index % palette.length],
      spanGaps: true,
      maxBarThickness: 56,
      tension: 0.2,
    }));
    const valueAxis = spec.horizontal ? "x" : "y";
    const scales = {
      x: { stacked: Boolean(spec.stacked) },
      y: { stacked: Boolean(spec.stacked) },
    };
    scales[valueAxis].beginAtZero = true;
    if (spec.percent) scales[valueAxis].max = 100;
    else scales[valueAxis].ticks = { precision: 0 };
    return new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales,
        plugins: { legend: { display: datasets.length > 1 } },
        onClick: (event, elements, chart) => {
          if (!elements.length) return;
          const { datasetIndex, index } = elements[0];
          const url = chart.data.datasets[datasetIndex].links[index];
          if (url) window.location.assign(url);
        },
        onHover: (event, elements) => {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      canvas.chart = draw(canvas);
    });
  });
})();
