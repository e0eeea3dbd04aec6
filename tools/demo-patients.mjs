#!/usr/bin/env node
// The demo network's patient records: per DVA (the GP practice and the hospital) one NDJSON file
// of FHIR R4 resources for `regie import`, built for the people in tests/fixtures/demo/persons.json.
//
// Two sources, merged:
//  - our own small generator (always): the Patient (BSN, name, address), the practice or hospital
//    Organization, and a few years of the record's core (blood pressure and weight series at the
//    GP, a problem, medication use, an allergy, a vaccination; an admission, a procedure and lab
//    results at the hospital);
//  - the Dutch zib2020 nl-core examples (../shared/data/zib2020/examples), when present: every
//    example refers to its own example Patient, so each patient-bound example is cloned per person
//    (new id, every reference to an example Patient or to another cloned example rewritten) and
//    the narrative dropped (it names the example patient). Resources no patient is bound to
//    (practitioners, organisations, locations, products) are kept once per DVA as they are.
// The GP holds the primary-care part (problems, allergies, medication, vaccinations, vital signs,
// lifestyle), the hospital the rest (admissions, procedures, laboratory, devices, scores).
//
//   node tools/demo-patients.mjs --out DIR [--persons FILE] [--zib DIR|--no-zib]
// writes DIR/gp.ndjson, DIR/hospital.ndjson and DIR/patients.json (per person the Patient id at
// each DVA). Deterministic: the same input gives the same files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_PERSONS = path.join(ROOT, 'tests/fixtures/demo/persons.json');

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const NL = 'http://nictiz.nl/fhir/StructureDefinition/';

// The 11-proef every BSN passes (weights 9..2 and -1).
export function bsnValid(bsn) {
  if (!/^\d{9}$/.test(bsn)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(bsn[i]) * (9 - i);
  sum -= Number(bsn[8]);
  return sum % 11 === 0;
}

export function readPersons(file = DEFAULT_PERSONS) {
  const persons = JSON.parse(fs.readFileSync(file, 'utf8')).persons;
  for (const p of persons)
    if (!bsnValid(p.bsn)) throw new Error(`${file}: ${p.key}: BSN ${p.bsn} fails the 11-proef`);
  return persons;
}

export const DVAS = {
  gp: { org: 'org-huisartsdelinde', name: 'Huisartsenpraktijk De Linde', agb: '01012345', city: 'Utrecht' },
  hospital: { org: 'org-ziekenhuisoost', name: 'Ziekenhuis Oost', agb: '06012345', city: 'Enschede' },
};

// ------------------------------------------------------------------------------------------------
// Our own generator.

const coding = (system, code, display) => ({ coding: [{ system, code, display }], text: display });

function isoDaysBefore(now, days, hour = 9) {
  const d = new Date(now.getTime() - days * 86400000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString().replace('.000Z', '+00:00');
}

function patientResource(person, dva, id) {
  const family = person.prefix ? `${person.prefix} ${person.family}` : person.family;
  const familyExt = [
    ...(person.prefix
      ? [{ url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix', valueString: person.prefix }]
      : []),
    { url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name', valueString: person.family },
  ];
  return {
    resourceType: 'Patient',
    id,
    meta: { profile: [NL + 'nl-core-Patient'] },
    identifier: [{ system: BSN_SYSTEM, value: person.bsn }],
    active: true,
    name: [{
      use: 'official',
      text: `${person.given.join(' ')} ${family}`,
      family,
      _family: { extension: familyExt },
      given: person.given,
    }],
    telecom: [{ system: 'phone', value: person.phone, use: 'mobile' }],
    gender: person.gender,
    birthDate: person.birthDate,
    address: [{
      use: 'home', line: [person.address.line], city: person.address.city,
      postalCode: person.address.postalCode, country: 'NL',
    }],
    generalPractitioner: [{ reference: `Organization/${DVAS.gp.org}`, display: DVAS.gp.name }],
    managingOrganization: { reference: `Organization/${DVAS[dva].org}`, display: DVAS[dva].name },
  };
}

function organization(dva) {
  const o = DVAS[dva];
  return {
    resourceType: 'Organization',
    id: o.org,
    meta: { profile: [NL + 'nl-core-HealthcareProvider-Organization'] },
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: o.agb }],
    active: true,
    name: o.name,
    address: [{ city: o.city, country: 'NL' }],
  };
}

function vitalSign(id, subject, when, code, display, profile, value, unit) {
  return {
    resourceType: 'Observation',
    id,
    meta: { profile: [NL + profile] },
    status: 'final',
    category: [coding(OBS_CAT, 'vital-signs', 'Vital Signs')],
    code: coding(LOINC, code, display),
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: when,
    valueQuantity: { value, unit, system: UCUM, code: unit },
  };
}

function bloodPressure(id, subject, when, sys, dia) {
  const q = (value) => ({ value, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' });
  return {
    resourceType: 'Observation',
    id,
    meta: { profile: [NL + 'nl-core-BloodPressure'] },
    status: 'final',
    category: [coding(OBS_CAT, 'vital-signs', 'Vital Signs')],
    code: coding(LOINC, '85354-9', 'Blood pressure panel with all children optional'),
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: when,
    component: [
      { code: coding(LOINC, '8480-6', 'Systolic blood pressure'), valueQuantity: q(sys) },
      { code: coding(LOINC, '8462-4', 'Diastolic blood pressure'), valueQuantity: q(dia) },
    ],
  };
}

// A small deterministic wobble so the series are not flat lines (no Math.random: the files must
// not change from run to run).
const wobble = (i, k, spread) => Math.round(Math.sin(i * 1.7 + k * 2.3) * spread * 10) / 10;

function gpOwn(person, pid, k, now) {
  const out = [];
  const b = person.base;
  for (let i = 0; i < 6; i++) {
    const when = isoDaysBefore(now, 20 + 60 * i, 9 + (i % 3));
    out.push(bloodPressure(`${pid}-bp-${i + 1}`, pid, when,
      Math.round(b.systolic + wobble(i, k, 6)), Math.round(b.diastolic + wobble(i, k + 1, 4))));
    out.push(vitalSign(`${pid}-weight-${i + 1}`, pid, when, '29463-7', 'Body weight',
      'nl-core-BodyWeight', Math.round((b.weight + wobble(i, k, 1.5)) * 10) / 10, 'kg'));
  }
  out.push(vitalSign(`${pid}-height-1`, pid, isoDaysBefore(now, 400), '8302-2', 'Body height',
    'nl-core-BodyHeight', b.height, 'cm'));
  const hypertensive = b.systolic >= 140;
  out.push({
    resourceType: 'Condition',
    id: `${pid}-problem-1`,
    meta: { profile: [NL + 'nl-core-Problem'] },
    clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
    verificationStatus: coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
    category: [coding(SNOMED, '439401001', 'Diagnosis')],
    code: hypertensive
      ? coding(SNOMED, '38341003', 'Hypertensie')
      : coding(SNOMED, '195967001', 'Astma'),
    subject: { reference: `Patient/${pid}` },
    onsetDateTime: isoDaysBefore(now, 900 + 30 * k).slice(0, 10),
  });
  out.push({
    resourceType: 'Medication',
    id: `${pid}-medication-1`,
    meta: { profile: [NL + 'nl-core-PharmaceuticalProduct'] },
    code: hypertensive
      ? coding('urn:oid:2.16.840.1.113883.2.4.4.1', '1643', 'Metoprolol 50 mg tablet')
      : coding('urn:oid:2.16.840.1.113883.2.4.4.1', '90972', 'Salbutamol 100 ug/dosis inhalator'),
  });
  out.push({
    resourceType: 'MedicationStatement',
    id: `${pid}-medication-use-1`,
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/mp-MedicationUse2'] },
    status: 'active',
    category: coding('urn:oid:2.16.840.1.113883.2.4.3.11.60.20.77.5.3', '6', 'Medicatiegebruik'),
    medicationReference: { reference: `Medication/${pid}-medication-1` },
    subject: { reference: `Patient/${pid}` },
    effectivePeriod: { start: isoDaysBefore(now, 800 + 30 * k).slice(0, 10) },
    dosage: [{ text: hypertensive ? '1 maal per dag 1 tablet' : 'zo nodig 2 pufjes' }],
  });
  out.push({
    resourceType: 'AllergyIntolerance',
    id: `${pid}-allergy-1`,
    meta: { profile: [NL + 'nl-core-AllergyIntolerance'] },
    clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
    code: k % 2 === 0 ? coding(SNOMED, '91936005', 'Allergie voor penicilline') : coding(SNOMED, '91935009', 'Allergie voor pinda'),
    patient: { reference: `Patient/${pid}` },
    recordedDate: isoDaysBefore(now, 2000 + 100 * k).slice(0, 10),
  });
  out.push({
    resourceType: 'Immunization',
    id: `${pid}-vaccination-1`,
    meta: { profile: [NL + 'nl-core-Vaccination-event'] },
    status: 'completed',
    vaccineCode: coding('urn:oid:2.16.840.1.113883.2.4.4.7', '2398', 'Influenzavaccin'),
    patient: { reference: `Patient/${pid}` },
    occurrenceDateTime: isoDaysBefore(now, 50 + 7 * k),
  });
  return out;
}

function hospitalOwn(person, pid, k, now) {
  const out = [];
  const admitted = isoDaysBefore(now, 150 + 20 * k, 8);
  out.push({
    resourceType: 'Encounter',
    id: `${pid}-admission-1`,
    meta: { profile: [NL + 'nl-core-Encounter'] },
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    subject: { reference: `Patient/${pid}` },
    period: { start: admitted, end: isoDaysBefore(now, 147 + 20 * k, 11) },
    serviceProvider: { reference: `Organization/${DVAS.hospital.org}` },
  });
  out.push({
    resourceType: 'Procedure',
    id: `${pid}-procedure-1`,
    meta: { profile: [NL + 'nl-core-Procedure-event'] },
    status: 'completed',
    category: coding(SNOMED, '387713003', 'Chirurgische verrichting'),
    code: k % 2 === 0 ? coding(SNOMED, '80146002', 'Appendectomie') : coding(SNOMED, '38102005', 'Cholecystectomie'),
    subject: { reference: `Patient/${pid}` },
    encounter: { reference: `Encounter/${pid}-admission-1` },
    performedDateTime: isoDaysBefore(now, 149 + 20 * k, 10),
  });
  const labs = [
    ['718-7', 'Hemoglobine [Massa/volume] in bloed', 8.6 + wobble(1, k, 0.6), 'mmol/L'],
    ['2345-7', 'Glucose [Massa/volume] in serum of plasma', 5.4 + wobble(2, k, 0.8), 'mmol/L'],
    ['2160-0', 'Creatinine [Massa/volume] in serum of plasma', Math.round(78 + wobble(3, k, 9)), 'umol/L'],
  ];
  labs.forEach(([code, display, value, unit], i) => out.push({
    resourceType: 'Observation',
    id: `${pid}-lab-${i + 1}`,
    meta: { profile: [NL + 'nl-core-LaboratoryTestResult'] },
    status: 'final',
    category: [coding(SNOMED, '275711006', 'Chemie'), coding(OBS_CAT, 'laboratory', 'Laboratory')],
    code: coding(LOINC, code, display),
    subject: { reference: `Patient/${pid}` },
    effectiveDateTime: isoDaysBefore(now, 149 + 20 * k, 7),
    valueQuantity: { value: Math.round(value * 10) / 10, unit, system: UCUM, code: unit },
  }));
  return out;
}

// ------------------------------------------------------------------------------------------------
// The zib2020 examples, cloned per person.

const GP_TYPES = new Set(['Condition', 'AllergyIntolerance', 'Immunization', 'ImmunizationRecommendation',
  'Flag', 'Consent', 'Coverage', 'MedicationStatement', 'MedicationRequest', 'RelatedPerson', 'Goal']);
const GP_OBSERVATIONS = /BloodPressure|BodyWeight|BodyHeight|HeartRate|PulseRate|O2Saturation|BodyTemperature|Respiration|Glucose|LivingSituation|DrugUse|AlcoholUse|TobaccoUse|LifeStance|Education|ParticipationInSociety|HelpFromOthers|LegalSituation|Pregnancy|HeadCircumference|Refraction|VisualAcuity|HearingFunction/;

function whereBound(r) {
  if (r.resourceType === 'Observation') return GP_OBSERVATIONS.test(r.id) ? 'gp' : 'hospital';
  return GP_TYPES.has(r.resourceType) ? 'gp' : 'hospital';
}

function readZib(dir) {
  const all = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort())
    all.push(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  return all;
}

// Every {reference: "Type/id"} in a resource, for rewriting.
function walkReferences(node, fn) {
  if (Array.isArray(node)) { node.forEach((n) => walkReferences(n, fn)); return; }
  if (!node || typeof node !== 'object') return;
  if (typeof node.reference === 'string') fn(node);
  for (const v of Object.values(node)) walkReferences(v, fn);
}

function cloneId(orig, key, used) {
  let id = `${orig}-${key}`;
  if (id.length > 64) id = `${orig.slice(0, 64 - key.length - 4)}-${key}`;
  for (let n = 2; used.has(id); n++) id = `${id.slice(0, 60)}-${n}`;
  used.add(id);
  return id;
}

function zibParts(examples, persons, patientIds) {
  const patients = new Set(examples.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${r.id}`));
  const bound = new Set();
  const byKey = new Map(examples.map((r) => [`${r.resourceType}/${r.id}`, r]));
  for (const r of examples) {
    if (r.resourceType === 'Patient') continue;
    let refs = false;
    walkReferences(r, (ref) => { if (patients.has(ref.reference)) refs = true; });
    if (refs) bound.add(`${r.resourceType}/${r.id}`);
  }
  const out = { gp: [], hospital: [] };
  for (const r of examples)
    if (r.resourceType !== 'Patient' && !bound.has(`${r.resourceType}/${r.id}`)) {
      out.gp.push(r);
      out.hospital.push(r);
    }
  persons.forEach((person) => {
    const used = new Set();
    const newIds = new Map([...bound].map((key) => [key, cloneId(key.split('/')[1], person.key, used)]));
    for (const key of bound) {
      const r = structuredClone(byKey.get(key));
      const dva = whereBound(r);
      const pid = patientIds[person.key][dva];
      r.id = newIds.get(key);
      delete r.text;
      walkReferences(r, (ref) => {
        if (patients.has(ref.reference)) {
          ref.reference = `Patient/${pid}`;
          delete ref.display;
        } else if (newIds.has(ref.reference)) {
          ref.reference = `${ref.reference.split('/')[0]}/${newIds.get(ref.reference)}`;
        }
      });
      out[dva].push(r);
    }
  });
  return out;
}

// ------------------------------------------------------------------------------------------------

export function buildDemoData({ persons, zibDir = null, now = new Date('2026-11-30T12:00:00Z') }) {
  const patientIds = {};
  const data = { gp: [organization('gp')], hospital: [organization('hospital'), organization('gp')] };
  persons.forEach((person, k) => {
    patientIds[person.key] = { gp: `gp-${person.key}`, hospital: `zh-${person.key}` };
    const gp = patientIds[person.key].gp, zh = patientIds[person.key].hospital;
    data.gp.push(patientResource(person, 'gp', gp), ...gpOwn(person, gp, k, now));
    data.hospital.push(patientResource(person, 'hospital', zh), ...hospitalOwn(person, zh, k, now));
  });
  let zib = false;
  if (zibDir && fs.existsSync(zibDir)) {
    const parts = zibParts(readZib(zibDir), persons, patientIds);
    // Resources others point at first, so a reader of the store never meets a dangling reference
    // that a later line fills (regie does not require it; it keeps the files readable).
    const first = new Set(['Organization', 'Practitioner', 'PractitionerRole', 'Location', 'Medication', 'Device', 'Specimen']);
    const order = (list) => [...list.filter((r) => first.has(r.resourceType)), ...list.filter((r) => !first.has(r.resourceType))];
    data.gp.push(...order(parts.gp));
    data.hospital.push(...order(parts.hospital));
    zib = true;
  }
  // One resource per type/id (the zib examples include organisations of their own).
  for (const dva of Object.keys(data)) {
    const seen = new Set();
    data[dva] = data[dva].filter((r) => {
      const key = `${r.resourceType}/${r.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  return { data, patientIds, zib };
}

export function writeDemoData(outDir, built) {
  fs.mkdirSync(outDir, { recursive: true });
  for (const dva of Object.keys(built.data))
    fs.writeFileSync(path.join(outDir, `${dva}.ndjson`), built.data[dva].map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(path.join(outDir, 'patients.json'), JSON.stringify(built.patientIds, null, 2) + '\n');
}

function main(argv) {
  let out = null, personsFile = DEFAULT_PERSONS;
  let zib = path.join(process.env.REGIE_SHARED || path.join(ROOT, '..', 'shared'), 'data/zib2020/examples');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else if (argv[i] === '--persons') personsFile = argv[++i];
    else if (argv[i] === '--zib') zib = argv[++i];
    else if (argv[i] === '--no-zib') zib = null;
    else { console.error(`demo-patients: unknown option ${argv[i]}`); return 2; }
  }
  if (!out) { console.error('usage: node tools/demo-patients.mjs --out DIR [--persons FILE] [--zib DIR|--no-zib]'); return 2; }
  const built = buildDemoData({ persons: readPersons(personsFile), zibDir: zib });
  writeDemoData(out, built);
  for (const dva of Object.keys(built.data))
    console.log(`${path.join(out, dva + '.ndjson')}: ${built.data[dva].length} resources`);
  if (!built.zib) console.log('(without the zib2020 examples: only the generated records)');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main(process.argv.slice(2)));
