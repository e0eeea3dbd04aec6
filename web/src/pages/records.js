// #/records: the account's resources (GET /api/records per type), grouped as the BgZ sections,
// each item with a human title, its date and the provider it came from (`sources`); a search box
// and filters by section and by source; #/records?type=<T>&id=<id> shows one item.
import { h, add, field, messageArea, pageHeading, clear, formatDate, showError } from '../ui.js';
import { conceptText, dateOf, titleOf, statusOf, valueText, observationCategories, searchText, normalise, humanName, quantityText, refText } from '../fhir.js';

// Sections in BgZ order: which types, and for Observations which categories.
const SECTIONS = [
  { id: 'personal', types: ['Patient'] },
  { id: 'payers', types: ['Coverage'] },
  { id: 'directives', types: ['Consent'] },
  { id: 'contacts', types: ['RelatedPerson', 'CareTeam'] },
  { id: 'functional', types: ['Observation'], obs: 'other' },
  { id: 'problems', types: ['Condition'] },
  { id: 'alerts', types: ['Flag'] },
  { id: 'allergies', types: ['AllergyIntolerance'] },
  { id: 'medication', types: ['MedicationStatement', 'MedicationRequest', 'MedicationDispense', 'MedicationAdministration'] },
  { id: 'devices', types: ['DeviceUseStatement'] },
  { id: 'vaccinations', types: ['Immunization'] },
  { id: 'vitals', types: ['Observation'], obs: 'vital-signs' },
  { id: 'results', types: ['Observation', 'DiagnosticReport'], obs: 'laboratory' },
  { id: 'procedures', types: ['Procedure'] },
  { id: 'encounters', types: ['Encounter'] },
  { id: 'plans', types: ['Goal', 'CarePlan'] },
  { id: 'documents', types: ['DocumentReference'] },
];
// Resources other items point at (a medication's product, a device, a payer), fetched to name them.
const SUPPORT = ['Medication', 'Device', 'Organization', 'Practitioner', 'PractitionerRole'];
const COUNT = 500;
const PARALLEL = 4;
const VITAL_CODES = new Set(['85354-9', '29463-7', '8302-2', '8867-4', '59408-5', '2708-6', '8310-5', '9279-1', '39156-5', '15074-8', '2339-0', '8480-6', '8462-4']);

function sectionOf(r) {
  if (r.resourceType === 'Observation') {
    const cats = observationCategories(r);
    if (cats.includes('laboratory')) return 'results';
    if (cats.includes('vital-signs')) return 'vitals';
    const loinc = ((r.code && r.code.coding) || []).some((c) => VITAL_CODES.has(c.code));
    return loinc ? 'vitals' : 'functional';
  }
  const s = SECTIONS.find((x) => x.types.includes(r.resourceType));
  return s ? s.id : null;
}

const allTypes = [...new Set(SECTIONS.flatMap((s) => s.types))];

// The list's filters survive a visit to an item's detail page (not a reload: nothing is stored).
const remembered = { q: '', section: '', source: '' };

async function inBatches(items, n, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

export default {
  route: 'records',
  nav: true,
  title: 'records.title',
  render(root, ctx) {
    const type = ctx.params.get('type');
    const id = ctx.params.get('id');
    if (type && id) return renderDetail(root, ctx, type, id);
    return renderList(root, ctx);
  },
};

/** Who a resource came from: the provider behind meta.source, or the patient. */
function sourceOf(r, sources, t) {
  const src = r.meta && r.meta.source;
  if (!src) return { key: 'self', label: t('records.self') };
  const hit = sources[src] || Object.entries(sources).find(([endpoint]) => src.startsWith(endpoint))?.[1];
  if (hit) return { key: hit.provider, label: hit.display || hit.provider };
  return { key: src, label: t('records.unknownSource') };
}

function renderList(root, ctx) {
  const { t, api } = ctx;
  const area = messageArea();
  const status = h('p', { role: 'status', class: 'result-count' }, t('records.loading'));
  const list = h('div', { id: 'record-sections' });
  const search = field({ label: t('records.search'), name: 'q', type: 'search', value: remembered.q, autocomplete: 'off' });
  const sectionSel = field({ label: t('records.section'), name: 'section', type: 'select', value: remembered.section,
    options: [{ value: '', label: t('records.all') }, ...SECTIONS.map((s) => ({ value: s.id, label: t(`records.section.${s.id}`) }))] });
  const sourceSel = field({ label: t('records.source'), name: 'source', type: 'select', options: [{ value: '', label: t('records.allSources') }] });
  const filters = h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() }, search.el, sectionSel.el, sourceSel.el);
  add(root, pageHeading(t('records.title')), h('p', {}, t('records.intro')), area.el, filters, status, list);

  let items = [];
  let disposed = false;

  async function load() {
    const sources = {};
    const byRef = new Map();
    const answers = await inBatches([...allTypes, ...SUPPORT], PARALLEL, async (type) => {
      try {
        const a = await api.get('/api/records', { type, count: COUNT });
        Object.assign(sources, a.sources || {});
        return { type, ...a };
      } catch (err) {
        if (err.status === 401) throw err;
        return { type, error: err, resources: [] };
      }
    });
    if (disposed) return;
    const failed = answers.filter((a) => a.error);
    if (failed.length) showError(failed[0].error, null, area, 'records');
    for (const a of answers) for (const r of a.resources || []) byRef.set(`${r.resourceType}/${r.id}`, r);
    const truncated = answers.filter((a) => a.more && allTypes.includes(a.type));
    items = [];
    for (const a of answers) {
      if (!allTypes.includes(a.type)) continue;
      for (const r of a.resources || []) {
        const section = sectionOf(r);
        if (!section) continue;
        // The account's own Patient is the record's root (linked to each provider's copy) and names nobody.
        if (r.resourceType === 'Patient' && !(r.meta && r.meta.source)) continue;
        const source = sourceOf(r, sources, t);
        const title = titleOf(r, byRef) || t('records.unnamed');
        items.push({ r, section, source, title, date: dateOf(r), text: `${searchText(r, byRef)} ${normalise(source.label)}` });
      }
    }
    items.sort((a, b) => String(b.date || '').localeCompare(String(a.date || '')));
    const seen = new Map();
    for (const it of items) seen.set(it.source.key, it.source.label);
    for (const [key, label] of seen) sourceSel.input.appendChild(h('option', { value: key, selected: key === remembered.source }, label));
    if (truncated.length) {
      area.show(truncated.map((a) => t('records.more', { type: a.type, total: a.total })).join(' '), 'info');
    }
    draw();
  }

  function draw() {
    remembered.q = search.input.value;
    remembered.section = sectionSel.input.value;
    remembered.source = sourceSel.input.value;
    clear(list);
    if (!items.length) {
      status.textContent = '';
      add(list, h('p', {}, t('records.none')), h('p', {}, h('a', { href: '#/providers', class: 'button' }, t('records.connect'))));
      return;
    }
    const words = normalise(remembered.q).split(/\s+/).filter(Boolean);
    const shown = items.filter((it) => (!remembered.section || it.section === remembered.section) &&
      (!remembered.source || it.source.key === remembered.source) &&
      words.every((w) => it.text.includes(w)));
    status.textContent = t('records.count', { shown: shown.length, total: items.length });
    if (!shown.length) {
      list.appendChild(h('p', {}, t('records.noMatch')));
      return;
    }
    for (const s of SECTIONS) {
      const mine = shown.filter((it) => it.section === s.id);
      if (!mine.length) continue;
      const hid = `sec-${s.id}`;
      list.appendChild(h('section', { class: 'record-section', 'aria-labelledby': hid, dataset: { section: s.id } },
        h('h2', { id: hid }, t(`records.section.${s.id}`), ' ', h('span', { class: 'count' }, `(${mine.length})`)),
        h('ul', { class: 'records' }, mine.map(itemRow))));
    }
  }

  function itemRow(it) {
    const st = statusOf(it.r);
    return h('li', { class: 'record', dataset: { type: it.r.resourceType, id: it.r.id } },
      h('a', { href: `#/records?type=${encodeURIComponent(it.r.resourceType)}&id=${encodeURIComponent(it.r.id)}`, class: 'record-title' }, it.title),
      h('div', { class: 'record-meta' },
        h('span', { class: 'record-date' }, it.date ? h('time', { datetime: it.date }, formatDate(it.date)) : t('records.noDate')),
        st ? h('span', { class: 'record-status' }, st) : null,
        h('span', { class: 'record-source' }, `${t('records.from')}: ${it.source.label}`)));
  }

  let timer = null;
  search.input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(draw, 150);
  });
  sectionSel.input.addEventListener('change', draw);
  sourceSel.input.addEventListener('change', draw);

  load().catch((err) => {
    if (!disposed) showError(err, null, area, 'records');
  });
  return () => {
    disposed = true;
    clearTimeout(timer);
  };
}

function renderDetail(root, ctx, type, id) {
  const { t, api } = ctx;
  const area = messageArea();
  const body = h('div', {}, h('p', { role: 'status' }, t('records.loading')));
  const heading = pageHeading(t('records.title'));
  add(root, h('p', {}, h('a', { href: '#/records' }, `← ${t('records.back')}`)), heading, area.el, body);

  (async () => {
    let r;
    let sources = {};
    try {
      r = await api.get(`/api/records/${encodeURIComponent(type)}/${encodeURIComponent(id)}`);
    } catch (err) {
      clear(body);
      if (err.status === 404) area.show(t('records.notFound'), 'error');
      else showError(err, null, area, 'records');
      return;
    }
    try {
      // One small list read names the source (the map comes with every list answer).
      sources = (await api.get('/api/records', { type, count: 1 })).sources || {};
    } catch {
      sources = {};
    }
    const byRef = new Map();
    const ref = r.medicationReference || r.device;
    if (ref && ref.reference && /^[A-Za-z]+\/[^/]+$/.test(ref.reference)) {
      const [rt, rid] = ref.reference.split('/');
      try {
        byRef.set(ref.reference, await api.get(`/api/records/${encodeURIComponent(rt)}/${encodeURIComponent(rid)}`));
      } catch {
        /* the item still shows without its product's name */
      }
    }
    const title = titleOf(r, byRef) || t('records.unnamed');
    heading.textContent = title;
    document.title = `${title} · regie`;
    const section = sectionOf(r);
    const source = sourceOf(r, sources, t);
    const date = dateOf(r);
    const rows = [];
    const addRow = (key, value) => {
      if (value !== undefined && value !== null && value !== '') rows.push(h('dt', {}, t(`records.field.${key}`)), h('dd', {}, value));
    };
    if (section) rows.push(h('dt', {}, t('records.section')), h('dd', {}, t(`records.section.${section}`)));
    rows.push(h('dt', {}, t('records.date')), h('dd', {}, date ? h('time', { datetime: date }, formatDate(date)) : t('records.noDate')));
    rows.push(h('dt', {}, t('records.source')), h('dd', { class: 'record-source' }, source.label));
    addRow('code', conceptText(r.code) || conceptText(r.vaccineCode) || conceptText(r.medicationCodeableConcept) || refText(r.medicationReference, byRef));
    if (r.resourceType === 'Observation') addRow('value', valueText(r));
    addRow('clinicalStatus', conceptText(r.clinicalStatus));
    addRow('verificationStatus', conceptText(r.verificationStatus));
    addRow('status', r.status);
    addRow('category', Array.isArray(r.category) ? conceptText(r.category) : r.category);
    addRow('severity', conceptText(r.severity));
    addRow('criticality', r.criticality);
    addRow('reaction', (r.reaction || []).map((x) => conceptText(x.manifestation)).filter(Boolean).join('; '));
    addRow('dosage', (r.dosage || r.dosageInstruction || []).map((d) => d.text).filter(Boolean).join('; '));
    addRow('bodySite', conceptText(r.bodySite));
    addRow('interpretation', conceptText(r.interpretation));
    addRow('referenceRange', (r.referenceRange || []).map((x) => x.text || [quantityText(x.low), quantityText(x.high)].filter(Boolean).join(' – ')).join('; '));
    addRow('reason', conceptText(r.reasonCode));
    addRow('performer', (r.performer || []).map((p) => refText(p.actor || p, byRef)).filter(Boolean).join(', '));
    addRow('location', r.location && !Array.isArray(r.location) ? refText(r.location, byRef) : (r.location || []).map((l) => refText(l.location, byRef)).filter(Boolean).join(', '));
    addRow('relationship', conceptText(r.relationship));
    addRow('telecom', (r.telecom || []).map((x) => x.value).filter(Boolean).join(', '));
    if (r.resourceType === 'Patient') {
      addRow('birthDate', r.birthDate ? formatDate(r.birthDate) : '');
      addRow('gender', r.gender);
      addRow('address', (r.address || []).map((a) => a.text || [...(a.line || []), a.postalCode, a.city].filter(Boolean).join(', ')).join('; '));
      if (!title) heading.textContent = humanName(r.name);
    }
    addRow('note', (r.note || []).map((n) => n.text).filter(Boolean).join('\n'));
    clear(body);
    add(body,
      h('dl', { class: 'facts detail' }, rows),
      h('details', { class: 'technical' }, h('summary', {}, t('records.technical')), h('pre', {}, JSON.stringify(r, null, 2))));
  })();
  return undefined;
}
