// The search comparison: the same Synthea patients in regie and in the reference implementation
// (@medplum/fhir-router, peer.mjs), the same queries against both, the result ids compared.
//
//   node22 tests/reference/compare.mjs REGIE_BINARY [options]
//     --patients N      patient Bundles to load (default 10; the 0-* batches always)
//     --only REGEX      run only the queries whose label matches
//     --peer-only       query the peer alone (regie still loads the data and assigns the ids)
//     --list            print the queries and exit after loading
//     --verbose         print the ids of every difference, not only the first few
//     --dump FILE       write the loaded resources to FILE as NDJSON (to write new queries)
//
// Data: $REGIE_SHARED/data/synthea (default <project>/../shared). Known differences that are the
// reference's bugs: known-differences.txt next to this file. Prints one line per query
// (OK / KNOWN / DIFF / ERROR), then "N of M queries equal" and "P passed, F failed"; exits 1 when
// a query differs in a way not listed as the reference's.
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBoth, pickFiles, fetchJson } from './load.mjs';
import { buildQueries } from './queries.mjs';
import { sortKeyFn } from './sortkey.mjs';
import { startPeer, startRegie, stop } from './servers.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const project = resolve(here, '../..');

function parseArgs(argv) {
  const opts = { patients: 10, only: undefined, peerOnly: false, list: false, verbose: false };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--patients') opts.patients = Number.parseInt(argv[++i], 10);
    else if (a === '--only') opts.only = new RegExp(argv[++i]);
    else if (a === '--peer-only') opts.peerOnly = true;
    else if (a === '--list') opts.list = true;
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--dump') opts.dump = argv[++i];
    else rest.push(a);
  }
  opts.regie = rest[0];
  return opts;
}

// known-differences.txt: "label | difference | clause | why" per line, # comments.
export function readKnown(path) {
  const known = new Map();
  if (!existsSync(path)) return known;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [label, diff, clause, why] = line.split('|').map((s) => s.trim());
    if (!label || diff === undefined || !clause) throw new Error(`known-differences.txt: bad line: ${line}`);
    known.set(label, { diff, clause, why });
  }
  return known;
}

const MAX_PAGES = 100;

// Every page of a search: the matches in order and the included resources, as "Type/id".
async function fetchAll(base, query) {
  const hasCount = /(^|[?&])_count=/.test(query);
  let url = `${base}/${query}${hasCount ? '' : (query.includes('?') ? '&' : '?') + '_count=1000'}`;
  const matches = [];
  const includes = new Set();
  for (let page = 0; url; page++) {
    if (page >= MAX_PAGES) return { error: `more than ${MAX_PAGES} pages` };
    const { status, body } = await fetchJson(url);
    if (status !== 200 || body?.resourceType !== 'Bundle') {
      const text = body?.issue?.map((i) => i.details?.text ?? i.diagnostics ?? i.code).join('; ') ?? JSON.stringify(body).slice(0, 200);
      return { error: `status=${status}`, message: text };
    }
    for (const e of body.entry ?? []) {
      const r = e.resource;
      if (!r) continue;
      const ref = `${r.resourceType}/${r.id}`;
      if (e.search?.mode === 'include' || e.search?.mode === 'outcome') {
        if (e.search.mode === 'include') includes.add(ref);
      } else matches.push({ ref, resource: r });
    }
    url = body.link?.find((l) => l.relation === 'next')?.url;
  }
  return { matches, includes };
}

function setDiff(a, b) {
  const bs = new Set(b);
  return [...new Set(a)].filter((x) => !bs.has(x));
}

// The difference between two answers as a short, id-free text ('' when they agree): the part
// that known-differences.txt names. Ids are assigned by regie anew on every run, counts are not.
function difference(q, regie, peer, keyOf) {
  if (regie.error || peer.error) {
    if (regie.error && peer.error) return '';
    return regie.error ? `regie ${regie.error}` : `peer ${peer.error}`;
  }
  const parts = [];
  // Where both could be wrong the same way, a query may name the count the specification gives.
  if (q.expect !== undefined && regie.matches.length !== q.expect) parts.push(`regie count=${regie.matches.length} spec=${q.expect}`);
  const rm = regie.matches.map((m) => m.ref);
  const pm = peer.matches.map((m) => m.ref);
  const onlyR = setDiff(rm, pm);
  const onlyP = setDiff(pm, rm);
  if (q.clock) {
    // ap on dates: the window is 10% of the distance to now, so the answer moves with the clock;
    // the reference's ap is an overlap test, whose matches must be within regie's.
    if (onlyP.length) parts.push(`matches only-peer=${onlyP.length} (ap)`);
  } else if (onlyR.length || onlyP.length) parts.push(`matches only-regie=${onlyR.length} only-peer=${onlyP.length}`);
  if (rm.length !== new Set(rm).size) parts.push(`regie duplicates=${rm.length - new Set(rm).size}`);
  const onlyRi = setDiff(regie.includes, peer.includes);
  const onlyPi = setDiff(peer.includes, regie.includes);
  if (onlyRi.length || onlyPi.length) parts.push(`includes only-regie=${onlyRi.length} only-peer=${onlyPi.length}`);
  if (q.sort && !parts.length) {
    // Resources whose sort keys are equal may come in any order: compare the keys' sequence.
    const rk = regie.matches.map((m) => keyOf(m.resource));
    const pk = peer.matches.map((m) => keyOf(m.resource));
    const firstDiff = rk.findIndex((k, i) => k !== pk[i]);
    if (firstDiff >= 0) parts.push(`order from=${firstDiff}`);
  }
  return parts.join('; ');
}

function detail(q, regie, peer, keyOf, verbose) {
  const lines = [];
  const show = (xs) => (verbose || xs.length <= 6 ? xs : [...xs.slice(0, 6), `... ${xs.length - 6} more`]).join(' ');
  if (q.expect !== undefined && !regie.error && regie.matches.length !== q.expect)
    lines.push(`    the specification gives ${q.expect} matches (${q.why}); regie has ${regie.matches.length}`);
  if (regie.error) lines.push(`    regie: ${regie.error} ${regie.message ?? ''}`);
  if (peer.error) lines.push(`    peer:  ${peer.error} ${peer.message ?? ''}`);
  if (regie.error || peer.error) return lines;
  const rm = regie.matches.map((m) => m.ref);
  const pm = peer.matches.map((m) => m.ref);
  const onlyR = setDiff(rm, pm);
  const onlyP = setDiff(pm, rm);
  if (onlyR.length) lines.push(`    only regie (${onlyR.length}): ${show(onlyR)}`);
  if (onlyP.length) lines.push(`    only peer  (${onlyP.length}): ${show(onlyP)}`);
  const onlyRi = setDiff(regie.includes, peer.includes);
  const onlyPi = setDiff(peer.includes, regie.includes);
  if (onlyRi.length) lines.push(`    included only by regie (${onlyRi.length}): ${show(onlyRi)}`);
  if (onlyPi.length) lines.push(`    included only by peer  (${onlyPi.length}): ${show(onlyPi)}`);
  if (q.sort && !onlyR.length && !onlyP.length) {
    const rk = regie.matches.map((m) => `${m.ref}=${keyOf(m.resource)}`);
    const pk = peer.matches.map((m) => `${m.ref}=${keyOf(m.resource)}`);
    const i = regie.matches.findIndex((m, j) => keyOf(m.resource) !== keyOf(peer.matches[j].resource));
    if (i >= 0) {
      lines.push(`    regie order from ${i}: ${show(rk.slice(i, i + 4))}`);
      lines.push(`    peer order from ${i}:  ${show(pk.slice(i, i + 4))}`);
    }
  }
  return lines;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!opts.regie) {
    console.error('usage: compare.mjs REGIE_BINARY [--patients N] [--only REGEX] [--peer-only] [--list] [--verbose]');
    process.exit(2);
  }
  const shared = process.env.REGIE_SHARED ?? resolve(project, '../shared');
  const dataDir = join(shared, 'data/synthea');
  if (!existsSync(dataDir)) {
    console.log(`skipped: no Synthea data at ${dataDir}`);
    process.exit(77);
  }
  const known = readKnown(join(here, 'known-differences.txt'));
  const tmp = mkdtempSync(join(tmpdir(), 'regie-reference-'));
  const servers = [];
  const log = (s) => console.log(s);
  let failed = 0;
  try {
    const [regie, peer] = await Promise.all([startRegie(opts.regie, join(tmp, 'regie.db')), startPeer()]);
    servers.push(regie, peer);
    const t0 = Date.now();
    const resources = await loadBoth(regie.base, peer.base, pickFiles(dataDir, opts.patients), log);
    log(`load took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (opts.dump) writeFileSync(opts.dump, resources.map((r) => JSON.stringify(r)).join('\n') + '\n');
    let queries = buildQueries(resources);
    const labels = new Set();
    for (const q of queries) {
      if (labels.has(q.label)) throw new Error(`duplicate query label ${q.label}`);
      labels.add(q.label);
    }
    for (const label of known.keys()) if (!labels.has(label)) log(`note: known-differences.txt names ${label}, which no query has`);
    if (opts.only) queries = queries.filter((q) => opts.only.test(q.label));
    if (opts.list) {
      for (const q of queries) log(`${q.label}\t${q.q}`);
      return;
    }
    const totals = { equal: 0, known: 0, diff: 0, empty: 0, refused: 0 };
    for (const q of queries) {
      const t = Date.now();
      const keyOf = q.sort ? sortKeyFn(q.sort) : () => '';
      const [r, p] = await Promise.all([
        opts.peerOnly ? Promise.resolve(undefined) : fetchAll(regie.base, q.q),
        fetchAll(peer.base, q.q),
      ]);
      const ms = Date.now() - t;
      const counts = (x) => (x.error ? x.error : `${x.matches.length}${x.includes.size ? `+${x.includes.size}inc` : ''}`);
      if (opts.peerOnly) {
        if (!p.error && p.matches.length === 0) totals.empty++;
        log(`${p.error ? 'ERROR' : 'PEER '} ${q.label} peer=${counts(p)} ${ms}ms  ${q.q}`);
        if (p.error) log(`    peer: ${p.error} ${p.message ?? ''}`);
        continue;
      }
      if (!p.error && !r.error && p.matches.length === 0 && r.matches.length === 0) totals.empty++;
      if (p.error && r.error) totals.refused++;
      const diff = difference(q, r, p, keyOf);
      const k = known.get(q.label);
      let verdict;
      if (!diff && !k) verdict = 'OK';
      else if (k && diff === k.diff) verdict = 'KNOWN';
      else verdict = 'DIFF';
      if (verdict === 'OK') totals.equal++;
      else if (verdict === 'KNOWN') totals.known++;
      else totals.diff++;
      log(`${verdict.padEnd(5)} ${q.label} regie=${counts(r)} peer=${counts(p)} ${ms}ms  ${q.q}`);
      if (verdict === 'KNOWN') log(`    reference bug (${k.clause}): ${k.diff}`);
      if (verdict === 'DIFF') {
        log(`    difference: ${diff || '(none)'}${k ? `; listed as known: ${k.diff}` : ''}`);
        for (const l of detail(q, r, p, keyOf, opts.verbose)) log(l);
      }
    }
    const m = queries.length;
    if (opts.peerOnly) {
      log(`${m - totals.empty} of ${m} queries have matches on the peer`);
      return;
    }
    log(`${totals.equal} of ${m} queries equal, ${totals.known} differ as listed in known-differences.txt, ${totals.diff} differ; ${totals.empty} have no matches on either side, ${totals.refused} are refused by both`);
    failed = totals.diff;
    log(`${totals.equal + totals.known} passed, ${totals.diff} failed`);
  } catch (err) {
    for (const s of servers) console.log(`${s.name}'s last lines:\n${s.logLines.slice(-20).join('\n')}`);
    throw err;
  } finally {
    const codes = await Promise.all(servers.map((s) => stop(s)));
    if (servers[0] && codes[0] !== 0) {
      console.log(`regie exited with ${codes[0]}; its last lines:\n${servers[0].logLines.slice(-20).join('\n')}`);
      failed++;
    }
    if (!process.env.REGIE_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
    else console.log(`kept ${tmp}`);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
