// Starting and stopping the two servers of the comparison: `regie serve` on a temporary database
// and the reference peer (peer.mjs), both on 127.0.0.1 with a port of their choosing, both
// announcing themselves with a "ready http://127.0.0.1:PORT/fhir" line on stdout.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

// Resolves with the child and its base URL once the ready line arrives; rejects if the child
// exits first or stays silent for timeoutMs. Output after the ready line goes to logLines (the
// last few are printed when something fails).
function startWithReadyLine(name, cmd, args, options, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    const logLines = [];
    const keep = (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(line);
      if (logLines.length > 200) logLines.splice(0, logLines.length - 200);
    };
    let pending = '';
    let ready = false;
    const timer = setTimeout(() => {
      if (!ready) {
        child.kill('SIGKILL');
        reject(new Error(`${name} printed no ready line within ${timeoutMs} ms:\n${logLines.join('\n')}`));
      }
    }, timeoutMs);
    child.stderr.on('data', keep);
    child.stdout.on('data', (chunk) => {
      if (ready) return keep(chunk);
      pending += chunk.toString();
      const m = /^ready (\S+)$/m.exec(pending);
      if (m) {
        ready = true;
        clearTimeout(timer);
        resolve({ name, child, base: m[1], logLines });
      }
    });
    child.on('exit', (code, signal) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${pending}\n${logLines.join('\n')}`));
      }
    });
  });
}

export function startRegie(regieBin, dbPath) {
  return startWithReadyLine(
    'regie',
    regieBin,
    ['serve', '--listen', '127.0.0.1:0', '--db', dbPath, '--no-auth'],
    // Per-request logging of thousands of loads and queries would bury a failure's message.
    { env: { ...process.env, REGIE_LOG: process.env.REGIE_LOG ?? 'warn' } },
    60000,
  );
}

export function startPeer() {
  // process.execPath: the Node 22 that runs this script runs the peer too.
  return startWithReadyLine('peer', process.execPath, [here + 'peer.mjs'], {}, 120000);
}

// SIGTERM, then SIGKILL after graceMs; resolves with the exit code (null when killed).
export function stop(server, graceMs = 20000) {
  return new Promise((resolve) => {
    const { child } = server;
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}
