#!/usr/bin/env node
// Test data for bench/run, generated instead of read so the benchmarks run without the shared data.
//   gen.mjs patients N            -> stdout: a transaction Bundle that creates N small Patients
//   gen.mjs synthetic DIR [N]     -> DIR/0-organizations.json (batch, conditional creates) and
//                                    DIR/p-NNN.json (N transaction Bundles shaped like Synthea's:
//                                    a Patient with Encounters and Observations that refer to it by
//                                    urn:uuid and to an Organization by conditional reference)
// Deterministic (seeded) so two runs load the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let seed = 42;
function rnd() {
  // xorshift32: reproducible, no dependency
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 4294967296;
}
function uuid() {
  const h = [];
  for (let i = 0; i < 16; i++) h.push(Math.floor(rnd() * 256));
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const s = h.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
const FAMILIES = ['Jansen', 'de Vries', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'Bos'];
const GIVEN = ['Anna', 'Daan', 'Emma', 'Sem', 'Julia', 'Lucas', 'Mila', 'Finn'];
function patient(i) {
  const y = 1940 + Math.floor(rnd() * 80);
  const m = String(1 + Math.floor(rnd() * 12)).padStart(2, '0');
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: String(900000000 + i) }],
    active: true,
    name: [{ family: FAMILIES[i % FAMILIES.length], given: [GIVEN[(i * 7) % GIVEN.length]] }],
    gender: i % 2 ? 'female' : 'male',
    birthDate: `${y}-${m}-15`,
  };
}

function patientsBundle(n) {
  const entry = [];
  for (let i = 0; i < n; i++)
    entry.push({
      fullUrl: `urn:uuid:${uuid()}`,
      resource: patient(i),
      request: { method: 'POST', url: 'Patient' },
    });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

const ORGS = 20;
function orgIdent(k) {
  return { system: 'urn:regie:bench:org', value: `org-${k}` };
}
function synthetic(dir, n) {
  mkdirSync(dir, { recursive: true });
  const orgs = [];
  for (let k = 0; k < ORGS; k++)
    orgs.push({
      fullUrl: `urn:uuid:${uuid()}`,
      resource: { resourceType: 'Organization', identifier: [orgIdent(k)], name: `Kliniek ${k}` },
      request: { method: 'POST', url: 'Organization', ifNoneExist: `identifier=urn:regie:bench:org|org-${k}` },
    });
  writeFileSync(join(dir, '0-organizations.json'), JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: orgs }));
  for (let p = 0; p < n; p++) {
    const pu = `urn:uuid:${uuid()}`;
    const org = `Organization?identifier=urn:regie:bench:org|org-${p % ORGS}`;
    const entry = [{ fullUrl: pu, resource: patient(p), request: { method: 'POST', url: 'Patient' } }];
    for (let e = 0; e < 9; e++) {
      const eu = `urn:uuid:${uuid()}`;
      const day = `2020-0${1 + (e % 9)}-1${e % 10}`;
      entry.push({
        fullUrl: eu,
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          subject: { reference: pu },
          serviceProvider: { reference: org },
          period: { start: `${day}T09:00:00+01:00`, end: `${day}T09:30:00+01:00` },
        },
        request: { method: 'POST', url: 'Encounter' },
      });
      for (let o = 0; o < 10; o++)
        entry.push({
          fullUrl: `urn:uuid:${uuid()}`,
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
            subject: { reference: pu },
            encounter: { reference: eu },
            effectiveDateTime: `${day}T09:${String(o).padStart(2, '0')}:00+01:00`,
            valueQuantity: { value: 60 + Math.floor(rnd() * 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          },
          request: { method: 'POST', url: 'Observation' },
        });
    }
    const name = `p-${String(p).padStart(3, '0')}.json`;
    writeFileSync(join(dir, name), JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
  }
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'patients') {
  process.stdout.write(JSON.stringify(patientsBundle(Number(a) || 1000)));
} else if (mode === 'synthetic' && a) {
  synthetic(a, Number(b) || 100);
} else {
  process.stderr.write('usage: gen.mjs patients N | gen.mjs synthetic DIR [N]\n');
  process.exit(2);
}
