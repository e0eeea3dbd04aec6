// e2e/share: sharing a measurement with the GP as a patient clicks it. Log in; the share screen
// first explains that a share connection is needed and links to the providers; enter a blood
// pressure; connect the GP's share service (53, "Meetwaarden delen") through the GP's own login
// and consent pages; on the share screen choose the connection and the blood pressure, confirm,
// see the outcome per entry (stored at the GP) and the share in the history (with whom, what,
// outcome). Then check that it arrived at the GP the way tests/medmij/share.mjs does: connect the
// GP's vital signs service (49), which collects the GP's copy back, and find the same blood
// pressure with the GP as its source.
import { withApp, check, eq, step } from './lib.mjs';
import { connectService } from './connect-service.mjs';

await withApp('share', {}, async (app) => {
  const { page } = app;
  const gp = app.net.node('gp');
  const person = 'fatima';
  // The GP as the app names it: its display name when the PGO knows one, else its MedMij name.
  const GP = /Huisartsenpraktijk De Linde|huisartsdelinde@medmij/;

  step('log in; without a share connection the screen explains and links to the providers');
  await app.login(person);
  await page.waitForURL(/#\/records$/);
  await page.locator('#nav').getByRole('link', { name: 'Delen' }).click();
  await page.getByText('Je hebt nog geen verbinding om metingen te delen.', { exact: false }).waitFor();
  eq(await page.getByRole('link', { name: 'Naar Zorgaanbieders' }).getAttribute('href'), '#/providers', 'the explanation links to the providers');
  eq(await page.locator('form.share-form').count(), 0, 'no share form without a share connection');

  step('enter a blood pressure');
  await page.goto(`${app.appUrl}#/measurements`);
  const form = page.locator('form.measure-form[data-kind="blood-pressure"]');
  await form.getByLabel('Bovendruk (systolisch)').fill('133');
  await form.getByLabel('Onderdruk (diastolisch)').fill('86');
  await form.getByRole('button', { name: 'Opslaan' }).click();
  await page.waitForFunction(() => document.querySelector('.chart[data-kind="blood-pressure"]')?.dataset.points === '1');
  const mine = await page.evaluate(async () => (await (await fetch('/api/measurements?kind=blood-pressure', { credentials: 'same-origin' })).json()).points[0]);
  check(mine && mine.systolic === 133 && mine.diastolic === 86, 'the PGO holds it', mine);

  step('connect the GP\'s share service through its login and consent pages');
  const back = await connectService(app, 'gp', person, '53', {
    atConsent: async (p) => {
      check(new URL(p.url()).host === new URL(gp.url).host, 'the consent page is the GP\'s own', p.url());
    },
  });
  check(/status=connected/.test(back), 'the share connection is made', back);

  step('share the blood pressure: choose, confirm, the outcome per entry');
  await page.locator('#nav').getByRole('link', { name: 'Delen' }).click();
  const shareForm = page.locator('form.share-form');
  await shareForm.waitFor();
  const conn = shareForm.getByLabel(/Meetwaarden delen$/);
  await conn.check();
  await shareForm.locator('fieldset.kind-points[data-kind="blood-pressure"] input[type=checkbox]').first().check();
  await app.shot('share-choose');
  await shareForm.getByRole('button', { name: 'Controleren' }).click();
  const confirm = page.locator('.share-confirm');
  await confirm.getByText(/^Je deelt 1 meting met (Huisartsenpraktijk De Linde.*|huisartsdelinde@medmij) \(Meetwaarden delen\)\.$/).waitFor();
  check(/133\/86/.test(await confirm.textContent()), 'the confirmation lists the blood pressure', await confirm.textContent());
  await confirm.getByRole('button', { name: 'Ja, delen' }).click();
  const entries = page.locator('table.share-entries tbody tr');
  await entries.first().waitFor({ timeout: 60000 });
  eq(await entries.count(), 1, 'one entry in the outcome');
  eq(await entries.first().getAttribute('data-status'), '201', 'the GP stored it (201)');
  check(/Opgeslagen/.test(await entries.first().textContent()), 'the entry says stored');
  check(/1 opgeslagen bij/.test(await page.locator('.share-result').textContent()), 'the summary counts one stored');

  step('the history: with whom, when, what, outcome');
  const hist = page.locator('.share-history-table tbody tr');
  await hist.first().waitFor();
  eq(await hist.count(), 1, 'one share in the history');
  const cells = await hist.first().locator('th, td').allTextContents();
  check(cells[0].length > 5 && GP.test(cells[1]) && /^1 meting$/.test(cells[2]) && /1 stored, 0 refused/.test(cells[3]), 'the history row names when, the GP, what and the outcome', cells);
  await app.shot('share');

  step('it arrived at the GP: the vital signs service collects the GP\'s copy back');
  const back2 = await connectService(app, 'gp', person, '49');
  check(/status=connected/.test(back2), 'the vital signs connection is made', back2);
  const pts = await page.evaluate(async () => (await (await fetch('/api/measurements?kind=blood-pressure', { credentials: 'same-origin' })).json()).points);
  const fromGp = pts.filter((p) => p.source && p.source !== 'self');
  check(fromGp.some((p) => p.systolic === 133 && p.diastolic === 86 && Date.parse(p.time) === Date.parse(mine.time)),
    'the shared blood pressure came back from the GP, with the same time', pts);
  await page.goto(`${app.appUrl}#/measurements`);
  await page.locator('table.points tbody tr').first().waitFor();
  const sources = await page.locator('table.points tbody tr td:nth-child(4)').allTextContents();
  check(sources.some((s) => GP.test(s) || s.includes(gp.fhir)), 'the table shows the GP as a source', sources);
});
