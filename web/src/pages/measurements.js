// #/measurements (docs/app.md): the patient's own measurements per kind (GET /api/measurements/kinds):
// a labelled form with unit choice and range hints (checked here as the server will, the server's
// 400 with `field` shown at that field), a chart over time with the reference band, a table of
// every point (the accessible alternative to the chart) with delete for entries of one's own, and
// a CSV import with its columns explained and a sample file made here.
import { drawChart } from '../chart.js';
import './choices.css';
import { h, clear, field, messageArea, setBusy, errorText, formatNumber, formatDateTime, pageHeading } from '../ui.js';
import { CSV_COLUMNS, sampleCsv, kindLabel, localInputValue, toInstant, checkValue, rangeOf, bandOf } from './measurements-util.js';

const PAGE = 'measurements';

export default {
  route: 'measurements',
  nav: true,
  title: 'measurements.title',
  async render(root, ctx) {
    const { api, t } = ctx;
    let chart = null;
    let sampleUrl = null;
    const cleanup = () => {
      if (chart) chart.destroy();
      chart = null;
      if (sampleUrl) URL.revokeObjectURL(sampleUrl);
    };

    const status = messageArea();
    root.append(pageHeading(t('measurements.title')), h('p', {}, t('measurements.intro')), status.el);
    const loading = h('p', { role: 'status' }, t('measurements.loading'));
    root.append(loading);

    let kinds = [];
    try {
      kinds = (await api.get('/api/measurements/kinds')).kinds || [];
    } catch (e) {
      loading.remove();
      status.show(t('measurements.load_failed', { message: errorText(e, PAGE) }), 'error');
      return cleanup;
    }
    loading.remove();
    if (!kinds.length) return cleanup;

    const wanted = ctx.params && ctx.params.get('kind');
    let current = kinds.find((k) => k.kind === wanted) || kinds[0];

    // The kind chooser: buttons with aria-pressed (a toggle group), all reachable by keyboard.
    const chooser = h('div', { class: 'actions kind-chooser', role: 'group', 'aria-label': t('measurements.kinds_label') });
    const panel = h('section', { class: 'kind-panel' });
    const drawChooser = () => {
      clear(chooser);
      for (const k of kinds) {
        chooser.append(h('button', {
          type: 'button', class: ['button', k === current ? 'primary' : 'secondary'],
          'aria-pressed': k === current ? 'true' : 'false', dataset: { kind: k.kind },
          onclick: () => {
            if (k === current) return;
            current = k;
            drawChooser();
            showKind(true);
          },
        }, kindLabel(t, k)));
      }
    };

    // One kind: form, chart, table.
    async function showKind(focus) {
      if (chart) chart.destroy();
      chart = null;
      clear(panel);
      const kind = current;
      const label = kindLabel(t, kind);
      const heading = h('h2', { tabindex: '-1', id: `kind-${kind.kind}` }, label);
      panel.append(heading, entryForm(kind, label));
      const chartBox = h('div', { class: 'chart', 'data-kind': kind.kind });
      const caption = h('figcaption', {});
      const tableBox = h('div', { class: 'table-wrap' });
      panel.append(h('h3', {}, t('measurements.chart')), h('figure', { class: 'chart-figure' }, chartBox, caption), tableBox);
      if (focus) heading.focus();
      await loadPoints(kind, label, chartBox, caption, tableBox);
    }

    function entryForm(kind, label) {
      const area = messageArea();
      const fields = {};
      const decimals = kind.decimals ?? 1;
      const step = decimals > 0 ? String(10 ** -decimals) : '1';
      for (const f of kind.fields || ['value']) {
        const range = rangeOf(kind, f);
        const band = bandOf(kind, f);
        fields[f] = field({
          label: kind.fields.length > 1 ? t(`measurements.field.${f}`) : `${label} (${t('measurements.field.value').toLowerCase()})`,
          name: f, type: 'text', inputmode: 'decimal', required: true,
          hint: [
            Number.isFinite(range.min) && Number.isFinite(range.max)
              ? t('measurements.range_hint', { min: formatNumber(range.min), max: formatNumber(range.max), unit: kind.unit }) : '',
            band ? t('measurements.band_hint', { low: formatNumber(band.low), high: formatNumber(band.high), unit: kind.unit }) : '',
          ].filter(Boolean).join(' '),
          attrs: { 'data-step': step, autocomplete: 'off' },
        });
      }
      const units = kind.units && kind.units.length ? kind.units : [kind.unit];
      fields.unit = field({
        label: t('measurements.field.unit'), name: 'unit', type: 'select', value: kind.unit,
        options: units.map((u) => ({ value: u, label: u })),
      });
      fields.time = field({
        label: t('measurements.field.time'), name: 'time', type: 'datetime-local', required: true,
        value: localInputValue(new Date()),
      });
      const submit = h('button', { type: 'submit', class: 'button primary' }, t('measurements.add'));
      const form = h('form', { class: 'form measure-form', novalidate: true, 'data-kind': kind.kind },
        Object.values(fields).map((f) => f.el), submit, area.el);

      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        area.clear();
        status.clear();
        for (const f of Object.values(fields)) f.setError(null);
        const body = { kind: kind.kind, unit: fields.unit.input.value };
        let firstBad = null;
        const bad = (name, msg) => {
          fields[name].setError(msg);
          if (!firstBad) firstBad = fields[name];
        };
        for (const f of kind.fields || ['value']) {
          const r = checkValue(fields[f].input.value, kind, body.unit, f);
          if (r.error) bad(f, t(`measurements.err.${r.error}`, { min: formatNumber(r.min), max: formatNumber(r.max), unit: kind.unit }));
          else body[f] = r.value;
        }
        const time = toInstant(fields.time.input.value);
        if (!time) bad('time', t('measurements.err.time'));
        else if (Date.parse(time) > Date.now() + 5 * 60000) bad('time', t('measurements.err.future'));
        else body.time = time;
        if (firstBad) {
          area.show(t('measurements.err.form'), 'error');
          firstBad.input.focus();
          return;
        }
        setBusy(submit, true, t('measurements.saving'));
        try {
          await api.post('/api/measurements', body);
          for (const f of kind.fields || ['value']) fields[f].input.value = '';
          status.show(t('measurements.saved', { kind: label }), 'success');
          await showKind(false);
        } catch (err) {
          // The server's 400 names the field it refused; show it there.
          const name = err.field && fields[err.field] ? err.field : null;
          if (name) {
            fields[name].setError(errorText(err, PAGE));
            fields[name].input.focus();
          } else {
            area.show(errorText(err, PAGE), 'error');
          }
        } finally {
          if (submit.isConnected) setBusy(submit, false);
        }
      });
      return form;
    }

    async function loadPoints(kind, label, chartBox, caption, tableBox) {
      let answer;
      try {
        answer = await api.get('/api/measurements', { kind: kind.kind });
      } catch (e) {
        tableBox.append(h('p', { role: 'alert', class: 'msg msg-error' }, t('measurements.load_failed', { message: errorText(e, PAGE) })));
        return;
      }
      if (kind !== current) return; // another kind was chosen meanwhile
      const points = answer.points || [];
      const unit = answer.unit || kind.unit;
      const fields = kind.fields || ['value'];
      const fmt = (v) => (typeof v === 'number' ? formatNumber(v, { maximumFractionDigits: kind.decimals ?? 2 }) : '');
      if (!points.length) {
        chartBox.dataset.points = '0';
        caption.textContent = t('measurements.none');
        tableBox.append(h('p', {}, t('measurements.none')));
        return;
      }
      const bands = fields.map((f) => bandOf(kind, f));
      chart = drawChart(chartBox, {
        points, fields, bands, unit, lang: ctx.lang,
        labels: { time: t('measurements.col.time'), ...Object.fromEntries(fields.map((f) => [f, fields.length > 1 ? t(`measurements.field.${f}`) : label])) },
      });
      caption.append(
        t('measurements.chart_summary', { count: points.length, first: formatDateTime(points[0].time), last: formatDateTime(points[points.length - 1].time) }),
        bands.some(Boolean) ? ` ${t('measurements.chart_band', {
          bands: fields.map((f, i) => (bands[i] ? `${fields.length > 1 ? `${t(`measurements.field.${f}`)} ` : ''}${fmt(bands[i].low)}–${fmt(bands[i].high)} ${unit}` : null)).filter(Boolean).join(', '),
        })}` : '');

      // Newest first in the table: what was just entered is at the top.
      const rows = points.slice().reverse().map((p) => {
        const actions = h('td', {});
        if (p.source === 'self' || p.source === undefined) actions.append(deleteButton(p, actions));
        return h('tr', { dataset: { id: p.id } },
          h('th', { scope: 'row' }, h('time', { datetime: p.time }, formatDateTime(p.time))),
          fields.map((f) => h('td', { class: 'num' }, fmt(p[f]))),
          h('td', {}, p.source === 'self' || !p.source ? t('measurements.source.self') : p.source),
          actions);
      });
      tableBox.append(h('table', { class: 'points' },
        h('caption', {}, t('measurements.table', { kind: label })),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('measurements.col.time')),
          fields.map((f) => h('th', { scope: 'col', class: 'num' }, `${fields.length > 1 ? t(`measurements.field.${f}`) : t('measurements.field.value')} (${unit})`)),
          h('th', { scope: 'col' }, t('measurements.col.source')),
          h('th', { scope: 'col' }, t('measurements.col.actions')))),
        h('tbody', {}, rows)));
    }

    // Delete in two steps inside the row (no modal dialog): "Delete" -> "Delete? Yes / No".
    function deleteButton(point, cell) {
      const when = formatDateTime(point.time);
      const start = h('button', { type: 'button', class: 'button secondary small', 'aria-label': t('measurements.delete_label', { time: when }),
        onclick: () => {
          const yes = h('button', { type: 'button', class: 'button danger small', onclick: async () => {
            setBusy(yes, true);
            try {
              await api.del(`/api/measurements/${encodeURIComponent(point.id)}`);
              status.show(t('measurements.deleted'), 'success');
              await showKind(false);
            } catch (e) {
              status.show(errorText(e, PAGE), 'error');
              if (yes.isConnected) setBusy(yes, false);
            }
          } }, t('measurements.delete'));
          const no = h('button', { type: 'button', class: 'button secondary small', onclick: () => {
            clear(cell);
            cell.append(deleteButton(point, cell));
            cell.querySelector('button').focus();
          } }, t('measurements.cancel'));
          clear(cell);
          cell.append(h('span', { class: 'confirm-text' }, t('measurements.delete_confirm', { time: when })), ' ', yes, ' ', no);
          yes.focus();
        } }, t('measurements.delete'));
      return start;
    }

    // CSV import: the columns, a sample file, the file input; the counts or the per-line errors.
    function importSection() {
      const area = h('div', { class: 'import-result', 'aria-live': 'polite' });
      const file = field({ label: t('measurements.import.file'), name: 'csv', type: 'file', attrs: { accept: '.csv,text/csv' } });
      const submit = h('button', { type: 'submit', class: 'button primary' }, t('measurements.import.submit'));
      sampleUrl = URL.createObjectURL(new Blob([sampleCsv(kinds)], { type: 'text/csv' }));
      const kindsList = kinds.map((k) => k.kind).join(', ');
      const form = h('form', { class: 'form import-form', novalidate: true }, file.el, submit);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clear(area);
        file.setError(null);
        const chosen = file.input.files && file.input.files[0];
        if (!chosen) {
          file.setError(t('measurements.import.no_file'));
          file.input.focus();
          return;
        }
        setBusy(submit, true, t('measurements.import.busy'));
        try {
          const text = await chosen.text();
          const r = await api.post('/api/measurements/import', text, { contentType: 'text/csv' });
          const byKind = Object.entries(r.by_kind || {});
          area.append(h('div', { class: 'msg msg-success', role: 'status' },
            h('p', {}, t('measurements.import.done', { count: r.imported ?? 0 })),
            byKind.length ? h('ul', {}, byKind.map(([k, n]) => h('li', {}, t('measurements.import.by_kind', { kind: kindLabel(t, kinds.find((x) => x.kind === k) || { kind: k }), count: n })))) : null));
          file.input.value = '';
          await showKind(false);
        } catch (err) {
          if (Array.isArray(err.errors) && err.errors.length) {
            area.append(h('div', { class: 'msg msg-error', role: 'alert' },
              h('p', {}, t('measurements.import.failed')),
              h('ul', { class: 'import-errors' }, err.errors.map((x) => h('li', {},
                `${t('measurements.import.line', { line: x.line })}${x.field ? ` (${x.field})` : ''}: ${x.message || ''}`)))));
          } else {
            area.append(h('p', { class: 'msg msg-error', role: 'alert' }, errorText(err, PAGE)));
          }
        } finally {
          setBusy(submit, false);
        }
      });
      return h('section', { class: 'import', 'aria-labelledby': 'import-title' },
        h('h2', { id: 'import-title' }, t('measurements.import.title')),
        h('p', {}, t('measurements.import.intro')),
        h('div', { class: 'table-wrap' }, h('table', { class: 'csv-columns' },
          h('caption', { class: 'visually-hidden' }, t('measurements.import.columns_caption')),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('measurements.import.col_name')), h('th', { scope: 'col' }, t('measurements.import.col_what')))),
          h('tbody', {}, CSV_COLUMNS.map((c) => h('tr', {}, h('th', { scope: 'row' }, h('code', {}, c)), h('td', {}, t(`measurements.import.col.${c}`, { kinds: kindsList }))))))),
        h('p', {}, h('a', { href: sampleUrl, download: 'regie-measurements-sample.csv', class: 'sample-csv' }, t('measurements.import.sample'))),
        form, area);
    }

    drawChooser();
    root.append(chooser, panel, importSection());
    await showKind(false);
    return cleanup;
  },
};
