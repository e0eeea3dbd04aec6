// #/providers: the account's connections (state, last collection, collect again, disconnect) and
// a typo-tolerant provider search whose data services connect through the DVA's own login and
// consent pages; the PGO sends the browser back to #/providers?connection=<id>&status=...
import { h, add, field, messageArea, setBusy, showError, pageHeading, clear, timeEl, errorText } from '../ui.js';

const SEARCH_DELAY_MS = 250;

export default {
  route: 'providers',
  nav: true,
  title: 'providers.title',
  render(root, ctx) {
    const { t, api } = ctx;
    const area = messageArea();
    const connList = h('div', { id: 'connections', 'aria-live': 'polite' });
    const search = field({ label: t('providers.search'), name: 'q', type: 'search', hint: t('providers.searchHint'), autocomplete: 'off', attrs: { spellcheck: 'false' } });
    const resultStatus = h('p', { class: 'result-count', role: 'status' });
    const results = h('ul', { class: 'cards', id: 'provider-results' });
    let connections = [];
    let timer = null;
    let seq = 0;
    let disposed = false;

    add(root,
      pageHeading(t('providers.title')),
      h('p', {}, t('providers.intro')),
      area.el,
      h('section', { 'aria-labelledby': 'conn-h' }, h('h2', { id: 'conn-h' }, t('providers.connections')), connList),
      h('section', { 'aria-labelledby': 'find-h' },
        h('h2', { id: 'find-h' }, t('providers.find')),
        h('form', { class: 'form', role: 'search', onsubmit: (e) => { e.preventDefault(); runSearch(); } }, search.el),
        resultStatus, results));

    search.input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(runSearch, SEARCH_DELAY_MS);
    });

    async function load() {
      try {
        const answer = await api.get('/api/connections');
        connections = answer.connections || [];
      } catch (err) {
        showError(err, null, area, 'providers');
      }
      if (disposed) return;
      await runSearch(); // also learns each service's kind (collect or share)
      if (disposed) return;
      showReturn();
      drawConnections();
    }

    // Back from the DVA: say how it went, then drop the query so a reload does not say it again.
    function showReturn() {
      const status = ctx.params.get('status');
      const id = ctx.params.get('connection');
      if (!status) return;
      const c = connections.find((x) => String(x.id) === id);
      const provider = c ? c.display || c.provider : t('providers.aProvider');
      const reason = ctx.params.get('reason');
      if (status === 'connected' && !reason) {
        const share = c && kindOf(c) === 'share';
        area.show(t(share ? 'providers.back.connectedShare' : 'providers.back.connected', { provider }), 'success');
      } else if (status === 'connected') {
        area.show(t('providers.back.collect_incomplete', { provider }), 'warning');
      } else {
        const key = `providers.reason.${reason}`;
        const why = reason && t(key) !== key ? t(key) : t('providers.reason.other', { reason: reason || '?' });
        area.show(t('providers.back.error', { provider, reason: why }), 'error');
      }
      history.replaceState(null, '', '#/providers');
    }

    function drawConnections() {
      clear(connList);
      if (!connections.length) {
        connList.appendChild(h('p', {}, t('providers.noConnections')));
        return;
      }
      connList.appendChild(h('ul', { class: 'cards' }, connections.map(connectionCard)));
    }

    function connectionCard(c) {
      const provider = c.display || c.provider;
      const service = c.service_name || String(c.service);
      const actions = h('div', { class: 'actions' });
      const card = h('li', { class: 'card connection', dataset: { connection: String(c.id), state: c.state } },
        h('h3', {}, provider),
        h('p', { class: 'service' }, service),
        h('dl', { class: 'facts' },
          h('dt', {}, t('providers.state')),
          h('dd', {}, h('span', { class: `badge state-${c.state}` }, t(`providers.state.${c.state}`))),
          c.created ? [h('dt', {}, t('providers.created')), h('dd', {}, timeEl(c.created, { dateOnly: true }))] : null,
          h('dt', {}, t('providers.lastCollected')),
          h('dd', { class: 'last-collected' }, c.last_collected ? timeEl(c.last_collected, { relative: true }) : t('providers.never')),
          c.last_result ? [h('dt', {}, t('providers.lastResult')), h('dd', { class: 'last-result' }, c.last_result)] : null),
        actions);
      if (c.state === 'connected') {
        const collect = h('button', { type: 'button', class: 'button', 'aria-label': t('providers.collectLabel', { provider, service }) }, t('providers.collect'));
        collect.addEventListener('click', () => onCollect(c, collect));
        // Share connections have nothing to collect.
        if (kindOf(c) !== 'share') actions.appendChild(collect);
      }
      if (c.state === 'connected' || c.state === 'pending') {
        const disconnect = h('button', { type: 'button', class: 'button secondary', 'aria-label': t('providers.disconnectLabel', { provider, service }) }, t('providers.disconnect'));
        disconnect.addEventListener('click', () => askDisconnect(c, card, actions));
        actions.appendChild(disconnect);
      }
      if (c.state === 'revoked' || c.state === 'pending') {
        const again = h('button', { type: 'button', class: 'button secondary' }, t('providers.reconnect'));
        again.addEventListener('click', () => onConnect(c.provider, c.service, again));
        actions.appendChild(again);
      }
      return card;
    }

    async function onCollect(c, button) {
      area.clear();
      setBusy(button, true, t('providers.collectBusy'));
      const provider = c.display || c.provider;
      try {
        const answer = await api.post(`/api/connections/${encodeURIComponent(c.id)}/collect`);
        const i = connections.findIndex((x) => x.id === c.id);
        if (i >= 0) connections[i] = { ...connections[i], ...answer };
        drawConnections();
        area.show(t(answer.complete === false ? 'providers.collectIncomplete' : 'providers.collected', { provider }), answer.complete === false ? 'warning' : 'success');
      } catch (err) {
        setBusy(button, false);
        showError(err, null, area, 'providers');
        if (err.error === 'revoked' || err.error === 'expired') refreshConnections();
      }
    }

    function askDisconnect(c, card, actions) {
      const provider = c.display || c.provider;
      const service = c.service_name || String(c.service);
      const yes = h('button', { type: 'button', class: 'button danger' }, t('providers.disconnectYes'));
      const no = h('button', { type: 'button', class: 'button secondary' }, t('providers.cancel'));
      const box = h('div', { class: 'confirm', role: 'group', 'aria-label': t('providers.disconnect') },
        h('p', {}, t('providers.disconnectConfirm', { provider, service })), h('div', { class: 'actions' }, yes, no));
      actions.hidden = true;
      card.appendChild(box);
      no.focus();
      no.addEventListener('click', () => {
        box.remove();
        actions.hidden = false;
        actions.querySelector('button')?.focus();
      });
      yes.addEventListener('click', async () => {
        setBusy(yes, true);
        no.disabled = true;
        try {
          const answer = await api.del(`/api/connections/${encodeURIComponent(c.id)}`);
          area.show(t(answer.revoked_at_provider === false ? 'providers.disconnectedLocal' : 'providers.disconnected', { provider }), 'success');
          await refreshConnections();
        } catch (err) {
          setBusy(yes, false);
          no.disabled = false;
          showError(err, null, area, 'providers');
        }
      });
    }

    async function refreshConnections() {
      try {
        connections = (await api.get('/api/connections')).connections || [];
      } catch (err) {
        showError(err, null, area, 'providers');
      }
      if (!disposed) {
        drawConnections();
        drawResults(lastProviders);
      }
    }

    let lastProviders = [];
    const kinds = new Map(); // '<provider>|<service>' -> 'collect' | 'share', from the search answers
    const kindOf = (c) => c.service_kind || kinds.get(`${c.provider}|${c.service}`);
    async function runSearch() {
      const q = search.input.value.trim();
      const mine = ++seq;
      resultStatus.textContent = t('providers.searching');
      try {
        const answer = await api.get('/api/providers', { q, limit: 20 });
        if (mine !== seq || disposed) return;
        lastProviders = answer.providers || [];
        results.dataset.query = q; // which query the list answers (tests wait for it)
        for (const p of lastProviders) for (const sv of p.services || []) kinds.set(`${p.name}|${sv.id}`, sv.kind);
        drawResults(lastProviders);
        const n = lastProviders.length;
        resultStatus.textContent = n === 0 ? t('providers.noResults', { q }) : n === 1 ? t('providers.result1') : t('providers.results', { n });
      } catch (err) {
        if (mine !== seq || disposed) return;
        resultStatus.textContent = errorText(err, 'providers');
      }
    }

    function drawResults(list) {
      clear(results);
      for (const p of list) {
        const provider = p.display || p.name;
        results.appendChild(h('li', { class: 'card provider', dataset: { provider: p.name } },
          h('h3', {}, provider, p.match === 'fuzzy' ? h('span', { class: 'hint' }, ` (${t('providers.didYouMean')})`) : null),
          p.display ? h('p', { class: 'hint' }, p.name) : null,
          h('h4', {}, t('providers.services')),
          h('ul', { class: 'services' }, (p.services || []).map((s) => serviceItem(p, s)))));
      }
    }

    function serviceItem(p, s) {
      const provider = p.display || p.name;
      const existing = connections.find((c) => c.provider === p.name && String(c.service) === String(s.id) && c.state === 'connected');
      const button = h('button', { type: 'button', class: 'button', 'aria-label': t('providers.connectLabel', { provider, service: s.name }) }, t('providers.connect'));
      button.addEventListener('click', () => onConnect(p.name, s.id, button));
      return h('li', { class: 'service-row', dataset: { service: String(s.id) } },
        h('span', {}, s.name, ' ', h('span', { class: 'hint' }, `(${t(`providers.kind.${s.kind}`)})`)),
        existing ? h('span', { class: 'badge state-connected' }, t('providers.alreadyConnected')) : button);
    }

    async function onConnect(provider, service, button) {
      area.clear();
      setBusy(button, true, t('providers.connectBusy'));
      try {
        const answer = await api.post('/api/connections', { provider, service });
        // The DVA's own login and consent pages; it sends the browser back to the PGO.
        window.location.assign(answer.authorize_url);
      } catch (err) {
        setBusy(button, false);
        showError(err, null, area, 'providers');
      }
    }

    load();
    return () => {
      disposed = true;
      clearTimeout(timer);
    };
  },
};
