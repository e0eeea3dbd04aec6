// e2e/measure: the measurements screen as a patient uses it. Log in; the blood pressure form comes
// first with its range hints; a blood pressure entered shows in the table (newest first, "entered
// by you") and in the chart (a canvas, one point more); a value out of range is stopped at its
// field before anything is sent; a pair the server refuses (systolic not above diastolic) shows
// the server's message at the field and stores nothing; the sample CSV downloads with the
// documented columns; a CSV of 3 lines gives 3 more points; a CSV with a bad line lists the line
// and stores nothing; another kind (weight) has its own chart; an own entry can be deleted.
import fs from 'node:fs';

import { withApp, check, eq, step } from './lib.mjs';

const points = (page, kind) => page.locator(`.chart[data-kind="${kind}"]`).getAttribute('data-points').then((v) => Number(v));
const rows = (page) => page.locator('table.points tbody tr').count();

await withApp('measure', {}, async (app) => {
  const { page } = app;

  step('log in and open the measurements');
  await app.login('jan');
  await page.waitForURL(/#\/records$/);
  await page.locator('#nav').getByRole('link', { name: 'Metingen' }).click();
  await page.waitForURL(/#\/measurements$/);
  const form = page.locator('form.measure-form[data-kind="blood-pressure"]');
  await form.waitFor();
  const systolic = form.getByLabel('Bovendruk (systolisch)');
  const diastolic = form.getByLabel('Onderdruk (diastolisch)');
  const hint = await page.locator(`#${await systolic.getAttribute('aria-describedby')}`).textContent();
  check(/Tussen 40 en 300/.test(hint) && /Normaal gebied: 90 tot 140/.test(hint), 'the systolic field has its range and band as its description', hint);
  check(await form.getByLabel('Eenheid').locator('option').count() >= 2, 'a unit can be chosen (mm[Hg], kPa)');
  await page.locator('.chart[data-kind="blood-pressure"]').waitFor({ state: 'attached' });
  const before = await points(page, 'blood-pressure');
  eq(before, 0, 'no blood pressure yet (nothing collected)');

  step('enter a blood pressure: it shows in the table and the chart');
  await systolic.fill('131');
  await diastolic.fill('87');
  await form.getByRole('button', { name: 'Opslaan' }).click();
  await page.getByRole('status').filter({ hasText: 'Bloeddruk opgeslagen.' }).waitFor();
  await page.waitForFunction(() => document.querySelector('.chart[data-kind="blood-pressure"]')?.dataset.points === '1');
  check(await page.locator('.chart[data-kind="blood-pressure"] canvas').count() >= 1, 'the chart is drawn (a canvas)');
  const first = page.locator('table.points tbody tr').first();
  const cells = await first.locator('td').allTextContents();
  check(cells[0] === '131' && cells[1] === '87' && /Zelf ingevuld/.test(cells[2]), 'the table\'s first row is the new blood pressure', cells);
  check(/^1 meting, op /.test(await page.locator('figure.chart-figure figcaption').textContent()), 'the chart\'s text summary counts it');

  step('a value out of range is stopped at its field');
  await systolic.fill('400');
  await diastolic.fill('80');
  await form.getByRole('button', { name: 'Opslaan' }).click();
  const err = page.locator(`#${(await systolic.getAttribute('aria-describedby')).split(' ').pop()}`);
  check(/tussen 40 en 300/.test(await err.textContent()), 'the systolic field says its range', await err.textContent());
  eq(await systolic.getAttribute('aria-invalid'), 'true', 'the systolic field is marked invalid');
  eq(await err.getAttribute('role'), 'alert', 'the field error is announced');
  check(await page.evaluate(() => document.activeElement?.name) === 'systolic', 'the focus is on the wrong field');
  await app.shot('measurements-error');

  step('the server\'s refusal is shown at its field too');
  await systolic.fill('80');
  await diastolic.fill('95');
  await form.getByRole('button', { name: 'Opslaan' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('form.measure-form .field-error')].some((e) => !e.hidden && e.textContent.length > 3));
  const serverErr = await page.locator('form.measure-form .field-error:not([hidden])').allTextContents();
  check(serverErr.length === 1, 'one field carries the server\'s message', serverErr);
  eq(await points(page, 'blood-pressure'), 1, 'nothing was stored');

  step('the sample CSV has the documented columns');
  const columns = await page.locator('table.csv-columns tbody th').allTextContents();
  eq(columns.join(','), 'time,kind,value,unit', 'the page lists the CSV columns');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('a.sample-csv').click()]);
  const sample = fs.readFileSync(await dl.path(), 'utf8').split(/\r?\n/).filter(Boolean);
  eq(sample[0], 'time,kind,value,unit', 'the sample\'s header');
  check(sample.some((l) => /,blood-pressure,\d+\/\d+,/.test(l)), 'the sample has a blood pressure as systolic/diastolic', sample);

  step('a CSV of 3 lines gives 3 more points');
  const day = (n) => new Date(Date.now() - n * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const csv = `time,kind,value,unit\n${day(3)},blood-pressure,122/78,mm[Hg]\n${day(2)},blood-pressure,126/80,mm[Hg]\n${day(1)},blood-pressure,129/83,mm[Hg]\n`;
  const n0 = await rows(page);
  await page.getByLabel('CSV-bestand').setInputFiles({ name: 'bloeddruk.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Inlezen' }).click();
  await page.locator('.import-result').getByText('3 metingen ingelezen.').waitFor();
  await page.waitForFunction(() => document.querySelector('.chart[data-kind="blood-pressure"]')?.dataset.points === '4');
  eq(await rows(page), n0 + 3, 'three more rows in the table');
  eq(await points(page, 'blood-pressure'), 4, 'three more points in the chart');
  await app.shot('measurements');

  step('a CSV with a bad line lists it and stores nothing');
  await page.getByLabel('CSV-bestand').setInputFiles({ name: 'fout.csv', mimeType: 'text/csv', buffer: Buffer.from(`time,kind,value\n${day(1)},blood-pressure,120/80\n${day(1)},heart-rate,abc\n`) });
  await page.getByRole('button', { name: 'Inlezen' }).click();
  const errors = page.locator('.import-result ul.import-errors li');
  await errors.first().waitFor();
  const lines = await errors.allTextContents();
  check(lines.some((l) => /^Regel 3\b/.test(l)), 'the bad line is named by its number', lines);
  eq(await points(page, 'blood-pressure'), 4, 'nothing of that file was stored');

  step('another kind: weight');
  await page.getByRole('button', { name: 'Gewicht' }).click();
  const wform = page.locator('form.measure-form[data-kind="body-weight"]');
  await wform.waitFor();
  await wform.getByLabel(/Gewicht/).fill('72,4');
  await wform.getByRole('button', { name: 'Opslaan' }).click();
  await page.waitForFunction(() => document.querySelector('.chart[data-kind="body-weight"]')?.dataset.points === '1');
  const wcells = await page.locator('table.points tbody tr').first().locator('td').allTextContents();
  eq(wcells[0], '72,4', 'a decimal comma is read as a decimal (Dutch)');

  step('an own entry can be deleted (asks first)');
  await page.getByRole('button', { name: /^Meting van .* verwijderen$/ }).first().click();
  await page.getByRole('button', { name: 'Verwijderen', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Meting verwijderd.' }).waitFor();
  await page.waitForFunction(() => document.querySelector('.chart[data-kind="body-weight"]')?.dataset.points === '0');
  const api = await page.evaluate(async () => (await (await fetch('/api/measurements?kind=body-weight', { credentials: 'same-origin' })).json()).points.length);
  eq(api, 0, 'the PGO no longer has it');
});
