// Shared by the browser tests (tests/e2e/*.mjs, docs/app.md "Tests"): the demo network of
// tests/medmij/lib.mjs (its own, on free ports, in a temporary directory) with the PGO serving the
// built app, and Debian's chromium driven headless by playwright-core.
//
// TLS: chromium is told to accept exactly the network's certificates (the SPKI hashes of the
// local CA and of every node certificate it issued, --ignore-certificate-errors-spki-list), not
// every certificate (ignoreHTTPSErrors would be that). *.localhost is loopback in chromium itself.
//
// Without a chromium (REGIE_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH)
// or without playwright-core (npm ci) a test prints why and exits 77 (skipped).
// REGIE_SCREENSHOTS=1 saves screenshots to docs/screenshots/<name>.png.
// REGIE_APP_DIR: the built app (default: web/ beside the binary, else build/web of the repository).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, withNetwork, check, eq, step, sleep, lastStep } from '../medmij/lib.mjs';
import { totp } from '../../scripts/demo-network-totp.mjs';

export { ROOT, check, eq, step, sleep, lastStep };

/**
 * A TOTP code the server has not seen: the current step's, or the next one's after a code of this
 * step was used (the server refuses a step at or before the last it accepted). Unlike the medmij
 * tests' freshTotp it never takes the previous step: a person types into a browser, and the
 * previous step's code may expire on the way to the server. Shares freshTotp's memory of steps.
 */
export async function freshTotp(secret) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const want = Math.max(now, (lastStep.get(secret) ?? -Infinity) + 1);
    if (want <= now + 1) {
      lastStep.set(secret, want);
      return totp(secret, 0, want);
    }
    await sleep(1000);
  }
}

export const SKIP = 77;

/** The chromium to drive, or null. */
export function findChromium() {
  const candidates = [process.env.REGIE_CHROMIUM];
  for (const dir of (process.env.PATH || '').split(':')) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) candidates.push(dir && path.join(dir, name));
  }
  return candidates.find((p) => {
    if (!p) return false;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  }) || null;
}

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(SKIP);
}

/** The folder holding the built app's index.html, or null. */
function appDir(regie) {
  const candidates = [process.env.REGIE_APP_DIR, path.join(path.dirname(path.resolve(regie)), 'web'), path.join(ROOT, 'build', 'web')];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'index.html'))) || null;
}

/** base64(SHA-256(SubjectPublicKeyInfo)) of every certificate in the network's ca/ folder. */
function spkiHashes(caDir) {
  const out = [];
  for (const f of fs.readdirSync(caDir)) {
    if (!f.endsWith('.crt')) continue;
    const cert = new crypto.X509Certificate(fs.readFileSync(path.join(caDir, f)));
    const der = cert.publicKey.export({ type: 'spki', format: 'der' });
    out.push(crypto.createHash('sha256').update(der).digest('base64'));
  }
  return out;
}

/**
 * Runs fn(app) against a fresh network with a browser; exits with the checks' verdict (0/1) or
 * 77 when the browser is missing. opts go to createNetwork (as in tests/medmij); opts.viewport
 * sets the page size. app: {net, pgo, appUrl, browser, context, page, shot(name), login(person),
 * account(nodeKey, person), newPage()}.
 */
export async function withApp(name, opts, fn) {
  const executablePath = findChromium();
  if (!executablePath) skip('no chromium found (apt-get install chromium, or set REGIE_CHROMIUM)');
  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch {
    skip('playwright-core is not installed (npm ci)');
  }
  const regie = process.argv[2];
  if (!regie) {
    console.error(`usage: node ${name}.mjs REGIE_BINARY`);
    process.exit(2);
  }
  const dir = appDir(regie);
  if (!dir) {
    console.log('FAIL: the app is not built: no index.html in REGIE_APP_DIR, web/ beside the binary or build/web (npm run build:web)');
    process.exit(1);
  }
  const { viewport = { width: 1280, height: 900 }, ...netOpts } = opts || {};
  // The PGO's default app folder is web/ beside the binary; say it only when it is elsewhere.
  const extra = { ...(netOpts.extra || {}) };
  if (path.resolve(dir) !== path.join(path.dirname(path.resolve(regie)), 'web') && process.env.REGIE_E2E_ROUTE_APP !== '1') {
    extra.pgo = { ...(extra.pgo || {}), pgo: [...((extra.pgo && extra.pgo.pgo) || []), `app_dir = ${path.resolve(dir)}`] };
  }
  await withNetwork(name, { ...netOpts, extra }, async (net) => {
    const args = [`--ignore-certificate-errors-spki-list=${spkiHashes(path.join(net.dir, 'ca')).join(',')}`];
    // Chromium refuses its sandbox as root (containers, CI); a user keeps it.
    if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
    const browser = await playwright.chromium.launch({ executablePath, headless: true, args, timeout: 60000 });
    const pgo = net.node('pgo');
    const problems = [];
    const watch = (page) => {
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of (401|400|404|409)\b/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      page.setDefaultTimeout(30000);
      return page;
    };
    try {
      const context = await browser.newContext({ viewport, locale: 'nl-NL' });
      if (process.env.REGIE_E2E_ROUTE_APP === '1') await routeApp(context, pgo.url, dir);
      const page = watch(await context.newPage());
      const app = {
        net, pgo, browser, context, page,
        appUrl: `${pgo.url}/app/`,
        account: (key, person) => net.account(key, person),
        async newPage() {
          const ctx2 = await browser.newContext({ viewport, locale: 'nl-NL' });
          if (process.env.REGIE_E2E_ROUTE_APP === '1') await routeApp(ctx2, pgo.url, dir);
          return watch(await ctx2.newPage());
        },
        shot: (n, p = page, o = {}) => screenshot(p, n, o),
        login: (person, p = page) => loginInApp(p, app.appUrl, net.account('pgo', person)),
      };
      try {
        await fn(app);
      } catch (e) {
        // What the patient saw when it failed: the address, the page's text, a screenshot.
        const seen = await page.evaluate(() => document.body.innerText).catch(() => '(no page)');
        console.log(`at ${page.url()} the page said:\n    ${seen.slice(0, 3000).replace(/\n+/g, '\n    ')}`);
        const shot = path.join(net.dir, `${name}-failed.png`);
        await page.screenshot({ path: shot, fullPage: true }).then(() => console.log(`screenshot ${shot} (REGIE_KEEP_TMP=1 keeps it)`), () => {});
        throw e;
      }
      // A CSP refusal, a script error or a failed asset shows up here.
      check(problems.length === 0, 'no script errors or refused resources in the browser', problems.join('\n    '));
    } finally {
      await browser.close();
    }
  });
}

// Development only (REGIE_E2E_ROUTE_APP=1): the browser itself answers /app/ from the built
// folder, for a PGO that does not serve the app yet. The tests proper use the PGO's own serving.
async function routeApp(context, base, dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
  await context.route(`${base}/app/**`, async (route) => {
    let rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/app\/?/, '')) || 'index.html';
    if (rel.includes('..')) rel = 'index.html';
    const file = path.join(dir, rel);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: types[path.extname(file)] || 'application/octet-stream', body: fs.readFileSync(file),
      headers: { 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'" } });
  });
}

/** Saves docs/screenshots/<name>.png when REGIE_SCREENSHOTS=1. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  if (process.env.REGIE_SCREENSHOTS !== '1') return;
  const out = path.join(ROOT, 'docs', 'screenshots', `${name}.png`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage });
  console.log(`screenshot ${path.relative(ROOT, out)}`);
}

/** Logs in through the app's login page as a person would; returns after the menu shows. */
export async function loginInApp(page, appUrl, account, { code } = {}) {
  await page.goto(`${appUrl}#/login`);
  await page.getByLabel('Gebruikersnaam').fill(account.username);
  await page.getByLabel('Wachtwoord').fill(account.password);
  await page.getByLabel('Code uit de authenticator-app').fill(code || (await freshTotp(account.totp_secret)));
  await page.getByRole('button', { name: 'Inloggen' }).click();
}

/**
 * At a DVA's pages (the stand-in for DigiD, then the consent page): logs in and decides, as a
 * person would. decision: 'Toestaan' or 'Weigeren'; atConsent(page) runs on the consent page
 * before the decision (a screenshot, checks of what it says).
 */
export async function dvaLoginAndConsent(page, account, { decision = 'Toestaan', atConsent = null } = {}) {
  await page.getByLabel('Gebruikersnaam').fill(account.username);
  await page.getByLabel('Wachtwoord').fill(account.password);
  await page.getByLabel('Code uit uw authenticator-app').fill(await freshTotp(account.totp_secret));
  await page.getByRole('button', { name: 'Inloggen' }).click();
  const button = page.getByRole('button', { name: decision, exact: true });
  await button.waitFor();
  if (atConsent) await atConsent(page);
  await button.click();
}

/** The TOTP code (RFC 6238) of a secret at a time step, for tests that read a secret off the page. */
export { totp };

/**
 * From the app's providers page: finds the DVA by query (typo-tolerant), connects its data
 * service, walks the DVA's login and consent as the person, and waits until the app is back on
 * #/providers. Returns the URL the PGO sent the browser back to.
 */
export async function connectInApp(app, dvaKey, person, { query, service = 'Basisgegevens Zorg', decision = 'Toestaan', atResults = null, atConsent = null, page = app.page } = {}) {
  const dva = app.net.node(dvaKey);
  await page.goto(`${app.appUrl}#/providers`);
  const q = query || dva.name.replace(/@medmij$/, '');
  await page.getByLabel('Naam van de zorgaanbieder').fill(q);
  await page.locator(`#provider-results[data-query="${q}"]`).waitFor({ state: 'attached' });
  const card = page.locator(`li.provider[data-provider="${dva.name}"]`);
  await card.waitFor();
  if (atResults) await atResults(page, card);
  await card.getByRole('button', { name: `Verbinden met ${await providerLabel(page, dva.name)}: ${service}` }).click();
  await page.waitForURL((u) => u.host === new URL(dva.url).host);
  await dvaLoginAndConsent(page, app.net.account(dvaKey, person), { decision, atConsent });
  let back = null;
  await page.waitForURL((u) => {
    if (u.host === new URL(app.pgo.url).host && /#\/providers\?connection=/.test(u.hash)) back = u.toString();
    return u.host === new URL(app.pgo.url).host && u.hash.startsWith('#/providers');
  }, { timeout: 120000 });
  // Development mode: a route does not see the request a redirect leads to; load it again.
  if (process.env.REGIE_E2E_ROUTE_APP === '1') await page.reload();
  await page.locator('#connections').waitFor();
  return back || page.url();
}

/** The name the app shows for a provider: the PGO's display name for it, else its MedMij name. */
export async function providerLabel(page, name) {
  const found = await page.evaluate(async (n) => {
    const r = await fetch(`/api/providers?q=${encodeURIComponent(n.replace(/@medmij$/, ''))}`, { credentials: 'same-origin' });
    return r.ok ? (await r.json()).providers || [] : [];
  }, name);
  const p = found.find((x) => x.name === name);
  return (p && p.display) || name;
}

/**
 * The page's basic accessibility: <html lang> set, one <h1>, every visible input, select and
 * textarea with a label (or aria-label), every image with a text alternative, every button and
 * link with a name. Returns the problems found (an empty list when none).
 */
export async function a11yProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    if (!document.documentElement.lang) out.push('<html> has no lang');
    const h1 = [...document.querySelectorAll('h1')].filter(visible);
    if (h1.length !== 1) out.push(`${h1.length} visible <h1>`);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (!visible(el) || el.type === 'hidden') continue;
      if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) out.push(`unlabelled ${el.tagName.toLowerCase()} ${el.name || el.id}`);
    }
    for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) out.push(`image without alt: ${img.src.slice(0, 40)}`);
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (!visible(el)) continue;
      const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
      if (!name) out.push(`${el.tagName.toLowerCase()} without a name`);
    }
    for (const el of document.querySelectorAll('[aria-describedby]')) {
      for (const id of el.getAttribute('aria-describedby').split(/\s+/)) if (id && !document.getElementById(id)) out.push(`aria-describedby points at a missing #${id}`);
    }
    return out;
  });
}

/** check() that the page has no basic accessibility problems. */
export async function checkA11y(page, what) {
  const problems = await a11yProblems(page);
  return check(problems.length === 0, `${what}: labels, names, one h1, lang`, problems);
}
