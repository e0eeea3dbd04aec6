// (b) The collect flow without a browser: this script is the patient's browser. PGO login ->
// provider search -> connect (BgZ) -> the DVA's authorize page -> login at the stand-in for DigiD
// with TOTP -> consent (allow) -> back to the PGO's callback -> the PGO has redeemed the code over
// mutual TLS and collected the BgZ into the vault, with its source and a Provenance; collecting
// again changes no count; a second provider (the hospital) adds its own part.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { check, eq, step, withNetwork, dvaLoginAndConsent, freshTotp, location } from './lib.mjs';

export async function pgoLogin(net, browser, person) {
  const pgo = net.node('pgo');
  const acct = net.account('pgo', person);
  const r = await browser.json(`${pgo.url}/api/login`, 'POST', { username: acct.username, password: acct.password, totp: await freshTotp(acct.totp_secret) });
  eq(r.status, 200, `pgo login as ${acct.username}`);
  const me = r.json() || {};
  check(typeof me.csrf === 'string' && me.csrf.length > 10, 'the login answers a CSRF token', me);
  return me.csrf;
}

// Connect one provider's data service; returns the connection id and the final app URL.
export async function connect(net, browser, csrf, dvaKey, service, person, { decision = 'allow' } = {}) {
  const pgo = net.node('pgo');
  const dva = net.node(dvaKey);
  let r = await browser.json(`${pgo.url}/api/connections`, 'POST', { provider: dva.name, service }, { 'X-CSRF-Token': csrf });
  eq(r.status, 201, `connect ${dva.name} service ${service}`);
  const c = r.json() || {};
  check(typeof c.authorize_url === 'string' && c.authorize_url.startsWith(dva.authorize + '?'), 'the authorize URL is the ZAL\'s endpoint', c);
  if (!c.authorize_url) return {};
  const au = new URL(c.authorize_url);
  eq(au.searchParams.get('client_id'), pgo.name, 'client_id is the PGO host');
  eq(au.searchParams.get('code_challenge_method'), 'S256', 'PKCE S256');
  check(au.searchParams.get('state') && au.searchParams.get('MedMij-Request-ID') && au.searchParams.get('X-Correlation-ID'), 'state and the MedMij ids are sent');

  const walk = await dvaLoginAndConsent(browser, c.authorize_url, net.account(dvaKey, person), { decision });
  eq(walk.login.status, 200, `${dvaKey}: the login page`);
  check(/DigiD/.test(walk.login.text), `${dvaKey}: the login page names the stand-in for DigiD`);
  eq(walk.consent?.status, 200, `${dvaKey}: the consent page after login`);
  if (walk.consent?.status === 200) {
    check(walk.consent.text.includes('regie PGO'), `${dvaKey}: consent names the PGO organisation from the OCL`, walk.consent.text.slice(0, 300));
  }
  eq(walk.final.status, 302, `${dvaKey}: consent answers a redirect`);
  let next = location(walk.final);
  check(next && next.startsWith(pgo.redirect_uri + '?'), `${dvaKey}: back to the PGO's redirect_uri`, next);
  if (!next) return { id: c.id };
  // The callback: a bounce page (the SameSite=Strict cookie is not sent cross-site) reloads the
  // same URL with bounce=1; then 303 to the app.
  for (let hops = 0; hops < 4 && next && next.startsWith(pgo.url); hops++) {
    r = await browser.get(next);
    if (r.status === 200 && /bounce/.test(r.text) && !next.includes('bounce=1')) {
      next = next + '&bounce=1';
      continue;
    }
    if (r.status >= 300 && r.status < 400) {
      next = location(r);
      break;
    }
    check(false, `${dvaKey}: the callback answered ${r.status}`, r.text.slice(0, 300));
    break;
  }
  return { id: c.id, app: next };
}

export async function records(net, browser, type, count = 500) {
  const r = await browser.json(`${net.node('pgo').url}/api/records?type=${type}&count=${count}`, 'GET');
  eq(r.status, 200, `records of type ${type}`);
  return (r.json() || {}).resources || [];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await withNetwork('collect', {}, async (net) => {
    const browser = net.browser();
    const gp = net.node('gp');
    step('login at the PGO');
    const csrf = await pgoLogin(net, browser, 'jan');

    step('provider search finds the GP with a typo');
    let r = await browser.json(`${net.node('pgo').url}/api/providers?q=${encodeURIComponent('huisarts de lidne')}`, 'GET');
    eq(r.status, 200, 'provider search');
    check((r.json()?.providers || []).some((p) => p.name === gp.name), 'huisartsdelinde@medmij is found', r.json());

    step('connect the GP (BgZ): authorize, login with TOTP, consent, callback, collect');
    const t0 = Date.now();
    const c = await connect(net, browser, csrf, 'gp', '48', 'jan');
    console.log(`   connect + first BgZ collection: ${Date.now() - t0} ms`);
    check(c.app && /status=connected/.test(c.app), 'the app is told the connection is made', c.app);
    check(c.app && !/reason=collect_incomplete/.test(c.app), 'every BgZ search succeeded', c.app);

    r = await browser.json(`${net.node('pgo').url}/api/connections`, 'GET');
    const conn = (r.json()?.connections || []).find((x) => x.id === c.id);
    eq(conn?.state, 'connected', 'the connection is connected');
    check(conn?.last_collected, 'the connection records its collection', conn);

    step('the vault holds the GP\'s BgZ, marked with its source');
    const fhirBase = gp.fhir;
    const counts = {};
    for (const type of ['Patient', 'Condition', 'Observation', 'MedicationStatement', 'Medication', 'AllergyIntolerance', 'Immunization', 'Provenance']) {
      const list = await records(net, browser, type);
      const fromGp = list.filter((x) => x.meta?.source === fhirBase);
      counts[type] = fromGp.length;
      if (type !== 'Provenance') check(fromGp.length > 0, `collected ${type} from the GP`, list.map((x) => x.meta?.source));
    }
    console.log(`   counts: ${JSON.stringify(counts)}`);
    const patients = (await records(net, browser, 'Patient')).filter((x) => x.meta?.source === fhirBase);
    eq(patients.length, 1, 'exactly one Patient from the GP (the token\'s)');
    check(patients.every((p) => JSON.stringify(p.identifier || []).includes('999990019')), 'it is Jan (his BSN)', patients.map((p) => p.name));
    const obs = await records(net, browser, 'Observation');
    check(obs.some((o) => o.code?.coding?.some((x) => x.code === '85354-9')), 'a blood pressure was collected');
    check(!JSON.stringify(obs).includes('gp-fatima'), 'nothing of another patient was collected');
    const prov = await records(net, browser, 'Provenance');
    check(prov.length >= 1 && prov.some((p) => (p.target || []).length > 5), 'a Provenance names what was collected', prov.length);

    step('collect again: idempotent');
    r = await browser.json(`${net.node('pgo').url}/api/connections/${c.id}/collect`, 'POST', undefined, { 'X-CSRF-Token': csrf });
    eq(r.status, 200, 'collect again');
    for (const type of ['Condition', 'Observation', 'MedicationStatement']) {
      const n = (await records(net, browser, type)).filter((x) => x.meta?.source === fhirBase).length;
      eq(n, counts[type], `${type}: the same count after collecting again`);
    }
    eq((await records(net, browser, 'Provenance')).length, counts.Provenance + 1, 'one more Provenance');

    step('connect the hospital too: its own part of the record');
    const c2 = await connect(net, browser, csrf, 'hospital', '48', 'jan');
    check(c2.app && /status=connected/.test(c2.app), 'the hospital connection is made', c2.app);
    const hosp = net.node('hospital').fhir;
    const enc = (await records(net, browser, 'Encounter')).filter((x) => x.meta?.source === hosp);
    check(enc.length >= 1, 'an admission (Encounter) from the hospital');
    const proc = (await records(net, browser, 'Procedure')).filter((x) => x.meta?.source === hosp);
    check(proc.length >= 1, 'a procedure from the hospital');
  }, (net) => {
    // Every access on record, on both sides: the hash chains verify, and the GP's log holds Jan's
    // accesses without his BSN.
    step('the audit logs (after the nodes stopped)');
    for (const key of ['gp', 'hospital', 'pgo']) {
      const data = path.join(path.dirname(net.node(key).config), 'data');
      const r = spawnSync(process.argv[2], ['audit', 'verify', '--log', path.join(data, 'audit.log'), '--key', path.join(data, 'audit.key')], { encoding: 'utf8' });
      check(r.status === 0, `${key}: regie audit verify`, r.stdout + r.stderr);
    }
    const data = path.join(path.dirname(net.node('gp').config), 'data');
    const shown = spawnSync(process.argv[2], ['audit', 'show', '--log', path.join(data, 'audit.log'), '--key', path.join(data, 'audit.key'), '--patient', 'gp-jan'], { encoding: 'utf8' });
    const lines = shown.stdout.split('\n').filter(Boolean);
    check(shown.status === 0 && lines.length >= 3, `the GP's log holds Jan's accesses (${lines.length} entries)`, shown.stderr);
    check(!/999990019/.test(fs.readFileSync(path.join(data, 'audit.log'), 'utf8')), 'no BSN in the GP\'s audit log');
  });
}
