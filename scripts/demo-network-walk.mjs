#!/usr/bin/env node
// Walks the collect flow on the running demo network as the PGO's web app and the patient's
// browser would (the web app itself is still to come): PGO login with TOTP, connect a provider's
// data service, the DVA's login page (the stand-in for DigiD) and consent, the callback, and what
// the PGO collected.
//   node scripts/demo-network-walk.mjs [PERSON [PROVIDER [SERVICE]]] [--dir build/demo]
// PERSON: jan, fatima or sanne (default jan); PROVIDER: gp or hospital (default gp); SERVICE:
// default 48 (BgZ). Reads DIR/network.json, written by `make demo`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Network, lastStep } from '../tests/medmij/lib.mjs';
import { connect, pgoLogin, records } from '../tests/medmij/collect.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let dir = path.join(ROOT, 'build/demo');
const at = args.indexOf('--dir');
if (at >= 0) dir = args.splice(at, 2)[1];
const [person = 'jan', provider = 'gp', service = '48'] = args;
const file = path.join(dir, 'network.json');
if (!fs.existsSync(file)) {
  console.error(`demo-network-walk: ${file} is missing; start the network with 'make demo' first`);
  process.exit(1);
}
const net = new Network(JSON.parse(fs.readFileSync(file, 'utf8')));
if (!net.account('pgo', person) || !net.node(provider)) {
  console.error('demo-network-walk: PERSON is jan, fatima or sanne; PROVIDER gp or hospital');
  process.exit(2);
}
// The TOTP steps used by earlier walks: a code works once, so a walk run again within 30 s takes
// the next step's code (or waits for it).
const stepsFile = path.join(dir, 'walk-totp-steps.json');
try {
  for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(stepsFile, 'utf8')))) lastStep.set(k, v);
} catch {
  // first walk
}
const browser = net.browser();
console.log(`PGO login as ${net.account('pgo', person).username} (password and TOTP code)`);
const csrf = await pgoLogin(net, browser, person);
console.log(`connect ${net.node(provider).name}, data service ${service}: the DVA's login and consent as ${net.account(provider, person).username}`);
const t0 = Date.now();
const c = await connect(net, browser, csrf, provider, service, person);
console.log(`back at the PGO after ${Date.now() - t0} ms: ${c.app}`);
const fhir = net.node(provider).fhir;
for (const type of ['Patient', 'Condition', 'Observation', 'MedicationStatement', 'AllergyIntolerance', 'Immunization', 'Encounter', 'Procedure', 'Provenance']) {
  const n = (await records(net, browser, type)).filter((r) => r.meta?.source === fhir).length;
  if (n) console.log(`  ${type}: ${n} from ${fhir}`);
}
fs.writeFileSync(stepsFile, JSON.stringify(Object.fromEntries(lastStep)) + '\n', { mode: 0o600 });
