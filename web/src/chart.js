// A measurement chart over time (uPlot): one series per field (blood pressure has two, systolic
// and diastolic), the kind's reference band shaded behind the lines. The chart is a picture for
// sighted users; the table on the measurements page is the accessible alternative, so the canvas
// is hidden from assistive technology and the figure carries a one-line text summary instead.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

// Colours with at least 3:1 contrast against white (WCAG non-text contrast), told apart by dash
// as well as colour.
const SERIES_STYLE = [
  { stroke: '#1f5fa8', dash: [], band: 'rgba(31, 95, 168, 0.12)' },
  { stroke: '#a8321f', dash: [6, 4], band: 'rgba(168, 50, 31, 0.10)' },
];

// points: [{time, value} or {time, systolic, diastolic}] oldest first (GET /api/measurements);
// fields: ['value'] or ['systolic', 'diastolic']; bands: per field {low, high} or null (each
// shaded in a tint of its series' colour);
// labels: {field: text}; unit: text for the y axis; lang: 'nl' | 'en'.
// Returns {destroy()}. The container gets data-points (how many points are drawn), which the
// page's summary and the browser tests read.
export function drawChart(container, { points, fields, bands = [], labels = {}, unit = '', lang = 'nl', height = 260 }) {
  container.replaceChildren();
  const usable = points.filter((p) => Number.isFinite(Date.parse(p.time)));
  container.dataset.points = String(usable.length);
  if (!usable.length) return { destroy() {} };

  const xs = usable.map((p) => Date.parse(p.time) / 1000);
  const ys = fields.map((f) => usable.map((p) => (typeof p[f] === 'number' ? p[f] : null)));
  const fmtNumber = new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'nl-NL', { maximumFractionDigits: 2 });
  const locale = lang === 'en' ? 'en-GB' : 'nl-NL';
  const fmtDate = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const fmtDay = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' });
  const fmtMonth = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric' });
  const fmtHour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });

  // The y range holds every value and the band, with a little room.
  const all = ys.flat().filter((v) => v !== null);
  for (const b of bands) if (b) all.push(b.low, b.high);
  let lo = Math.min(...all), hi = Math.max(...all);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.1;
  lo -= pad;
  hi += pad;

  const shadeBands = (u) => {
    const { ctx, bbox } = u;
    bands.forEach((band, i) => {
      if (!band) return;
      const top = Math.max(bbox.top, u.valToPos(band.high, 'y', true));
      const bottom = Math.min(bbox.top + bbox.height, u.valToPos(band.low, 'y', true));
      if (bottom <= top) return;
      ctx.save();
      ctx.fillStyle = SERIES_STYLE[i % SERIES_STYLE.length].band;
      ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
      ctx.restore();
    });
  };

  const opts = {
    width: Math.max(280, container.clientWidth || 0),
    height,
    scales: { x: { time: true }, y: { range: () => [lo, hi] } },
    series: [
      { label: labels.time || 'time', value: (u, v) => (v === null ? '' : fmtDate.format(new Date(v * 1000))) },
      ...fields.map((f, i) => ({
        label: labels[f] || f,
        stroke: SERIES_STYLE[i % SERIES_STYLE.length].stroke,
        dash: SERIES_STYLE[i % SERIES_STYLE.length].dash,
        width: 2,
        spanGaps: true,
        points: { show: true, size: 7 },
        value: (u, v) => (v === null ? '' : `${fmtNumber.format(v)} ${unit}`),
      })),
    ],
    axes: [
      {
        // Tick labels in the chosen language: hours within a day, days within ~3 months, else months.
        values: (u, splits, axisIdx, space, incr) => splits.map((v, i) => {
          const d = new Date(v * 1000);
          // Within days: the hour, and the date where a day starts (and at the first tick).
          if (incr < 86400) return i === 0 || (d.getHours() === 0 && d.getMinutes() === 0) ? fmtDay.format(d) : fmtHour.format(d);
          if (incr < 86400 * 28) return fmtDay.format(d);
          return fmtMonth.format(d);
        }),
      },
      { label: unit, values: (u, vals) => vals.map((v) => fmtNumber.format(v)) },
    ],
    hooks: { drawClear: [shadeBands] },
  };
  // A single point still gets an x range (uPlot would otherwise collapse it).
  if (xs.length === 1) opts.scales.x.range = () => [xs[0] - 86400, xs[0] + 86400];

  const plot = new uPlot(opts, [xs, ...ys], container);
  plot.root.setAttribute('aria-hidden', 'true');

  // Follow the container's width (phones turn, windows resize).
  let observer = null;
  if (typeof ResizeObserver === 'function') {
    observer = new ResizeObserver(() => {
      const w = Math.max(280, container.clientWidth || 0);
      if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height });
    });
    observer.observe(container);
  }
  return {
    destroy() {
      if (observer) observer.disconnect();
      plot.destroy();
    },
  };
}
