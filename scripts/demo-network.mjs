#!/usr/bin/env node
// The local MedMij demo network (docs/demo.md): a local CA and a certificate per node, the four
// lists, two DVAs (a GP practice and a hospital) loaded with Dutch demo patients, one PGO, every
// node its own `regie serve --role dva|pgo --config FILE` on 127.0.0.1 with mutual TLS.
//
//   node scripts/demo-network.mjs [--regie build/regie] [--dir build/demo] [--free-ports]
//
// builds DIR from scratch, starts the nodes, prints their ready lines, writes DIR/network.json and
// how to log in, and runs until SIGINT/SIGTERM, when it stops every node (SIGTERM, then waits).
// Exit status: 0 stopped cleanly; 1 a failure; 3 the running regie has no `serve --role` yet (the
// caller, scripts/demo, then falls back to the single FHIR server).
//
// Tests (tests/medmij/) import createNetwork/startNetwork to run their own network on free ports
// in a temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { buildDemoData, readPersons, writeDemoData } from '../tools/demo-patients.mjs';
import { totp } from './demo-network-totp.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const SERVICES = [
  { id: '48', name: 'Basisgegevens Zorg' },
  { id: '49', name: 'Meetwaarden vitale functies' },
  { id: '51', name: 'Documenten' },
  { id: '53', name: 'Meetwaarden delen' },
];

// The nodes: key (directory), role, MedMij name, host name, default port.
export const NODES = [
  { key: 'gp', role: 'dva', provider: 'huisartsdelinde', host: 'gp.localhost', port: 8441,
    display: 'Huisartsenpraktijk De Linde (demo)', services: ['48', '49', '51', '53'] },
  { key: 'hospital', role: 'dva', provider: 'ziekenhuisoost', host: 'hospital.localhost', port: 8442,
    display: 'Ziekenhuis Oost (demo)', services: ['48', '49', '51', '53'] },
  { key: 'pgo', role: 'pgo', host: 'pgo.localhost', port: 8443, display: 'regie PGO (demo)' },
];

export class RoleUnavailable extends Error {}

function run(cmd, args, { input, env } = {}) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${path.basename(cmd)} ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function portBusy(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

// The lists' description (docs/medmij.md), every DVA offering its services, the PGO on the OCL.
export function listsDescription(nodes, whitelist = []) {
  return {
    gegevensdiensten: SERVICES,
    zorgaanbieders: nodes.filter((n) => n.role === 'dva').map((n) => ({
      name: n.provider, hostname: n.host, port: n.port, gegevensdiensten: n.services,
    })),
    pgos: nodes.filter((n) => n.role === 'pgo').map((n) => ({ hostname: n.host, name: n.display.replace(/ \(demo\)$/, '') })),
    whitelist,
  };
}

function nodeConfig(n, dir, extra = {}) {
  const rel = (p) => path.relative(path.join(dir, n.key), p);
  const lines = [
    `# ${n.display}: written by scripts/demo-network.mjs (docs/demo.md); format in docs/node-config.md`,
    `role = ${n.role}`,
    `name = ${n.name}`,
    `display_name = ${n.display}`,
    `listen = 127.0.0.1:${n.port}`,
    `public_url = ${n.url}`,
    'data_dir = data',
    `include = ${path.join(ROOT, 'etc/services.conf')}`,
    ...(extra.node || []),
    '',
    '[tls]',
    `cert = ${rel(path.join(dir, 'ca', n.host + '.crt'))}`,
    `key = ${rel(path.join(dir, 'ca', n.host + '.key'))}`,
    ...(n.role === 'dva' ? [`client_ca = ${rel(path.join(dir, 'ca/ca.crt'))}`] : []),
    `peer_ca = ${rel(path.join(dir, 'ca/ca.crt'))}`,
    ...(extra.tls || []),
    '',
    '[lists]',
    ...['zal', 'ocl', 'whitelist', 'gnl'].map((k) => `${k} = ${rel(path.join(dir, 'lists', { zal: 'ZAL', ocl: 'OCL', whitelist: 'Whitelist', gnl: 'GNL' }[k] + '.xml'))}`),
    '# development only: the ZAL names each node with its port (regie lists --allow-ports)',
    'allow_ports = true',
    ...(extra.lists || []),
  ];
  if (n.role === 'dva') lines.push('', '[oauth]', ...n.services.map((s) => `services = ${s}`), ...(extra.oauth || []));
  if (n.role === 'pgo' && extra.pgo) lines.push('', '[pgo]', ...extra.pgo);
  for (const [section, more] of Object.entries(extra))
    if (!['node', 'tls', 'lists', 'oauth', 'pgo'].includes(section)) lines.push('', `[${section}]`, ...more);
  return lines.join('\n') + '\n';
}

function addAccount(regie, accountsDb, username, password, bsn) {
  const args = ['user', 'add', username, '--accounts', accountsDb, '--role', 'patient'];
  if (bsn) args.push('--bsn', bsn);
  const out = run(regie, args, { input: password + '\n' });
  const m = /TOTP secret: ([A-Z2-7]+)/.exec(out);
  if (!m) throw new Error(`regie user add ${username}: no TOTP secret in its output:\n${out}`);
  return m[1];
}

// Builds everything a network needs in dir (which is emptied first). Options:
//   regie     the binary
//   ports     'fixed' (8441-8443, free ones when taken) or 'free'
//   shared    the shared data folder (zib2020 examples); missing: only the generated records
//   extra     per node key, extra config lines per section ({gp: {oauth: ['access_ttl = 2s']}})
//   hosts     extra certificates to issue (host names), for the negative tests
//   whitelist extra host names for the Whitelist (a host on it but not on the OCL, for the tests)
//   log       a function for progress lines
export async function createNetwork({ regie, dir, ports = 'free', shared = null, extra = {}, hosts = [], whitelist = [], log = () => {} }) {
  regie = path.resolve(regie);
  dir = path.resolve(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const nodes = NODES.map((n) => ({ ...n }));
  const taken = new Set();
  for (const n of nodes) {
    if (ports === 'free' || (await portBusy(n.port))) {
      let p;
      do p = await freePort(); while (taken.has(p));
      if (ports !== 'free') log(`port ${n.port} is busy; ${n.key} takes ${p}`);
      n.port = p;
    }
    taken.add(n.port);
    n.name = n.role === 'dva' ? `${n.provider}@medmij` : n.host;
    n.url = `https://${n.host}:${n.port}`;
  }

  log('the local CA and a certificate per node (regie ca)');
  run(regie, ['ca', 'init', '--dir', path.join(dir, 'ca')]);
  for (const host of [...nodes.map((n) => n.host), ...hosts])
    run(regie, ['ca', 'issue', '--dir', path.join(dir, 'ca'), '--host', host, '--host', '127.0.0.1']);

  log('the lists: ZAL, OCL, Whitelist, GNL (regie lists --allow-ports)');
  fs.mkdirSync(path.join(dir, 'lists'));
  const desc = path.join(dir, 'lists', 'description.json');
  fs.writeFileSync(desc, JSON.stringify(listsDescription(nodes, whitelist), null, 2) + '\n');
  run(regie, ['lists', '--description', desc, '--out', path.join(dir, 'lists'), '--allow-ports']);

  const zibDir = shared ? path.join(shared, 'data/zib2020/examples') : null;
  const persons = readPersons();
  const built = buildDemoData({ persons, zibDir });
  writeDemoData(path.join(dir, 'records'), built);
  log(built.zib
    ? `demo patients: ${persons.length} people, from the zib2020 examples in ${zibDir} and our own generator`
    : `demo patients: ${persons.length} people from our own generator (no zib2020 examples found)`);

  const accounts = {};
  for (const n of nodes) {
    const data = path.join(dir, n.key, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(dir, n.key, 'regie.conf'), nodeConfig(n, dir, extra[n.key]));
    if (n.role === 'dva') {
      const ndjson = path.join(dir, 'records', `${n.key}.ndjson`);
      log(`${n.key}: importing ${built.data[n.key].length} resources (regie import)`);
      run(regie, ['import', '--db', path.join(data, 'regie.db'), '--no-fsync', ndjson]);
    }
    accounts[n.key] = persons.map((p) => ({
      person: p.key,
      username: p.username,
      password: p.password,
      ...(n.role === 'dva' ? { bsn: p.bsn, patient: built.patientIds[p.key][n.key] } : {}),
      totp_secret: addAccount(regie, path.join(data, 'accounts.db'), p.username, p.password,
        n.role === 'dva' ? p.bsn : null),
    }));
    log(`${n.key}: ${accounts[n.key].length} patient accounts (regie user add)`);
  }
  return { regie, dir, nodes, accounts, persons, zib: built.zib };
}

// Starts every node and waits for its ready line. Returns {nodes, info, stop()}; on a failure stops
// what it started and throws (RoleUnavailable when this regie cannot serve a role yet).
export async function startNetwork(network, { log = () => {}, timeoutMs = 90000, env = {} } = {}) {
  const procs = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
  };
  try {
    for (const n of network.nodes) procs.push(await startNode(network, n, timeoutMs, env));
  } catch (e) {
    await stop();
    throw e;
  }
  for (const p of procs) log(p.readyLine);
  const info = networkInfo(network, procs);
  fs.writeFileSync(path.join(network.dir, 'network.json'), JSON.stringify(info, null, 2) + '\n');
  return { nodes: procs, info, stop };
}

function startNode(network, n, timeoutMs, env) {
  const confDir = path.join(network.dir, n.key);
  const logFile = path.join(confDir, 'server.log');
  const errOut = fs.openSync(logFile, 'w');
  const child = spawn(network.regie, ['serve', '--role', n.role, '--config', path.join(confDir, 'regie.conf')], {
    stdio: ['ignore', 'pipe', errOut],
    env: { ...process.env, ...env },
  });
  fs.closeSync(errOut);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const node = {
    key: n.key, role: n.role, name: n.name, pid: child.pid, child, logFile, exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`${n.key}: no ready line within ${timeoutMs / 1000} s`)), timeoutMs);
    let done = false;
    function fail(e) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      node.stop().then(() => reject(e));
    }
    lines.on('line', (line) => {
      const m = /^ready (dva|pgo) (\S+) (\S+)/.exec(line);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        node.readyLine = line;
        node.base = m[3].replace(/\/+$/, '');
        resolve(node);
      }
    });
    exited.then(({ code, signal }) => {
      if (done) return;
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      const why = `${n.key}: regie serve --role ${n.role} exited (${signal || code}) before it was ready:\n${tail}`;
      // Only a regie without the roles (an older build) falls back; any other failure is one.
      fail(/not built yet|unknown option --role|--role needs a value \(or is unknown\)/.test(tail)
        ? new RoleUnavailable(why) : new Error(why));
    });
  });
}

function networkInfo(network, procs) {
  const byKey = Object.fromEntries(procs.map((p) => [p.key, p]));
  return {
    comment: 'The local MedMij demo network (docs/demo.md). Demo credentials only; every node trusts ca.',
    ca: path.join(network.dir, 'ca/ca.crt'),
    lists: Object.fromEntries(['ZAL', 'OCL', 'Whitelist', 'GNL'].map((k) => [k, path.join(network.dir, 'lists', k + '.xml')])),
    nodes: network.nodes.map((n) => ({
      key: n.key,
      role: n.role,
      name: n.name,
      display_name: n.display,
      host: n.host,
      port: n.port,
      url: n.url,
      ready: byKey[n.key]?.readyLine,
      fhir: `${n.url}/fhir`,
      ...(n.role === 'dva'
        ? { authorize: `${n.url}/oauth/authorize`, token: `${n.url}/oauth/token`, revoke: `${n.url}/oauth/revoke`, services: n.services }
        : { redirect_uri: `${n.url}/connect/callback` }),
      config: path.join(network.dir, n.key, 'regie.conf'),
      cert: path.join(network.dir, 'ca', n.host + '.crt'),
      key_file: path.join(network.dir, 'ca', n.host + '.key'),
      log: path.join(network.dir, n.key, 'server.log'),
      pid: byKey[n.key]?.pid,
      accounts: network.accounts[n.key],
    })),
    persons: network.persons.map((p) => ({ key: p.key, name: `${p.given.join(' ')} ${p.prefix ? p.prefix + ' ' : ''}${p.family}`, bsn: p.bsn })),
    totp: 'node scripts/demo-network-totp.mjs SECRET (or oathtool --totp -b SECRET)',
  };
}

function loginHelp(info) {
  const pgo = info.nodes.find((n) => n.role === 'pgo');
  const gp = info.nodes.find((n) => n.key === 'gp');
  const a = pgo.accounts[0], d = gp.accounts[0];
  return `
The MedMij demo network runs (details and every credential: ${path.relative(process.cwd(), path.join(path.dirname(info.ca), '..', 'network.json'))}).

Log in as a patient in the app (trust ${info.ca} in the browser, or accept the warnings):
  PGO app    ${pgo.url}/app/  as ${a.username} / ${a.password}
             TOTP code: node scripts/demo-network-totp.mjs ${a.totp_secret}
  GP login   (stand-in for DigiD, reached through the PGO's connect) ${d.username} / ${d.password}
             TOTP code: node scripts/demo-network-totp.mjs ${d.totp_secret}
  A code works once: a second login within 30 s needs the next one.
  The whole collect flow without a browser (login, connect, consent, collect):
             node scripts/demo-network-walk.mjs jan gp

Or with curl (the DVA's FHIR endpoint needs a client certificate, and a token for resources):
  curl --cacert ${info.ca} ${gp.fhir}/metadata
  curl --cacert ${info.ca} --cert ${pgo.cert} --key ${pgo.key_file} ${gp.fhir}/metadata

Press Ctrl-C to stop every node.`;
}

async function main(argv) {
  let regie = path.join(ROOT, 'build/regie'), dir = path.join(ROOT, 'build/demo'), ports = 'fixed';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--regie') regie = argv[++i];
    else if (argv[i] === '--dir') dir = argv[++i];
    else if (argv[i] === '--free-ports') ports = 'free';
    else { console.error(`demo-network: unknown option ${argv[i]}`); return 2; }
  }
  const shared = process.env.REGIE_SHARED || path.join(ROOT, '..', 'shared');
  const log = (s) => console.log(`demo: ${s}`);
  let network, running;
  try {
    network = await createNetwork({ regie, dir, ports, shared: fs.existsSync(shared) ? shared : null, log });
    running = await startNetwork(network, { log: (s) => console.log(s) });
  } catch (e) {
    console.error(`demo: ${e.message}`);
    return e instanceof RoleUnavailable ? 3 : 1;
  }
  console.log(`demo: wrote ${path.relative(process.cwd(), path.join(network.dir, 'network.json'))}`);
  console.log(loginHelp(running.info));
  const pgoAccount = running.info.nodes.find((n) => n.role === 'pgo').accounts[0];
  void totp(pgoAccount.totp_secret); // the helper works here too: fail now rather than at login

  return new Promise((resolve) => {
    let stopping = false;
    const shutdown = async (why) => {
      if (stopping) return;
      stopping = true;
      console.log(`\ndemo: ${why}; stopping every node`);
      const results = await Promise.all(running.nodes.map(async (n) => [n.key, await n.stop()]));
      let ok = true;
      for (const [key, r] of results) {
        console.log(`demo: ${key} stopped (${r.signal ? 'signal ' + r.signal : 'exit status ' + r.code})`);
        if (r.code !== 0) ok = false;
      }
      resolve(ok && why !== 'a node exited' ? 0 : 1);
    };
    process.on('SIGINT', () => shutdown('interrupted'));
    process.on('SIGTERM', () => shutdown('terminated'));
    for (const n of running.nodes)
      n.exited.then(({ code, signal }) => {
        if (stopping) return;
        console.error(`demo: ${n.key} exited on its own (${signal || code}); see ${n.logFile}`);
        shutdown('a node exited');
      });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main(process.argv.slice(2)).then((rc) => process.exit(rc));
