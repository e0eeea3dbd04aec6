// Shared by the MedMij network tests (tests/medmij/*.mjs): a network of their own on free ports in
// a temporary directory, an https client that resolves *.localhost to loopback (Node does not) and
// presents a node's certificate when asked, a cookie-keeping "browser" that reads HTML forms, TOTP
// codes that respect the DVA's replay guard, and checks that count failures so one run reports
// everything that is wrong.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createNetwork, startNetwork } from '../../scripts/demo-network.mjs';
import { totp } from '../../scripts/demo-network-totp.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// ------------------------------------------------------------------------------------------------
// Checks.

let failures = 0;
let checks = 0;
export function check(cond, what, detail) {
  checks++;
  if (cond) return true;
  failures++;
  console.log(`FAIL: ${what}${detail !== undefined ? `\n    ${String(typeof detail === 'string' ? detail : JSON.stringify(detail)).slice(0, 600)}` : ''}`);
  return false;
}
export const eq = (got, want, what) => check(got === want, `${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
export function step(name) { console.log(`-- ${name}`); }

// ------------------------------------------------------------------------------------------------
// The network.

// Runs fn(net) against a fresh network and stops it; the exit status says whether every check
// held and every node stopped cleanly. opts go to createNetwork (extra config, hosts, whitelist).
// afterStop(net), when given, runs once every node has stopped (the audit logs are whole then).
export async function withNetwork(name, opts, fn, afterStop = null) {
  const regie = process.argv[2];
  if (!regie) {
    console.error(`usage: node ${name}.mjs REGIE_BINARY`);
    process.exit(2);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `regie-medmij-${name}-`));
  const shared = process.env.REGIE_SHARED || path.join(ROOT, '..', 'shared');
  let running = null, rc = 0, net = null;
  try {
    const network = await createNetwork({
      regie, dir: path.join(dir, 'net'), ports: 'free', shared: fs.existsSync(shared) ? shared : null,
      log: (s) => console.log(`setup: ${s}`), ...opts,
    });
    running = await startNetwork(network, { log: (s) => console.log(s) });
    net = new Network(running.info);
    await fn(net);
  } catch (e) {
    failures++;
    console.log(`FAIL: ${e.stack || e}`);
  } finally {
    if (running) {
      for (const n of running.nodes) {
        const r = await n.stop();
        check(r.code === 0, `${n.key} stops cleanly on SIGTERM`, `exit ${r.code} signal ${r.signal}`);
      }
      if (afterStop && net) {
        try {
          await afterStop(net);
        } catch (e) {
          failures++;
          console.log(`FAIL: ${e.stack || e}`);
        }
      }
      if (failures) {
        for (const n of running.nodes) {
          const tail = fs.readFileSync(n.logFile, 'utf8').split('\n').slice(-25).join('\n    ');
          console.log(`${n.key} log (tail):\n    ${tail}`);
        }
      }
    }
    if (failures && process.env.REGIE_KEEP_TMP) console.log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
    console.log(`${name}: ${checks - failures} checks passed, ${failures} failed`);
    rc = failures ? 1 : 0;
  }
  process.exit(rc);
}

export class Network {
  constructor(info) {
    this.info = info;
    this.ca = fs.readFileSync(info.ca);
    this.dir = path.dirname(path.dirname(info.ca));
  }
  node(key) { return this.info.nodes.find((n) => n.key === key); }
  account(key, person) { return this.node(key).accounts.find((a) => a.person === person); }
  // A certificate issued by the network's CA (every node's, and the extra `hosts` of the setup).
  cert(host) {
    return {
      cert: fs.readFileSync(path.join(this.dir, 'ca', `${host}.crt`)),
      key: fs.readFileSync(path.join(this.dir, 'ca', `${host}.key`)),
    };
  }
  client(certHost = null) { return new Client(this.ca, certHost ? this.cert(certHost) : null); }
  browser() { return new Browser(this.ca); }
}

// ------------------------------------------------------------------------------------------------
// HTTPS.

function lookupLocalhost(hostname, options, cb) {
  // *.localhost is loopback (RFC 6761); everything here runs on 127.0.0.1.
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1') {
    if (options && options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  } else {
    cb(new Error(`the tests resolve only *.localhost, not ${hostname}`));
  }
}

// One request; never follows redirects. Returns {status, headers, text, json()}.
export function request(url, { method = 'GET', headers = {}, body = null, ca, cert = null, timeoutMs = 60000 } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request({
      method, hostname: u.hostname, port: u.port || 443, path: u.pathname + u.search,
      headers: { ...(body !== null ? { 'Content-Length': Buffer.byteLength(body) } : {}), ...headers },
      ca, ...(cert || {}), servername: u.hostname, lookup: lookupLocalhost, agent: false,
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode, headers: res.headers, text,
          json() { try { return JSON.parse(text); } catch { return null; } },
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    if (body !== null) req.write(body);
    req.end();
  });
}

// A back-channel client: the network's CA, optionally a client certificate.
export class Client {
  constructor(ca, cert) { this.ca = ca; this.certs = cert; }
  req(url, opts = {}) { return request(url, { ca: this.ca, cert: this.certs, ...opts }); }
  get(url, headers = {}) { return this.req(url, { headers }); }
  form(url, fields, headers = {}) {
    return this.req(url, {
      method: 'POST', body: new URLSearchParams(fields).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    });
  }
  fhir(url, token, headers = {}) {
    return this.req(url, { headers: { Accept: 'application/fhir+json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
  }
  // A fetch() over this client, for oauth4webapi's customFetch (mutual TLS, *.localhost).
  fetch() {
    return async (url, init = {}) => {
      const headers = {};
      new Headers(init.headers || {}).forEach((v, k) => { headers[k] = v; });
      let body = init.body ?? null;
      if (body instanceof URLSearchParams) body = body.toString();
      const r = await this.req(String(url), { method: init.method || 'GET', headers, body });
      const h = new Headers();
      for (const [k, v] of Object.entries(r.headers)) h.set(k, Array.isArray(v) ? v.join(', ') : v);
      return new Response(r.status === 204 ? null : r.text, { status: r.status, headers: h });
    };
  }
}

// ------------------------------------------------------------------------------------------------
// The browser: cookies per host, forms, redirects.

export class Browser {
  constructor(ca) { this.ca = ca; this.jar = new Map(); }
  cookieHeader(host) {
    const c = this.jar.get(host);
    return c && c.size ? [...c].map(([k, v]) => `${k}=${v}`).join('; ') : null;
  }
  keep(host, res) {
    let set = res.headers['set-cookie'] || [];
    if (!Array.isArray(set)) set = [set];
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    const c = this.jar.get(host);
    for (const line of set) {
      const [pair, ...attrs] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim(), value = pair.slice(at + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') c.delete(name);
      else c.set(name, value);
    }
  }
  async req(url, opts = {}) {
    const host = new URL(url).host;
    const cookie = this.cookieHeader(host);
    const res = await request(url, {
      ca: this.ca, ...opts,
      headers: { ...(cookie ? { Cookie: cookie } : {}), ...(opts.headers || {}) },
    });
    this.keep(host, res);
    res.url = url;
    return res;
  }
  get(url, headers = {}) { return this.req(url, { headers }); }
  postForm(url, fields) {
    return this.req(url, {
      method: 'POST', body: new URLSearchParams(fields).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  }
  json(url, method, body, headers = {}) {
    return this.req(url, {
      method, body: body === undefined ? null : JSON.stringify(body),
      headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), Accept: 'application/json', ...headers },
    });
  }
}

// The hidden and other named inputs of the first form in a page.
export function formFields(html) {
  const fields = {};
  for (const m of html.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(m[0]);
    const value = /\bvalue="([^"]*)"/i.exec(m[0]);
    if (name) fields[name[1]] = value ? value[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>') : '';
  }
  return fields;
}

export const location = (res, base) => (res.headers.location ? new URL(res.headers.location, base || res.url).toString() : null);

// ------------------------------------------------------------------------------------------------
// TOTP: a code the server has not seen yet. It accepts the current step and one either side and
// refuses a step at or before the last one it accepted, so a second login within 30 s takes the
// next step's code, and a third waits.
// Exported so that a tool run again and again (scripts/demo-network-walk.mjs) can keep it.
export const lastStep = new Map();
export async function freshTotp(secret) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const want = Math.max(now - 1, (lastStep.get(secret) ?? -Infinity) + 1);
    if (want <= now + 1) {
      lastStep.set(secret, want);
      return totp(secret, 0, want);
    }
    await sleep(1000);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// The DVA's front channel walked as a browser (docs/oauth.md, "Walking the flow without a
// browser"): the authorization URL -> login page -> consent page -> redirect to the client.
// Returns {login, consent, final} responses; final is the consent post's answer (302 to the
// redirect_uri with code or error), or whatever stopped the walk.
export async function dvaLoginAndConsent(browser, authorizeUrl, account, { decision = 'allow', totpCode } = {}) {
  const login = await browser.get(authorizeUrl);
  if (login.status !== 200) return { login, final: login };
  const f1 = formFields(login.text);
  const afterLogin = await browser.postForm(new URL('/oauth/authorize', authorizeUrl).toString(), {
    step: 'login', req: f1.req, csrf: f1.csrf, username: account.username, password: account.password,
    totp: totpCode ?? (await freshTotp(account.totp_secret)),
  });
  if (afterLogin.status !== 200) return { login, consent: afterLogin, final: afterLogin };
  const f2 = formFields(afterLogin.text);
  const final = await browser.postForm(new URL('/oauth/authorize', authorizeUrl).toString(), {
    step: 'consent', req: f2.req, csrf: f2.csrf, decision,
  });
  return { login, consent: afterLogin, final };
}

// PKCE (RFC 7636 S256) and a state, for the tests that act as the PGO themselves.
import crypto from 'node:crypto';
export function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge, state: crypto.randomBytes(16).toString('base64url') };
}

// The authorization URL a PGO would send the browser to (the MedMij parameters and PKCE).
export function authorizeUrl(dva, { clientId, redirectUri, scope, state, challenge, extra = {} }) {
  const u = new URL(dva.authorize);
  const p = {
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state,
    code_challenge: challenge, code_challenge_method: 'S256',
    'MedMij-Request-ID': crypto.randomUUID(), 'X-Correlation-ID': crypto.randomUUID(), ...extra,
  };
  for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null) u.searchParams.set(k, v);
  return u.toString();
}

// The whole code flow as the PGO (certificate pgo.localhost) against one DVA, without the PGO
// node: returns {code, tokens (the token answer), verifier, redirectUri, res (token response)}.
export async function codeFlow(net, dvaKey, person, { scope, clientHost = 'pgo.localhost', redirectUri } = {}) {
  const dva = net.node(dvaKey);
  const pgo = net.node('pgo');
  redirectUri = redirectUri || pgo.redirect_uri;
  const p = pkce();
  const url = authorizeUrl(dva, { clientId: clientHost, redirectUri, scope: scope || dva.name.replace(/@medmij$/, ''), state: p.state, challenge: p.challenge });
  const walk = await dvaLoginAndConsent(net.browser(), url, net.account(dvaKey, person));
  const loc = location(walk.final);
  const params = loc ? new URL(loc).searchParams : new URLSearchParams();
  const code = params.get('code');
  if (!code) return { walk, code: null, state: params.get('state'), error: params.get('error') };
  return { walk, code, state: params.get('state'), verifier: p.verifier, redirectUri };
}

export async function redeem(net, dvaKey, flow, { clientHost = 'pgo.localhost', certHost = clientHost, verifier = flow.verifier, redirectUri = flow.redirectUri } = {}) {
  const dva = net.node(dvaKey);
  const res = await net.client(certHost).form(dva.token, {
    grant_type: 'authorization_code', code: flow.code, client_id: clientHost, redirect_uri: redirectUri,
    code_verifier: verifier,
  }, { 'MedMij-Request-ID': crypto.randomUUID(), 'X-Correlation-ID': crypto.randomUUID(), Accept: 'application/json' });
  return { res, tokens: res.status === 200 ? res.json() : null };
}

// A Bundle's resources.
export const resources = (bundle) => (bundle && bundle.entry ? bundle.entry.map((e) => e.resource).filter(Boolean) : []);
