// #/share (docs/app.md): share one's own measurements with a care provider over a connected share
// service. Choose the connection (GET /api/connections, kind from GET /api/providers), choose
// measurements (checkboxes, GET /api/measurements per kind) or a period, confirm, POST /api/share,
// the outcome per entry; the history from GET /api/shares. Without a share connection the page
// explains and links to #/providers.
import { h, clear, field, messageArea, setBusy, errorText, formatNumber, formatDateTime, formatDate, pageHeading, newId } from '../ui.js';
import { kindLabel } from './measurements-util.js';
import './choices.css';

const PAGE = 'share';

/** "131/87 mm[Hg]" or "72.4 kg". */
function pointText(p, unit) {
  if (typeof p.systolic === 'number') return `${formatNumber(p.systolic)}/${formatNumber(p.diastolic)} ${unit}`;
  return `${formatNumber(p.value)} ${unit}`;
}

export default {
  route: 'share',
  nav: true,
  title: 'share.title',
  async render(root, ctx) {
    const { api, t } = ctx;
    const status = messageArea();
    const loading = h('p', { role: 'status' }, t('share.loading'));
    root.append(pageHeading(t('share.title')), h('p', {}, t('share.intro')), status.el, loading);

    let connections, providers, kinds;
    try {
      [connections, providers, kinds] = await Promise.all([
        api.get('/api/connections').then((r) => r.connections || []),
        api.get('/api/providers', { limit: 100 }).then((r) => r.providers || []),
        api.get('/api/measurements/kinds').then((r) => r.kinds || []),
      ]);
    } catch (e) {
      loading.remove();
      status.show(t('share.load_failed', { message: errorText(e, PAGE) }), 'error');
      return undefined;
    }
    // A connection's service kind comes from the provider list (the connection names only the id).
    const serviceKind = new Map();
    const providerDisplay = new Map();
    for (const p of providers) {
      providerDisplay.set(p.name, p.display || p.name);
      for (const s of p.services || []) serviceKind.set(`${p.name} ${s.id}`, s.kind);
    }
    const shareConns = connections.filter((c) => c.state === 'connected' && (c.service_kind || serviceKind.get(`${c.provider} ${c.service}`)) === 'share');
    const display = (c) => c.display || providerDisplay.get(c.provider) || c.provider;

    // The own measurements per kind (collected ones cannot be shared back).
    const perKind = [];
    try {
      for (const k of kinds) {
        const r = await api.get('/api/measurements', { kind: k.kind });
        const own = (r.points || []).filter((p) => !p.source || p.source === 'self');
        if (own.length) perKind.push({ kind: k, unit: r.unit || k.unit, points: own.slice().reverse() });
      }
    } catch (e) {
      loading.remove();
      status.show(t('share.load_failed', { message: errorText(e, PAGE) }), 'error');
      return undefined;
    }
    loading.remove();

    const work = h('div', { class: 'share-work' });
    const historyBox = h('section', { class: 'share-history', 'aria-labelledby': 'share-history-title' });
    root.append(work, historyBox);

    if (!shareConns.length) {
      work.append(h('div', { class: 'msg msg-info', role: 'status' },
        h('p', {}, t('share.no_connection')),
        h('p', {}, h('a', { href: '#/providers', class: 'button primary' }, t('share.to_providers')))));
    } else {
      work.append(chooseForm());
    }
    await drawHistory();
    return undefined;

    // --- 1 + 2: with whom, what ------------------------------------------------------------
    function chooseForm() {
      const area = messageArea();
      const connName = newId('conn');
      const connErr = h('p', { id: `${connName}-err`, class: 'field-error', hidden: true });
      const connFieldset = h('fieldset', { class: 'choice' },
        h('legend', {}, t('share.step_with')),
        shareConns.map((c, i) => {
          const id = `${connName}-${c.id}`;
          return h('div', { class: 'radio' },
            h('input', { type: 'radio', name: connName, id, value: String(c.id), checked: i === 0 && shareConns.length === 1 }),
            h('label', { for: id }, `${display(c)} — ${c.service_name || c.service}`));
        }),
        connErr);

      const modeName = newId('mode');
      const modePick = h('input', { type: 'radio', name: modeName, id: `${modeName}-pick`, value: 'pick', checked: true });
      const modePeriod = h('input', { type: 'radio', name: modeName, id: `${modeName}-period`, value: 'period' });
      const pickBox = h('div', { class: 'pick' });
      const pickErr = h('p', { id: newId('pick-err'), class: 'field-error', hidden: true });
      const boxes = [];
      if (!perKind.length) {
        pickBox.append(h('p', {}, t('share.no_measurements'), ' ', h('a', { href: '#/measurements' }, t('share.to_measurements'))));
      }
      for (const { kind, unit, points } of perKind) {
        const label = kindLabel(t, kind);
        const mine = points.map((p) => {
          const id = newId('obs');
          const box = h('input', { type: 'checkbox', id, value: p.id, dataset: { kind: kind.kind } });
          boxes.push({ box, point: p, kind, unit, label });
          return h('div', { class: 'check' }, box, h('label', { for: id }, `${formatDateTime(p.time)}: ${pointText(p, unit)}`));
        });
        const all = h('button', { type: 'button', class: 'button secondary small', onclick: () => {
          const set = !mine.every((d) => d.querySelector('input').checked);
          for (const d of mine) d.querySelector('input').checked = set;
        } }, t('share.select_all', { kind: label }));
        pickBox.append(h('fieldset', { class: 'kind-points', dataset: { kind: kind.kind } }, h('legend', {}, label), all, mine));
      }
      pickBox.append(pickErr);

      const from = field({ label: t('share.from'), name: 'from', type: 'date' });
      const to = field({ label: t('share.to'), name: 'to', type: 'date', value: new Date().toISOString().slice(0, 10) });
      const periodBox = h('div', { class: 'period', hidden: true }, from.el, to.el);
      const syncMode = () => {
        pickBox.hidden = !modePick.checked;
        periodBox.hidden = !modePeriod.checked;
      };
      modePick.addEventListener('change', syncMode);
      modePeriod.addEventListener('change', syncMode);

      const review = h('button', { type: 'submit', class: 'button primary' }, t('share.review'));
      const form = h('form', { class: 'form share-form', novalidate: true },
        connFieldset,
        h('fieldset', { class: 'choice' }, h('legend', {}, t('share.step_what')),
          h('div', { class: 'radio' }, modePick, h('label', { for: modePick.id }, t('share.mode_pick'))),
          h('div', { class: 'radio' }, modePeriod, h('label', { for: modePeriod.id }, t('share.mode_period')))),
        pickBox, periodBox, area.el, review);

      const setErr = (el, input, msg) => {
        el.textContent = msg || '';
        el.hidden = !msg;
        if (msg) el.setAttribute('role', 'alert');
        else el.removeAttribute('role');
        if (input) {
          if (msg) input.setAttribute('aria-describedby', el.id);
          else input.removeAttribute('aria-describedby');
        }
      };
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        area.clear();
        let bad = null;
        const checkedConn = form.querySelector(`input[name="${connName}"]:checked`);
        setErr(connErr, connFieldset, checkedConn ? null : t('share.err_connection'));
        if (!checkedConn) bad = bad || form.querySelector(`input[name="${connName}"]`);
        from.setError(null);
        to.setError(null);
        setErr(pickErr, pickBox, null);
        let choice;
        if (modePick.checked) {
          const chosen = boxes.filter((b) => b.box.checked);
          if (!chosen.length) {
            setErr(pickErr, pickBox, t('share.err_none'));
            bad = bad || (boxes[0] ? boxes[0].box : modePick);
          }
          choice = { observations: chosen.map((b) => b.point.id), chosen };
        } else {
          const f = from.input.value, tt = to.input.value;
          if (!f || !tt || f > tt) {
            (f ? to : from).setError(t('share.err_period'));
            bad = bad || (f ? to.input : from.input);
          }
          choice = { from: f, to: tt };
        }
        if (bad) {
          area.show(t('share.err_form'), 'error');
          bad.focus();
          return;
        }
        const conn = shareConns.find((c) => String(c.id) === checkedConn.value);
        form.hidden = true;
        work.append(confirmStep(conn, choice, form));
      });
      return form;
    }

    // --- 3: confirm, share, the outcome ----------------------------------------------------
    function confirmStep(conn, choice, form) {
      const who = { provider: display(conn), service: conn.service_name || conn.service };
      const text = choice.observations
        ? t('share.confirm_pick', { count: choice.observations.length, ...who })
        : t('share.confirm_period', { from: formatDate(choice.from), to: formatDate(choice.to), ...who });
      const area = messageArea();
      const result = h('div', { class: 'share-result' });
      const yes = h('button', { type: 'button', class: 'button primary' }, t('share.confirm'));
      const back = h('button', { type: 'button', class: 'button secondary' }, t('share.back'));
      const heading = h('h2', { tabindex: '-1' }, t('share.confirm_title'));
      const box = h('section', { class: 'share-confirm' }, heading, h('p', {}, text),
        choice.chosen ? h('ul', {}, choice.chosen.map((b) => h('li', {}, `${b.label}, ${formatDateTime(b.point.time)}: ${pointText(b.point, b.unit)}`))) : null,
        h('div', { class: 'actions' }, yes, ' ', back), area.el, result);
      back.addEventListener('click', () => {
        box.remove();
        form.hidden = false;
        form.querySelector('button[type=submit]').focus();
      });
      yes.addEventListener('click', async () => {
        setBusy(yes, true, t('share.sharing'));
        back.disabled = true;
        const body = choice.observations ? { connection: conn.id, observations: choice.observations } : { connection: conn.id, from: choice.from, to: choice.to };
        try {
          const r = await api.post('/api/share', body);
          yes.remove();
          back.remove();
          const names = new Map((choice.chosen || []).map((b) => [b.point.id, `${b.label}, ${formatDateTime(b.point.time)}: ${pointText(b.point, b.unit)}`]));
          const resultHeading = h('h2', { tabindex: '-1' }, t('share.result_title'));
          result.append(resultHeading,
            h('p', { role: 'status', class: r.refused ? 'msg msg-warning' : 'msg msg-success' }, t('share.result_summary', { stored: r.stored ?? 0, refused: r.refused ?? 0, provider: who.provider })),
            h('div', { class: 'table-wrap' }, h('table', { class: 'share-entries' },
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('share.col_measurement')), h('th', { scope: 'col' }, t('share.col_status')))),
              h('tbody', {}, (r.entries || []).map((e) => h('tr', { dataset: { status: String(e.status) } },
                h('th', { scope: 'row' }, names.get(e.observation) || e.observation),
                h('td', {}, e.status >= 200 && e.status < 300 ? t('share.stored') : t('share.refused', { error: e.error || e.status }))))))),
            h('p', {}, h('button', { type: 'button', class: 'button secondary', onclick: () => ctx.navigate('share') }, t('share.again'))));
          resultHeading.focus();
          await drawHistory();
        } catch (err) {
          area.show(errorText(err, PAGE), 'error');
          setBusy(yes, false);
          back.disabled = false;
        }
      });
      queueMicrotask(() => heading.focus());
      return box;
    }

    // --- history ---------------------------------------------------------------------------
    async function drawHistory() {
      clear(historyBox);
      historyBox.append(h('h2', { id: 'share-history-title' }, t('share.history_title')));
      let shares;
      try {
        shares = (await api.get('/api/shares')).shares || [];
      } catch (e) {
        historyBox.append(h('p', { class: 'msg msg-error', role: 'alert' }, t('share.load_failed', { message: errorText(e, PAGE) })));
        return;
      }
      if (!shares.length) {
        historyBox.append(h('p', {}, t('share.history_none')));
        return;
      }
      const serviceName = new Map();
      for (const p of providers) for (const s of p.services || []) serviceName.set(`${p.name} ${s.id}`, s.name);
      const whatText = (s) => {
        let what = s.what;
        if (typeof what === 'string') {
          try {
            what = JSON.parse(what);
          } catch {
            return what;
          }
        }
        if (what && what.from && what.to) return t('share.what_period', { count: s.count ?? 0, from: formatDate(what.from), to: formatDate(what.to) });
        const n = what && Array.isArray(what.observations) ? what.observations.length : s.count ?? 0;
        return t('share.what_count', { count: n });
      };
      historyBox.append(h('div', { class: 'table-wrap' }, h('table', { class: 'share-history-table' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('share.col_when')), h('th', { scope: 'col' }, t('share.col_with')),
          h('th', { scope: 'col' }, t('share.col_what')), h('th', { scope: 'col' }, t('share.col_result')))),
        h('tbody', {}, shares.map((s) => h('tr', { dataset: { share: String(s.id) } },
          h('th', { scope: 'row' }, h('time', { datetime: s.shared_at }, formatDateTime(s.shared_at))),
          h('td', {}, `${providerDisplay.get(s.provider) || s.provider} — ${serviceName.get(`${s.provider} ${s.service}`) || s.service}`),
          h('td', {}, whatText(s)),
          h('td', {}, s.result || '')))))));
    }
  },
};
