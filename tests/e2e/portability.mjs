// e2e/portability: taking everything to another PGO. Jan collects his GP's BgZ and enters a blood
// pressure; "Download my data" on the data screen saves one zip (named by the PGO) holding
// bundle.json, ndjson per type, summary.html, report.json and manifest.json. A second PGO is
// started beside the network (second-pgo.mjs: its own host, port, data and account); there the
// zip is imported on the same screen: counts per type, and the GP from the report with a "connect
// again" link; the measurements screen shows the blood pressure. Importing the same zip again
// adds nothing new. An export of the second PGO holds the same records as the first, apart from
// ids and the account they belong to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { withApp, check, eq, step, loginInApp, screenshot } from './lib.mjs';
import { connectService } from './connect-service.mjs';
import { startSecondPgo } from './second-pgo.mjs';
import { readZip } from './zip-read.mjs';

// Clicks "Download my data" on the data screen and answers {name, zip: Map}.
async function exportInApp(page, appUrl) {
  await page.goto(`${appUrl}#/data`);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), page.locator('#export-button').click()]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'regie-e2e-export-')), dl.suggestedFilename());
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), file, zip: readZip(fs.readFileSync(file)) };
}

// The resources of an export's bundle.json, each reduced to what must survive a move: no ids,
// no meta, no references (they name the other PGO's ids and account), no narrative.
function fingerprints(zip) {
  const bundle = JSON.parse(zip.get('bundle.json').toString('utf8'));
  const strip = (v) => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o = {};
      for (const k of Object.keys(v).sort()) {
        if (['id', 'meta', 'text', 'reference', 'fullUrl'].includes(k)) continue;
        o[k] = strip(v[k]);
      }
      return o;
    }
    return v;
  };
  const out = new Map();
  for (const e of bundle.entry || []) {
    const r = e.resource;
    if (!r) continue;
    // Patients (the account's own one names the account) and Provenance (when it was recorded)
    // belong to the move, not to the records.
    if (r.resourceType === 'Patient' || r.resourceType === 'Provenance') continue;
    const list = out.get(r.resourceType) || [];
    list.push(JSON.stringify(strip(r)));
    out.set(r.resourceType, list);
  }
  for (const list of out.values()) list.sort();
  return out;
}

await withApp('portability', { hosts: ['pgo2.localhost'] }, async (app) => {
  const { page } = app;
  let pgo2 = null;
  try {
    step('Jan collects his GP\'s records and enters a blood pressure');
    await app.login('jan');
    await page.waitForURL(/#\/records$/);
    const back = await connectService(app, 'gp', 'jan', '48');
    check(/status=connected/.test(back), 'the GP is connected', back);
    await page.goto(`${app.appUrl}#/measurements`);
    const form = page.locator('form.measure-form[data-kind="blood-pressure"]');
    await form.getByLabel('Bovendruk (systolisch)').fill('127');
    await form.getByLabel('Onderdruk (diastolisch)').fill('81');
    await form.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('status').filter({ hasText: 'Bloeddruk opgeslagen.' }).waitFor();
    const bpBefore = await page.evaluate(async () => (await (await fetch('/api/measurements?kind=blood-pressure', { credentials: 'same-origin' })).json()).points);

    step('export: one zip with bundle.json, ndjson, summary.html, report.json, manifest.json');
    const ex1 = await exportInApp(page, app.appUrl);
    check(/\.zip$/.test(ex1.name), 'the download is named as a zip by the PGO', ex1.name);
    const names = [...ex1.zip.keys()];
    for (const f of ['bundle.json', 'summary.html', 'report.json', 'manifest.json']) check(ex1.zip.has(f), `the export holds ${f}`, names);
    check(names.some((n) => /^ndjson\/Observation\.ndjson$/.test(n)) && names.some((n) => /^ndjson\/Condition\.ndjson$/.test(n)), 'ndjson per type (Observation, Condition)', names);
    const bundle1 = JSON.parse(ex1.zip.get('bundle.json').toString('utf8'));
    eq(bundle1.resourceType, 'Bundle', 'bundle.json is a FHIR Bundle');
    const obsLines = ex1.zip.get('ndjson/Observation.ndjson').toString('utf8').split('\n').filter(Boolean);
    eq(obsLines.length, (bundle1.entry || []).filter((e) => e.resource?.resourceType === 'Observation').length, 'the ndjson holds the bundle\'s Observations');
    check(await page.getByText(`De export is klaar: ${ex1.name}`, { exact: false }).count() === 1, 'the page says the export is ready, with its name');
    await app.shot('data');

    step('a second PGO, with its own account');
    pgo2 = await startSecondPgo({ regie: process.argv[2], netDir: app.net.dir, pgoConfig: app.pgo.config });
    const page2 = await app.newPage();
    const appUrl2 = `${pgo2.url}/app/`;
    await loginInApp(page2, appUrl2, pgo2.account);
    await page2.waitForURL(/#\/records$/);

    step('import the zip there: counts per type, the GP to connect again');
    await page2.goto(`${appUrl2}#/data`);
    await page2.getByLabel('Zip-bestand van een export').setInputFiles(ex1.file);
    await page2.getByRole('button', { name: 'Inlezen', exact: true }).click();
    await page2.locator('table.import-counts').waitFor({ timeout: 120000 });
    const counts = Object.fromEntries(await page2.locator('table.import-counts tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.type, Number(tr.querySelector('td').textContent.replace(/\D/g, ''))])));
    check(counts.Observation > 0 && counts.Condition > 0, 'Observations and Conditions were imported', counts);
    const again = page2.locator('ul.connect-again a');
    check(await again.count() >= 1 && /Huisartsenpraktijk De Linde|huisartsdelinde@medmij/.test(await again.first().textContent()), 'the GP from the report, with a connect-again link', await again.allTextContents());
    check(/^#\/providers/.test(await again.first().getAttribute('href') || ''), 'the link goes to the providers screen');
    await screenshot(page2, 'data-import');

    step('the records are there: the blood pressure on the measurements screen');
    await page2.goto(`${appUrl2}#/measurements`);
    await page2.waitForFunction((n) => Number(document.querySelector('.chart[data-kind="blood-pressure"]')?.dataset.points) === n, bpBefore.length);
    const row = await page2.locator('table.points tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    check(row.some((c) => c[0] === '127' && c[1] === '81'), 'the entered blood pressure came along', row);

    step('importing the same zip again adds nothing');
    const second = await page2.evaluate(async (b64) => {
      const me = await (await fetch('/api/me', { credentials: 'same-origin' })).json();
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const r = await fetch('/api/import', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/zip', 'X-CSRF-Token': me.csrf }, body: bytes });
      return { status: r.status, body: await r.json() };
    }, fs.readFileSync(ex1.file).toString('base64'));
    eq(second.status, 200, 'the second import is accepted');
    const added = Object.values(second.body.imported || {}).reduce((a, b) => a + b, 0);
    check(added === 0 && second.body.unchanged > 0, 'nothing new, everything unchanged', second.body);

    step('an export of the second PGO holds the same records');
    const ex2 = await exportInApp(page2, appUrl2);
    const f1 = fingerprints(ex1.zip), f2 = fingerprints(ex2.zip);
    for (const [type, list] of f1) {
      const other = f2.get(type) || [];
      eq(other.length, list.length, `${type}: as many in both exports`);
      const missing = list.filter((x, i) => x !== other[i]);
      check(missing.length === 0, `${type}: the same content in both exports (apart from ids and the account)`, missing.slice(0, 2));
    }
    check([...f2.keys()].every((type) => f1.has(type)), 'the second export has no types the first lacks', [...f2.keys()]);
  } finally {
    if (pgo2) {
      const r = await pgo2.stop();
      check(r.code === 0, 'the second PGO stops cleanly on SIGTERM', r);
    }
  }
});
