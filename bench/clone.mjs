#!/usr/bin/env node
// Scales the Synthea data for the search benchmarks: N copies of the 100 patients, each copy with
// new ids, written as NDJSON that `regie import` stores with PUT (ids kept), so the benchmark knows
// every id without asking the server.
//
//   clone.mjs ndjson --copies N [--first K] [--limit P] [--no-shared] [--src DIR] [--out FILE]
//       NDJSON on stdout (or FILE): the shared Organizations, Locations, Practitioners and
//       PractitionerRoles once (unless --no-shared), then copies K .. K+N-1 of every patient.
//   clone.mjs urls --copies N [--limit P] [--src DIR] --dir OUT
//       one file of request paths per query class (OUT/<class>.txt), over all N copies, with values
//       picked from the data (bench/search.sh feeds them to wrk), plus OUT/values.json.
//   clone.mjs check FILE
//       reads an NDJSON file back: ids distinct, every reference points at a resource in the file,
//       Patient identifiers distinct. Exit 1 on any problem.
//
// Copy 0 is the Synthea data itself (its ids unchanged), so the 100-patient database is the
// original data and a patient of copy 0 has the same id in every database. Copy k > 0 replaces
// every UUID of a patient's bundle (resource ids, urn:uuid references, identifier values such as
// the MRN, claim ids) by a UUID derived from (k, old UUID) -- the same old UUID always becomes the
// same new one, so references stay consistent -- and suffixes the Patient's other identifiers (SSN,
// driver's licence, passport) with "-k", so no two copies share an identifier a conditional create
// could match. Names, dates and codes are kept: a copy is clinically the same patient.
//
// Rewriting references: `urn:uuid:X` (an entry of the same transaction Bundle) becomes `Type/X`
// and a conditional reference to the shared resources (`Organization?identifier=sys|value`)
// becomes `Organization/<id>`, since NDJSON is loaded as batches of PUT, which resolve neither.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function die(msg) {
  process.stderr.write(`clone: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { copies: 1, first: 0, limit: Infinity, shared: true, src: null, out: '-', dir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--copies') o.copies = Number(val());
    else if (a === '--first') o.first = Number(val());
    else if (a === '--limit') o.limit = Number(val());
    else if (a === '--no-shared') o.shared = false;
    else if (a === '--src') o.src = val();
    else if (a === '--out') o.out = val();
    else if (a === '--dir') o.dir = val();
    else if (!a.startsWith('--') && o.file === undefined) o.file = a;
    else die(`unknown argument ${a}`);
  }
  if (!Number.isInteger(o.copies) || o.copies < 1) die('--copies must be a positive integer');
  if (!Number.isInteger(o.first) || o.first < 0) die('--first must be a non-negative integer');
  return o;
}

function defaultSrc() {
  const here = new URL('.', import.meta.url).pathname;
  const cands = [process.env.REGIE_SHARED, join(here, '..', '..', 'shared'), '/work/shared']
    .filter(Boolean)
    .map((d) => join(d, 'data', 'synthea'));
  const hit = cands.find((d) => existsSync(d));
  if (!hit) die(`no Synthea data (looked in ${cands.join(', ')}); set REGIE_SHARED or --src`);
  return hit;
}

function readBundle(path) {
  const raw = readFileSync(path);
  // bzip2 by content (BZh), like regie import
  const text =
    raw.length > 3 && raw.toString('latin1', 0, 3) === 'BZh'
      ? execFileSync('bzip2', ['-dc'], { input: raw, maxBuffer: 1 << 30 }).toString('utf8')
      : raw.toString('utf8');
  return JSON.parse(text);
}

function walkRefs(node, fn) {
  if (Array.isArray(node)) {
    for (const x of node) walkRefs(x, fn);
  } else if (node && typeof node === 'object') {
    for (const k of Object.keys(node)) {
      const v = node[k];
      if (k === 'reference' && typeof v === 'string') {
        const r = fn(v);
        if (r !== v) node[k] = r;
      } else if (v && typeof v === 'object') walkRefs(v, fn);
    }
  }
}

// The source, prepared once: shared lines, and per patient bundle its resources as NDJSON lines
// (references already rewritten to Type/id) plus what the URL picker needs.
function loadSource(src, limit) {
  const files = readdirSync(src)
    .filter((f) => /\.json(\.bz2)?$/.test(f))
    .sort();
  const sharedFiles = files.filter((f) => f.startsWith('0-'));
  const patientFiles = files.filter((f) => !f.startsWith('0-')).slice(0, limit);
  const shared = { lines: [], ids: new Set(), byIdentifier: new Map() };
  let problems = 0;
  for (const f of sharedFiles) {
    for (const e of readBundle(join(src, f)).entry || []) {
      const r = e.resource;
      if (!r) continue;
      if (!r.id && e.fullUrl?.startsWith('urn:uuid:')) r.id = e.fullUrl.slice(9);
      if (!r.id) die(`${f}: a shared ${r.resourceType} has no id`);
      shared.ids.add(r.id);
      for (const idf of r.identifier || []) {
        if (idf.system && idf.value) shared.byIdentifier.set(`${r.resourceType}?identifier=${idf.system}|${idf.value}`, `${r.resourceType}/${r.id}`);
      }
      shared.lines.push(JSON.stringify(r));
    }
  }
  const patients = [];
  for (const f of patientFiles) {
    const b = readBundle(join(src, f));
    const typeOf = new Map();
    for (const e of b.entry || []) {
      if (e.fullUrl?.startsWith('urn:uuid:') && e.resource) typeOf.set(e.fullUrl.slice(9), e.resource.resourceType);
    }
    const p = { file: f, lines: [], patientLine: -1, patientId: null, resources: [] };
    for (const e of b.entry || []) {
      const r = e.resource;
      if (!r) continue;
      const full = e.fullUrl?.startsWith('urn:uuid:') ? e.fullUrl.slice(9) : null;
      if (full) r.id = full; // references name the fullUrl, so the id must be the fullUrl's
      if (!r.id) die(`${f}: a ${r.resourceType} entry has neither id nor urn:uuid fullUrl`);
      walkRefs(r, (ref) => {
        if (ref.startsWith('urn:uuid:')) {
          const t = typeOf.get(ref.slice(9));
          if (t) return `${t}/${ref.slice(9)}`;
          problems++;
          return ref;
        }
        if (/^[A-Z][A-Za-z]+\?/.test(ref)) {
          const hit = shared.byIdentifier.get(ref);
          if (hit) return hit;
          problems++;
        }
        return ref;
      });
      if (r.resourceType === 'Patient') {
        p.patientLine = p.lines.length;
        p.patientId = r.id;
      }
      p.resources.push(r);
      p.lines.push(JSON.stringify(r));
    }
    if (p.patientLine < 0) die(`${f}: no Patient`);
    patients.push(p);
  }
  if (problems) process.stderr.write(`clone: warning: ${problems} references could not be rewritten\n`);
  return { shared, patients };
}

// The UUID that copy k gives to an old UUID: SHA-1 of both, shaped as a version-5 UUID.
export function cloneUuid(k, uuid) {
  if (k === 0) return uuid;
  const h = createHash('sha1').update(`regie-clone:${k}:${uuid}`).digest('hex');
  const v = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function cloneLines(p, k, sharedIds) {
  if (k === 0) return p.lines;
  const memo = new Map();
  const remap = (u) => {
    if (sharedIds.has(u)) return u;
    let n = memo.get(u);
    if (!n) memo.set(u, (n = cloneUuid(k, u)));
    return n;
  };
  const out = p.lines.map((l) => l.replace(UUID_RE, remap));
  // Identifiers without a UUID in them (SSN, driver's licence, passport) get the copy's number.
  const pat = JSON.parse(out[p.patientLine]);
  for (const idf of pat.identifier || []) {
    if (typeof idf.value === 'string' && !/[0-9a-f]{8}-[0-9a-f]{4}-/.test(idf.value)) idf.value = `${idf.value}-${k}`;
  }
  out[p.patientLine] = JSON.stringify(pat);
  return out;
}

function openOut(path) {
  if (path === '-') return { fd: 1, close() {} };
  const fd = openSync(path, 'w');
  return { fd, close: () => closeSync(fd) };
}

function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function cmdNdjson(o) {
  const t0 = Date.now();
  const { shared, patients } = loadSource(o.src || defaultSrc(), o.limit);
  const out = openOut(o.out);
  let n = 0;
  if (o.shared) {
    writeAll(out.fd, shared.lines.join('\n') + '\n');
    n += shared.lines.length;
  }
  for (let k = o.first; k < o.first + o.copies; k++) {
    for (const p of patients) {
      const lines = cloneLines(p, k, shared.ids);
      writeAll(out.fd, lines.join('\n') + '\n');
      n += lines.length;
    }
  }
  out.close();
  const secs = (Date.now() - t0) / 1000;
  process.stderr.write(
    `clone: ${o.copies} copies of ${patients.length} patients (copies ${o.first}..${o.first + o.copies - 1}): ` +
      `${n} resources in ${secs.toFixed(1)} s, ${Math.round(n / secs)} resources/s\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// URL picking. Per patient: its most common Observation code (single-patient search), its family
// name; over all: the Observation codes most patients have, each with dates that leave the newest
// part of its results (population queries).
function codeOf(r) {
  const c = r.code?.coding?.[0];
  return c && c.system && c.code ? `${c.system}|${c.code}` : null;
}

function pickValues(patients) {
  const per = [];
  const patientsWithCode = new Map(); // code -> number of patients having it
  const obsDates = new Map(); // code -> effective dates
  for (const p of patients) {
    const counts = new Map();
    let family = null;
    let nres = 0;
    for (const r of p.resources) {
      nres++;
      if (r.resourceType === 'Patient') family = r.name?.[0]?.family ?? null;
      if (r.resourceType !== 'Observation') continue;
      const c = codeOf(r);
      if (!c) continue;
      counts.set(c, (counts.get(c) || 0) + 1);
      const d = r.effectiveDateTime || r.effectivePeriod?.start;
      if (d) {
        if (!obsDates.has(c)) obsDates.set(c, []);
        obsDates.get(c).push(d);
      }
    }
    for (const c of counts.keys()) patientsWithCode.set(c, (patientsWithCode.get(c) || 0) + 1);
    let best = null;
    for (const [c, n] of counts) if (!best || n > best[1] || (n === best[1] && c < best[0])) best = [c, n];
    per.push({ id: p.patientId, family, code: best?.[0] ?? null, codeCount: best?.[1] ?? 0, resources: nres });
  }
  // The population queries: the five codes most patients have, each from the dates after which the
  // newest 20, 15, 10 and 5 % of its Observations come, so a query returns many results but not all.
  const ranked = [...patientsWithCode].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
  const population = [];
  for (const [code, npat] of ranked) {
    const dates = (obsDates.get(code) || []).sort();
    if (!dates.length) continue;
    for (const q of [0.8, 0.85, 0.9, 0.95]) population.push({ code, patients: npat, observations: dates.length, date: dates[Math.floor(dates.length * q)].slice(0, 10) });
  }
  const common = population[0];
  const date = common.date;
  return { per, population, commonCode: common.code, commonCodePatients: common.patients, commonCodeObservations: common.observations, date };
}

function cmdUrls(o) {
  if (!o.dir) die('urls needs --dir');
  const { shared, patients } = loadSource(o.src || defaultSrc(), o.limit);
  const v = pickValues(patients);
  mkdirSync(o.dir, { recursive: true });
  const cls = {
    read: [],
    'obs-subject-code': [],
    'obs-code-date': [],
    'patient-name': [],
    include: [],
    revinclude: [],
    lastn: [],
    everything: [],
  };
  const enc = encodeURIComponent;
  for (let k = 0; k < o.copies; k++) {
    for (const p of v.per) {
      const id = cloneUuid(k, p.id);
      cls.read.push(`Patient/${id}`);
      if (p.code) cls['obs-subject-code'].push(`Observation?subject=Patient/${id}&code=${enc(p.code)}`);
      if (p.family) cls['patient-name'].push(`Patient?name=${enc(p.family)}`);
      cls.include.push(`Encounter?subject=Patient/${id}&_include=Encounter:practitioner`);
      cls.revinclude.push(`Patient?_id=${id}&_revinclude=Encounter:patient`);
      cls.lastn.push(`Observation/$lastn?patient=Patient/${id}&category=vital-signs`);
      cls.everything.push(`Patient/${id}/$everything`);
    }
  }
  // Population queries do not name a patient: the same few URLs at every scale, over more data.
  for (const q of v.population) cls['obs-code-date'].push(`Observation?code=${enc(q.code)}&date=ge${q.date}`);
  // Family names repeat across copies; keep one line per name so each is asked equally often.
  cls['patient-name'] = [...new Set(cls['patient-name'])];
  for (const [name, lines] of Object.entries(cls)) writeFileSync(join(o.dir, `${name}.txt`), lines.join('\n') + '\n');
  const values = { ...v, per: undefined, patients: v.per.length, copies: o.copies, sharedResources: shared.lines.length };
  values.sample = v.per[0];
  writeFileSync(join(o.dir, 'values.json'), JSON.stringify(values, null, 2) + '\n');
  process.stderr.write(`clone: URLs for ${o.copies} x ${v.per.length} patients in ${o.dir}\n`);
}

// ---------------------------------------------------------------------------------------------
// check: one pass; a reference to a resource not seen yet is kept aside and looked up at the end.
async function cmdCheck(o) {
  if (!o.file) die('check needs a file');
  const ids = new Set();
  const pending = [];
  const patIdent = new Set();
  let lines = 0, dupIds = 0, dupIdent = 0, refs = 0, external = 0, patients = 0;
  const types = new Map();
  const rl = createInterface({ input: o.file === '-' ? process.stdin : createReadStream(o.file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    lines++;
    const r = JSON.parse(line);
    const key = `${r.resourceType}/${r.id}`;
    if (ids.has(key)) dupIds++;
    ids.add(key);
    types.set(r.resourceType, (types.get(r.resourceType) || 0) + 1);
    if (r.resourceType === 'Patient') {
      patients++;
      for (const idf of r.identifier || []) {
        const k = `${idf.system}|${idf.value}`;
        if (patIdent.has(k)) dupIdent++;
        patIdent.add(k);
      }
    }
    walkRefs(r, (ref) => {
      if (ref.startsWith('#')) return ref;
      refs++;
      if (!/^[A-Z][A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/.test(ref)) external++;
      else if (!ids.has(ref)) pending.push(ref);
      return ref;
    });
  }
  const dangling = pending.filter((r) => !ids.has(r));
  const report = {
    lines, distinctIds: ids.size, duplicateIds: dupIds, patients, distinctPatientIdentifiers: patIdent.size,
    duplicatePatientIdentifiers: dupIdent, references: refs, notTypeId: external, forwardReferences: pending.length,
    dangling: dangling.length, danglingSample: dangling.slice(0, 5), types: Object.fromEntries([...types].sort()),
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  process.exit(dupIds || dupIdent || dangling.length || external ? 1 : 0);
}

const [cmd, ...rest] = process.argv.slice(2);
const opts = parseArgs(rest);
if (cmd === 'ndjson') cmdNdjson(opts);
else if (cmd === 'urls') cmdUrls(opts);
else if (cmd === 'check') await cmdCheck(opts);
else die('usage: clone.mjs ndjson|urls|check ... (see the comment at the top)');
