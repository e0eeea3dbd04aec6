// #/log: the account's own access log (GET /api/audit, a FHIR Bundle of AuditEvent, newest first),
// as sentences: when, who (and through which app or provider), what, and the outcome; paged.
import { h, add, messageArea, pageHeading, clear, showError, timeEl, setBusy } from '../ui.js';

const PAGE = 20;

function codes(ev) {
  const type = ev.type && ev.type.code;
  const sub = ((ev.subtype || [])[0] || {}).code;
  const purpose = ((ev.purposeOfEvent || [])[0] || {}).text || '';
  const agents = ev.agent || [];
  const actor = agents.find((a) => a.requestor) || agents[0] || {};
  const client = agents.find((a) => !a.requestor && a !== actor);
  const ents = ev.entity || [];
  const what = ents.map((e) => (e.what && e.what.reference) || e.description).filter(Boolean).find((w) => !/^Patient\//.test(w)) || '';
  return {
    type, sub, purpose, what,
    actor: (actor.who && (actor.who.display || (actor.who.identifier || {}).value)) || '',
    client: client && client.who ? client.who.display || (client.who.identifier || {}).value : '',
  };
}

/** One entry as a sentence in the chosen language. */
export function describe(ev, t, displayOf) {
  const c = codes(ev);
  const provider = displayOf(c.client) || c.client;
  const whatType = c.what.split(/[/?]/)[0];
  if (c.type === '110114') return t(c.sub === '110123' ? 'log.act.logout' : 'log.act.login');
  if (c.type === '110107') return c.purpose === 'medmij-collect' ? t('log.act.collect', { provider }) : t('log.act.import');
  if (c.type === '110106') return c.purpose === 'medmij-share' ? t('log.act.share', { provider }) : t('log.act.export');
  if (c.type === 'rest' && !c.sub) {
    if (c.purpose === 'medmij-connect') return t('log.act.connect', { provider });
    if (c.purpose === 'medmij-revoke') return t('log.act.revoke', { provider });
    return t('log.act.consent', { what: c.what });
  }
  if (c.sub === 'search-type' && whatType === 'AuditEvent') return t('log.act.readLog');
  if (c.sub === 'search-type') return t('log.act.search', { what: whatType });
  if (c.sub === 'read') return t('log.act.read', { what: c.what });
  if (c.sub === 'create') return t('log.act.create', { what: c.what });
  if (c.sub === 'update' && c.what === 'Account/totp') return t('log.act.totp');
  if (c.sub === 'update') return t('log.act.update', { what: c.what });
  if (c.sub === 'delete') return t('log.act.delete', { what: c.what });
  return t('log.act.other', { action: c.sub || c.type || ev.action || '?', what: c.what });
}

/**
 * Reads of the records come in bursts (the records page asks for each type in turn): successive
 * successful searches of the same actor and client within a minute become one row naming the
 * types. Everything else stays one row per entry.
 */
function group(events) {
  const out = [];
  for (const ev of events) {
    const c = codes(ev);
    const type = c.what.split(/[/?]/)[0];
    const last = out[out.length - 1];
    const mergeable = c.sub === 'search-type' && type !== 'AuditEvent' && ev.outcome === '0';
    if (mergeable && last && last.mergeable && last.actor === c.actor && last.client === c.client &&
        Math.abs(new Date(last.ev.recorded) - new Date(ev.recorded)) < 60000) {
      last.types.push(type);
      continue;
    }
    out.push({ ev, types: [type], mergeable, actor: c.actor, client: c.client });
  }
  return out;
}

export default {
  route: 'log',
  nav: true,
  title: 'log.title',
  render(root, ctx) {
    const { t, api } = ctx;
    const area = messageArea();
    const status = h('p', { role: 'status', class: 'result-count' }, t('log.loading'));
    const table = h('div', { class: 'table-wrap' });
    const newer = h('button', { type: 'button', class: 'button secondary', disabled: true }, `← ${t('log.newer')}`);
    const older = h('button', { type: 'button', class: 'button secondary', disabled: true }, `${t('log.older')} →`);
    add(root, pageHeading(t('log.title')), h('p', {}, t('log.intro')), area.el, status, table,
      h('nav', { class: 'pager', 'aria-label': t('log.title') }, newer, older));

    let offset = Math.max(0, Number(ctx.params.get('offset')) || 0);
    let disposed = false;
    const displays = new Map();
    const displayOf = (name) => displays.get(name) || '';

    newer.addEventListener('click', () => go(Math.max(0, offset - PAGE), newer));
    older.addEventListener('click', () => go(offset + PAGE, older));

    async function go(next, button) {
      offset = next;
      history.replaceState(null, '', offset ? `#/log?offset=${offset}` : '#/log');
      if (button) setBusy(button, true);
      await load();
      if (button) setBusy(button, false);
      update();
    }

    let total = 0;
    function update() {
      newer.disabled = offset === 0;
      older.disabled = offset + PAGE >= total;
    }

    async function load() {
      let bundle;
      try {
        bundle = await api.get('/api/audit', { count: PAGE, offset });
      } catch (err) {
        if (!disposed) showError(err, null, area, 'log');
        status.textContent = '';
        return;
      }
      if (disposed) return;
      total = bundle.total || 0;
      const events = (bundle.entry || []).map((e) => e.resource).filter(Boolean);
      clear(table);
      if (!events.length) {
        status.textContent = t('log.empty');
        update();
        return;
      }
      status.textContent = t('log.range', { from: offset + 1, to: offset + events.length, total });
      const me = ctx.me || {};
      const rows = group(events).map(({ ev, types }) => {
        const c = codes(ev);
        const isMe = c.actor && (c.actor === me.subject || c.actor === me.username);
        const who = isMe ? t('log.you') : c.actor;
        // The PGO itself as the client (the app's own reads) is "this app", a provider by its name.
        const observer = ev.source && ev.source.observer && ev.source.observer.display;
        const via = !c.client ? '' : c.client === observer ? t('log.viaThisApp') : t('log.viaApp', { client: displayOf(c.client) || c.client });
        const outcome = ev.outcome === '0' ? 'ok' : ev.outcome === '4' ? 'failed' : 'error';
        const purpose = ((ev.purposeOfEvent || [])[0] || {}).text;
        const whyKey = purpose ? `log.why.${purpose}` : '';
        return h('tr', { dataset: { outcome } },
          h('td', {}, timeEl(ev.recorded)),
          h('td', {}, who, via ? h('span', { class: 'hint block' }, via) : null),
          h('td', {}, types.length > 1 ? t('log.act.searchMany', { what: types.join(', '), n: types.length }) : describe(ev, t, displayOf), whyKey && t(whyKey) !== whyKey ? h('span', { class: 'hint block' }, t(whyKey)) : null),
          h('td', {}, h('span', { class: `badge outcome-${outcome}` }, t(`log.outcome.${outcome}`)), outcome !== 'ok' && ev.outcomeDesc ? h('span', { class: 'hint block' }, ev.outcomeDesc) : null));
      });
      table.appendChild(h('table', { class: 'log' },
        h('caption', { class: 'visually-hidden' }, t('log.title')),
        h('thead', {}, h('tr', {}, ['when', 'who', 'what', 'outcome'].map((k) => h('th', { scope: 'col' }, t(`log.${k}`))))),
        h('tbody', {}, rows)));
      update();
    }

    (async () => {
      try {
        for (const c of (await api.get('/api/connections')).connections || []) if (c.display) displays.set(c.provider, c.display);
      } catch {
        /* names fall back to the MedMij names */
      }
      await load();
    })();
    return () => {
      disposed = true;
    };
  },
};
