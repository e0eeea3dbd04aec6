// (a) The network starts, and every node answers over TLS with the demo CA; the DVA's FHIR
// endpoint refuses a request without a client certificate (403 CLIENT_CERT), metadata answers
// with one, a resource needs a token as well; the token endpoint needs a certificate; the ready
// lines and network.json say what they should.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { check, eq, step, withNetwork, request } from './lib.mjs';

// curl as a person would run it (it resolves *.localhost to loopback itself): the HTTP status.
function curl(url, ca, certHost, dir) {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '30', '--cacert', ca];
  if (certHost) args.push('--cert', path.join(dir, 'ca', `${certHost}.crt`), '--key', path.join(dir, 'ca', `${certHost}.key`));
  const r = spawnSync('curl', [...args, url], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout) : `curl exit ${r.status} ${r.stderr}`;
}

await withNetwork('reach', {}, async (net) => {
  const info = net.info;
  step('network.json');
  eq(info.nodes.length, 3, 'nodes');
  for (const n of info.nodes) {
    check(new RegExp(`^ready ${n.role} ${n.name.replace(/\./g, '\\.')} https://`).test(n.ready || ''), `${n.key}: ready line "ready ${n.role} ${n.name} <url>"`, n.ready);
    check(n.accounts.length >= 3 && n.accounts.every((a) => /^[A-Z2-7]{16,}$/.test(a.totp_secret)), `${n.key}: accounts with TOTP secrets`);
    if (n.role === 'dva') check(n.accounts.every((a) => /^\d{9}$/.test(a.bsn)), `${n.key}: patient accounts linked to a BSN`);
  }

  step('curl with the demo CA reaches each node; a FHIR request without a client certificate is refused');
  for (const n of info.nodes) {
    const got = curl(`${n.url}/`, info.ca, null, net.dir);
    check(typeof got === 'number' && got >= 200 && got < 500, `${n.key}: curl --cacert reaches ${n.url} (${got})`);
  }
  for (const key of ['gp', 'hospital']) {
    const dva = net.node(key);
    eq(curl(`${dva.fhir}/metadata`, info.ca, null, net.dir), 403, `${key}: curl without a client certificate`);
    eq(curl(`${dva.fhir}/Patient`, info.ca, null, net.dir), 403, `${key}: curl for a resource without a client certificate`);
    eq(curl(`${dva.fhir}/metadata`, info.ca, 'pgo.localhost', net.dir), 200, `${key}: curl with the PGO's certificate`);
  }

  step('every node answers over TLS with the demo CA, and only with it');
  for (const n of info.nodes) {
    const r = await net.client().get(`${n.url}/`);
    check(r.status >= 200 && r.status < 500, `${n.key}: an HTTP answer over TLS (${r.status})`);
    let refused = false;
    try { await request(`${n.url}/`, { ca: undefined }); } catch (e) { refused = /self|certificate|issuer/i.test(e.message); }
    check(refused, `${n.key}: without the demo CA the certificate is not trusted`);
  }

  for (const key of ['gp', 'hospital']) {
    const dva = net.node(key);
    step(`${key}: the back channel needs a client certificate`);
    let r = await net.client().get(`${dva.fhir}/metadata`, { Accept: 'application/fhir+json' });
    eq(r.status, 403, `${key}: metadata without a client certificate`);
    check(/CLIENT_CERT/.test(r.text), `${key}: refused as CLIENT_CERT`, r.text);
    r = await net.client().get(`${dva.fhir}/Patient`, { Accept: 'application/fhir+json' });
    eq(r.status, 403, `${key}: a resource request without a client certificate`);
    check(/CLIENT_CERT/.test(r.text), `${key}: resource refused as CLIENT_CERT`, r.text);
    r = await net.client('pgo.localhost').get(`${dva.fhir}/metadata`, { Accept: 'application/fhir+json' });
    eq(r.status, 200, `${key}: metadata with the PGO's certificate`);
    eq(r.json()?.resourceType, 'CapabilityStatement', `${key}: metadata is a CapabilityStatement`);
    r = await net.client('pgo.localhost').fhir(`${dva.fhir}/Patient`, null);
    eq(r.status, 401, `${key}: a resource request with a certificate but no token`);
    check(/Bearer/i.test(r.headers['www-authenticate'] || ''), `${key}: WWW-Authenticate: Bearer`, r.headers);
    r = await net.client().form(dva.token, { grant_type: 'authorization_code', code: 'x', client_id: 'pgo.localhost', redirect_uri: net.node('pgo').redirect_uri });
    eq(r.status, 403, `${key}: the token endpoint without a client certificate`);
    r = await net.browser().get(`${dva.authorize}?response_type=code&client_id=pgo.localhost`);
    check(r.status === 400 && /text\/html/.test(r.headers['content-type'] || ''), `${key}: the authorize endpoint answers a browser without a certificate (an incomplete request is a 400 page)`, `${r.status} ${r.headers['content-type']}`);
  }

  step('the ports relaxation is the demo\'s alone');
  const regie = process.argv[2];
  const zal = info.lists.ZAL;
  let rl = spawnSync(regie, ['lists', '--check', zal], { encoding: 'utf8' });
  check(rl.status === 1 && /AuthorizationEndpointuri/.test(rl.stdout + rl.stderr), 'a strict reader (regie lists --check) refuses the demo ZAL: a port in the authorize endpoint', rl.stdout + rl.stderr);
  rl = spawnSync(regie, ['lists', '--description', path.join(net.dir, 'lists/description.json'), '--out', path.join(net.dir, 'lists'), '--allow-ports', '--xsd-dir', net.dir], { encoding: 'utf8' });
  eq(rl.status, 2, 'regie lists: --allow-ports with --xsd-dir is a usage error');

  step('pgo: the patient API needs a session');
  const pgo = net.node('pgo');
  const r = await net.browser().json(`${pgo.url}/api/me`, 'GET');
  eq(r.status, 401, 'pgo: /api/me without a session');
});
