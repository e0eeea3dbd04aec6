// Loads the same Synthea records into regie and into the peer, under the same ids.
//
// regie gets each Bundle as it is (POST [base], a batch or a transaction), so it assigns the ids
// and resolves the urn:uuid and conditional references itself. Every resource it created is then
// read back from regie and handed to the peer's $load as it is, with regie's id and meta: both
// servers hold byte-for-byte the same resources and the queries can compare ids directly.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The 0-* batches (organisations, locations, practitioners) first, since the patients refer to
// them by identifier; then the first `patients` patient Bundles by file name; then our own
// extra-bundle.json: what Synthea lacks (number parameters, meta.tag/security/source, partial
// dates, quantities in other units, accented names).
export function pickFiles(dir, patients) {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json.bz2')).sort();
  const batches = names.filter((n) => n.startsWith('0-'));
  const records = names.filter((n) => !n.startsWith('0-')).slice(0, patients);
  return [...[...batches, ...records].map((n) => join(dir, n)), fileURLToPath(new URL('extra-bundle.json', import.meta.url))];
}

function readBundle(path) {
  if (!path.endsWith('.bz2')) return JSON.parse(readFileSync(path, 'utf8'));
  return JSON.parse(execFileSync('bzip2', ['-dc', path], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8'));
}

// A GET is retried once on a network error: a server may close a kept-alive connection just as
// the next request goes out on it (regie after --idle-timeout, while the peer is busy with a long
// query), and that is no answer to compare.
export async function fetchJson(url, init = {}) {
  const request = () =>
    fetch(url, {
      ...init,
      headers: { Accept: 'application/fhir+json', ...(init.body ? { 'Content-Type': 'application/fhir+json' } : {}), ...init.headers },
    });
  let res;
  try {
    res = await request();
  } catch (err) {
    if ((init.method ?? 'GET') !== 'GET') throw err;
    res = await request();
  }
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { unparsed: text.slice(0, 500) };
  }
  return { status: res.status, body };
}

// "http://host/fhir/Patient/abc/_history/1" or "Patient/abc/_history/1" -> "Patient/abc"
function locationToRef(location) {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(location ?? '');
  return m ? `${m[1]}/${m[2]}` : undefined;
}

// Runs fn over items with at most `width` promises in flight.
async function pool(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

// Returns every resource loaded, as regie stores it.
export async function loadBoth(regieBase, peerBase, files, log) {
  const refs = [];
  for (const file of files) {
    const bundle = readBundle(file);
    const { status, body } = await fetchJson(regieBase, { method: 'POST', body: JSON.stringify(bundle) });
    if (status !== 200) throw new Error(`${file}: regie answered ${status}: ${JSON.stringify(body).slice(0, 1000)}`);
    const entries = body?.entry ?? [];
    if (entries.length !== bundle.entry.length)
      throw new Error(`${file}: sent ${bundle.entry.length} entries, regie answered ${entries.length}`);
    entries.forEach((e, i) => {
      const ref = locationToRef(e.response?.location);
      if (!e.response?.status?.startsWith('2') || !ref)
        throw new Error(`${file}: entry ${i}: ${e.response?.status} ${JSON.stringify(e.response?.outcome ?? {}).slice(0, 500)}`);
      refs.push(ref);
    });
  }
  const unique = [...new Set(refs)];
  const resources = await pool(unique, 8, async (ref) => {
    const { status, body } = await fetchJson(`${regieBase}/${ref}`);
    if (status !== 200) throw new Error(`GET ${ref} from regie answered ${status}`);
    return body;
  });
  for (let i = 0; i < resources.length; i += 2000) {
    const ndjson = resources.slice(i, i + 2000).map((r) => JSON.stringify(r)).join('\n');
    const { status, body } = await fetchJson(`${peerBase}/$load`, { method: 'POST', body: ndjson });
    if (status !== 200) throw new Error(`peer $load answered ${status}: ${JSON.stringify(body).slice(0, 500)}`);
  }
  log(`loaded ${resources.length} resources from ${files.length} files into both servers`);
  return resources;
}
