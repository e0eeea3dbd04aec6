// (c) The share flow without a browser: the patient enters two measurements in the PGO, connects
// the GP's share service (53: consent "aanleveren"), shares them (a MedMij batch Bundle over mutual
// TLS, answered with a batch-response); the GP then holds them for this patient, which a
// collection of the vital signs (49) brings back; the share is on record at the PGO.
import { check, eq, step, withNetwork } from './lib.mjs';
import { connect, pgoLogin, records } from './collect.mjs';

const UCUM = 'http://unitsofmeasure.org';
const vital = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] };

await withNetwork('share', {}, async (net) => {
  const browser = net.browser();
  const pgo = net.node('pgo');
  const gp = net.node('gp');
  step('login at the PGO and enter two measurements');
  const csrf = await pgoLogin(net, browser, 'fatima');
  const when = new Date(Date.now() - 3600000).toISOString().replace(/\.\d+Z$/, '+00:00');
  const bp = {
    resourceType: 'Observation', status: 'final', category: [vital],
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/nl-core-BloodPressure'] },
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
    effectiveDateTime: when,
    component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 131, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 87, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } },
    ],
  };
  const weight = {
    resourceType: 'Observation', status: 'final', category: [vital],
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/nl-core-BodyWeight'] },
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
    effectiveDateTime: when,
    valueQuantity: { value: 66.6, unit: 'kg', system: UCUM, code: 'kg' },
  };
  const ids = [];
  for (const o of [bp, weight]) {
    const r = await browser.json(`${pgo.url}/api/measurements`, 'POST', o, { 'X-CSRF-Token': csrf });
    eq(r.status, 201, `measurement ${o.code.coding[0].code} stored in the PGO`);
    if (r.json()?.id) ids.push(r.json().id);
  }

  step('connect the GP\'s share service (53)');
  const c = await connect(net, browser, csrf, 'gp', '53', 'fatima');
  check(c.app && /status=connected/.test(c.app), 'the share connection is made', c.app);

  step('share the two measurements');
  let r = await browser.json(`${pgo.url}/api/share`, 'POST', { connection: c.id, observations: ids }, { 'X-CSRF-Token': csrf });
  eq(r.status, 200, 'share');
  const res = r.json() || {};
  eq(res.stored, 2, 'the GP stored both');
  check((res.entries || []).every((e) => e.status === 201 && /Observation\//.test(e.location || '')), 'each entry 201 with a location at the GP', res.entries);
  r = await browser.json(`${pgo.url}/api/shares`, 'GET');
  const shares = r.json()?.shares || [];
  check(shares.length === 1 && shares[0].count === 2, 'the share is on record at the PGO', shares);

  step('the GP holds them for this patient: collect the vital signs (49) back');
  const back = await connect(net, browser, csrf, 'gp', '49', 'fatima');
  check(back.app && /status=connected/.test(back.app), 'the vital signs connection is made', back.app);
  const obs = (await records(net, browser, 'Observation')).filter((o) => o.meta?.source === gp.fhir);
  const sys = (o) => o.component?.find((x) => x.code?.coding?.[0]?.code === '8480-6')?.valueQuantity?.value;
  check(obs.some((o) => sys(o) === 131 && o.effectiveDateTime === when), 'the shared blood pressure came back from the GP', obs.map((o) => [o.effectiveDateTime, sys(o)]));
  check(obs.some((o) => o.valueQuantity?.value === 66.6 && o.effectiveDateTime === when), 'the shared weight came back from the GP');
  const mine = obs.filter((o) => o.effectiveDateTime === when);
  const theirs = obs.filter((o) => !mine.includes(o));
  const subjects = new Set(obs.map((o) => o.subject?.reference));
  check(mine.length === 2 && theirs.length > 0 && subjects.size === 1, 'the shared values joined Fatima\'s record at the GP (one subject for hers and the GP\'s own)', {mine: mine.length, theirs: theirs.length, subjects: [...subjects]});

  step('a share needs the share connection');
  r = await browser.json(`${pgo.url}/api/share`, 'POST', { connection: back.id, observations: ids }, { 'X-CSRF-Token': csrf });
  // The PGO knows the connection's service collects: it refuses before asking the DVA.
  check(r.status === 409 && r.json()?.error === 'not_a_share_service', `sharing over a collect connection is refused (${r.status})`, r.text);
  r = await browser.json(`${pgo.url}/api/share`, 'POST', { connection: c.id, observations: ids });
  eq(r.status, 403, 'a share without the CSRF token');
});
