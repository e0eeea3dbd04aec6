// e2e/log: the access log in the app (GET /api/audit). After logging in and connecting to the GP
// (which collects at once), the log lists, newest first and in words: the collection from the GP
// (by the PGO for the patient, purpose MedMij collect), the consent, the login, the reading of the
// records; each with a time and an outcome; reading the log is itself listed next time; English
// works too; the pager moves to older entries and back.
import { withApp, check, eq, step, connectInApp, providerLabel, checkA11y } from './lib.mjs';

await withApp('log', {}, async (app) => {
  const { page } = app;
  const gp = app.net.node('gp');

  step('log in and connect to the GP (the first collection runs at once)');
  await app.login('jan');
  await page.waitForURL(/#\/records$/);
  const gpName = await providerLabel(page, gp.name);
  await connectInApp(app, 'gp', 'jan', { query: 'De Linde' });
  await page.getByRole('status').filter({ hasText: `Verbonden met ${gpName}` }).waitFor();

  step('the log lists the collection, the consent and the login in words');
  await page.locator('#nav').getByRole('link', { name: 'Toegangslog' }).click();
  await page.waitForURL(/#\/log$/);
  const rows = page.locator('table.log tbody tr');
  await rows.first().waitFor();
  const text = await rows.allTextContents();
  check(text.some((r) => r.includes(`Gegevens opgehaald bij ${gpName}`)), 'the collection from the GP is listed', text.slice(0, 8));
  check(text.some((r) => r.includes(`Verbinding gemaakt met ${gpName}`)), 'the consent is listed', text.slice(0, 8));
  check(text.some((r) => r.includes('Gegevens bekeken')), 'reading the records is listed');
  const collectRow = rows.filter({ hasText: `Gegevens opgehaald bij ${gpName}` }).first();
  check(/gelukt/.test(await collectRow.textContent()), 'the collection succeeded');
  check(await collectRow.locator('time[datetime]').count() === 1, 'each entry has its time');
  check(/MedMij: gegevens ophalen/.test(await collectRow.textContent()), 'the purpose is named');
  const status = (await page.locator('.result-count').textContent()) || '';
  const total = Number((/van (\d+) regels/.exec(status) || [])[1]);
  check(total >= 4, 'the log says how many entries it has', status);
  await app.shot('log');
  await checkA11y(page, 'the access log');

  step('reading the log is itself in the log, newest first');
  await page.reload();
  await rows.first().waitFor();
  check(/Toegangslog bekeken/.test(await rows.first().textContent()), 'the newest entry is the previous read of the log');

  step('in English');
  await page.locator('#lang-switch').selectOption('en');
  await page.getByRole('heading', { level: 1, name: 'Access log' }).waitFor();
  await rows.first().waitFor();
  const en = await rows.allTextContents();
  check(en.some((r) => r.includes(`Data collected from ${gpName}`)), 'the collection in English', en.slice(0, 5));
  await page.locator('#lang-switch').selectOption('nl');
  await page.getByRole('heading', { level: 1, name: 'Toegangslog' }).waitFor();

  step('the pager');
  await rows.first().waitFor();
  const older = page.getByRole('button', { name: /Oudere/ });
  const newer = page.getByRole('button', { name: /Nieuwere/ });
  check(await newer.isDisabled(), 'no newer page on the first page');
  const pages = Number((/van (\d+) regels/.exec((await page.locator('.result-count').textContent()) || '') || [])[1]);
  // The login is the oldest entry: page back until there are no older ones.
  const seen = [...(await rows.allTextContents())];
  let offset = 0;
  while (!(await older.isDisabled()) && offset < 400) {
    offset += 20;
    await older.click();
    await page.waitForURL(new RegExp(`#/log\\?offset=${offset}$`));
    await page.locator('.result-count').filter({ hasText: new RegExp(`^${offset + 1}–`) }).waitFor();
    seen.push(...(await rows.allTextContents()));
  }
  check(pages > 20 ? offset > 0 : offset === 0, 'the older button pages through every entry', { pages, offset });
  check(seen.some((r) => r.includes('Ingelogd')), 'the login is listed (on the last page)');
  if (offset > 0) {
    check(!(await newer.isDisabled()), 'a newer page from an older one');
    await newer.click();
    await page.locator('.result-count').filter({ hasText: new RegExp(`^${offset - 20 + 1}–`) }).waitFor();
  }
});
