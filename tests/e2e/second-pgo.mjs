// A second PGO beside a running demo network, for the portability test (an export of one PGO is
// imported into another). It is made the way scripts/demo-network.mjs makes the first: a
// certificate from the network's CA for its own host (pgo2.localhost, so its cookies never meet
// the first PGO's), a copy of the first PGO's regie.conf with its own name, port, public URL,
// certificate and data folder (the app folder, lists and catalogue stay the same), a patient
// account made with `regie user add`, and `regie serve --role pgo` until stop().
// It is not on the OCL: it collects from no DVA; importing an export needs no provider.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

import { freePort } from '../../scripts/demo-network.mjs';

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')}: ${r.error?.message || `exit ${r.status}`}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

// regie: the binary; netDir: the network's folder (holds ca/ and the first PGO's folder);
// pgoConfig: the first PGO's regie.conf. account: {username, password} to make there.
// Returns {key, host, url, name, config, logFile, account: {username, password, totp_secret}, stop()}.
export async function startSecondPgo({ regie, netDir, pgoConfig, host = 'pgo2.localhost', key = 'pgo2',
  account = { username: 'jan.elders', password: 'regie-demo-second-pgo' }, timeoutMs = 90000 }) {
  regie = path.resolve(regie);
  const dir = path.join(netDir, key);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const ca = path.join(netDir, 'ca');
  if (!fs.existsSync(path.join(ca, `${host}.crt`)))
    run(regie, ['ca', 'issue', '--dir', ca, '--host', host, '--host', '127.0.0.1']);

  const port = await freePort();
  const url = `https://${host}:${port}`;
  const firstDir = path.dirname(pgoConfig);
  // Paths in the first config are relative to its folder; the copy lives in a sibling folder, so
  // relative paths stay right as long as both folders sit in netDir. Absolute paths stay too.
  const firstHost = /^name\s*=\s*(\S+)/m.exec(fs.readFileSync(pgoConfig, 'utf8'))?.[1] || 'pgo.localhost';
  const conf = fs.readFileSync(pgoConfig, 'utf8').split('\n').map((line) => {
    if (/^name\s*=/.test(line)) return `name = ${host}`;
    if (/^display_name\s*=/.test(line)) return 'display_name = regie PGO 2 (demo, e2e)';
    if (/^listen\s*=/.test(line)) return `listen = 127.0.0.1:${port}`;
    if (/^public_url\s*=/.test(line)) return `public_url = ${url}`;
    if (/^data_dir\s*=/.test(line)) return 'data_dir = data';
    if (/^(cert|key)\s*=/.test(line)) return line.replace(`${firstHost}.`, `${host}.`);
    // A relative path to something in the first PGO's own folder (an app folder, say) is
    // made absolute, so the copy finds the same file.
    const m = /^(\w+)\s*=\s*(\S+)\s*$/.exec(line);
    if (m && !path.isAbsolute(m[2]) && !m[2].startsWith('..') && /[/.]/.test(m[2]) && fs.existsSync(path.join(firstDir, m[2])) && m[1] !== 'data_dir')
      return `${m[1]} = ${path.join(firstDir, m[2])}`;
    return line;
  });
  const config = path.join(dir, 'regie.conf');
  fs.writeFileSync(config, conf.join('\n'));

  const out = run(regie, ['user', 'add', account.username, '--accounts', path.join(dir, 'data', 'accounts.db'), '--role', 'patient'], account.password + '\n');
  const secret = /TOTP secret: ([A-Z2-7]+)/.exec(out)?.[1];
  if (!secret) throw new Error(`regie user add: no TOTP secret in its output:\n${out}`);

  const logFile = path.join(dir, 'server.log');
  const errOut = fs.openSync(logFile, 'w');
  const child = spawn(regie, ['serve', '--role', 'pgo', '--config', config], { stdio: ['ignore', 'pipe', errOut] });
  fs.closeSync(errOut);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15000);
    const r = await exited;
    clearTimeout(t);
    return r;
  };
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error(`${key}: no ready line within ${timeoutMs / 1000} s`)); }, timeoutMs);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (/^ready pgo /.test(line)) { clearTimeout(timer); resolve(); }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      reject(new Error(`${key}: regie serve --role pgo exited (${signal || code}) before it was ready:\n${tail}`));
    });
  });
  return { key, host, name: host, url, config, logFile, pid: child.pid, account: { ...account, totp_secret: secret }, stop };
}
