// e2e/collect: the collect flow as a patient clicks it. Log in; find the GP with a typo
// ("huisarts de lidne"); connect its Basisgegevens Zorg service; the browser goes to the GP's own
// login page (the stand-in for DigiD) and consent page, filled in as a person would; back at the
// app the success is shown and the connection is listed as connected with its last collection; the
// records page shows the collected records grouped as BgZ sections, each with the GP as source,
// filters by section, by source and by text, and opens one item; collect again shows its busy
// state and the result; disconnect asks first, and then the connection is disconnected.
import { withApp, check, eq, step, connectInApp, providerLabel, checkA11y } from './lib.mjs';

await withApp('collect', {}, async (app) => {
  const { page } = app;
  const gp = app.net.node('gp');

  step('log in');
  await app.login('jan');
  await page.waitForURL(/#\/records$/);
  await page.getByText('Nog geen gegevens.', { exact: false }).waitFor();
  const gpName = await providerLabel(page, gp.name); // the PGO's display name for the GP, else its MedMij name
  await page.getByRole('link', { name: 'Naar zorgaanbieders' }).click();
  await page.waitForURL(/#\/providers$/);
  await page.getByText('Je hebt nog geen verbindingen.', { exact: false }).waitFor();

  step('find the GP with a typo, connect, log in and consent at the GP');
  let sawLogin = false;
  const back = await connectInApp(app, 'gp', 'jan', {
    query: 'huisarts de lidne',
    atResults: async (p, card) => {
      check(await card.getByText('bedoel je deze?').count() === 1, 'a fuzzy match asks "did you mean"');
      check(await card.getByText('Basisgegevens Zorg').count() >= 1, 'the GP\'s services are listed');
      await app.shot('providers-search');
    },
    atConsent: async (p) => {
      sawLogin = true;
      check(new URL(p.url()).host === new URL(gp.url).host, 'the consent page is the GP\'s own', p.url());
      await app.shot('dva-consent');
    },
  });
  check(sawLogin, 'the GP\'s login and consent pages were shown');
  check(/#\/providers\?connection=\d+&status=connected/.test(back), 'the PGO sent the browser back with the connection and its status', back);
  const success = page.getByRole('status').filter({ hasText: `Verbonden met ${gpName}` });
  await success.waitFor();
  await page.waitForFunction(() => location.hash === '#/providers');
  check(true, 'the status query is removed from the address after it was shown');
  const conn = page.locator('#connections li.connection').first();
  eq(await conn.getAttribute('data-state'), 'connected', 'the connection is listed as connected');
  check(/Basisgegevens Zorg/.test(await conn.textContent()), 'the connection names the service');
  const last = (await conn.locator('.last-collected').textContent()) || '';
  check(/geleden|seconden|nu|minuut/.test(last) && /\d{4}/.test(last), 'last collected is shown relative and absolute', last);
  await app.shot('providers');
  await checkA11y(page, 'the providers page');

  step('the records, grouped as BgZ sections, with the GP as source');
  await page.locator('#nav').getByRole('link', { name: 'Mijn gegevens' }).click();
  await page.waitForURL(/#\/records$/);
  await page.locator('#record-sections section').first().waitFor({ timeout: 60000 });
  const sections = await page.locator('#record-sections section').evaluateAll((els) => els.map((e) => e.dataset.section));
  for (const s of ['problems', 'medication', 'allergies', 'vaccinations', 'vitals']) check(sections.includes(s), `the ${s} section is shown`, sections);
  const firstProblem = page.locator('section[data-section="problems"] li.record').first();
  const problemTitle = ((await firstProblem.locator('.record-title').textContent()) || '').trim();
  check(problemTitle.length > 0 && !/^Condition/.test(problemTitle), 'a problem has a human title', problemTitle);
  eq(((await firstProblem.locator('.record-source').textContent()) || '').trim(), `Van: ${gpName}`, 'a problem names its source');
  const sources = await page.locator('li.record .record-source').allTextContents();
  check(sources.length > 10 && sources.every((s) => s.includes(gpName) || s.includes('Zelf ingevoerd')), 'every collected item names the GP', sources.slice(0, 5));
  const countText = (await page.locator('.result-count').textContent()) || '';
  await app.shot('records');
  await checkA11y(page, 'the records page');
  // 320 px wide (a small phone): nothing sticks out sideways.
  await page.setViewportSize({ width: 320, height: 640 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 320, 'the records page fits 320 px without scrolling sideways', { scrollWidth: wide });
  await app.shot('records-mobile', page, { fullPage: false });
  await page.setViewportSize({ width: 1280, height: 900 });

  step('filter by section, by source and by text');
  await page.getByLabel('Onderdeel').selectOption('allergies');
  const onlyAllergies = await page.locator('#record-sections section').evaluateAll((els) => els.map((e) => e.dataset.section));
  eq(onlyAllergies.join(','), 'allergies', 'the section filter shows one section');
  await page.getByLabel('Onderdeel').selectOption('');
  await page.getByLabel('Bron').selectOption({ label: gpName });
  eq((await page.locator('.result-count').textContent()) || '', countText, 'the GP as source keeps every collected item');
  await page.getByLabel('Bron').selectOption('');
  const word = problemTitle.split(/\s+/).find((w) => w.length > 4) || problemTitle;
  await page.getByLabel('Zoeken in je gegevens').fill(word.toLowerCase());
  await page.waitForFunction((w) => [...document.querySelectorAll('li.record .record-title')].length > 0 &&
    [...document.querySelectorAll('li.record')].length < 50, word);
  const titles = await page.locator('li.record').allTextContents();
  check(titles.some((x) => x.includes(problemTitle)), 'the search finds the problem by a word of its title', { word, titles: titles.slice(0, 5) });
  await page.getByLabel('Zoeken in je gegevens').fill('qqqzzznietsvindbaar');
  await page.getByText('Niets gevonden met deze zoekopdracht of filters.').waitFor();
  await page.getByLabel('Zoeken in je gegevens').fill('');

  step('one item in detail');
  await page.locator('section[data-section="problems"] li.record .record-title').first().click();
  await page.waitForURL(/#\/records\?type=Condition&id=/);
  await page.getByRole('heading', { level: 1, name: problemTitle }).waitFor();
  await page.locator('dl.detail').getByText(gpName).waitFor();
  check(await page.locator('details.technical').count() === 1, 'the FHIR resource is one click away');
  await app.shot('record-detail');
  await checkA11y(page, 'an item\'s page');
  await page.getByRole('link', { name: /Terug naar mijn gegevens/ }).click();
  await page.waitForURL(/#\/records$/);

  step('collect again: busy state, then the result');
  await page.locator('#nav').getByRole('link', { name: 'Zorgaanbieders' }).click();
  const collect = page.getByRole('button', { name: `Opnieuw ophalen bij ${gpName}: Basisgegevens Zorg` });
  await collect.click();
  // The busy state (disabled, aria-busy) shows while the PGO collects (several searches at the GP).
  const busySeen = await page.waitForFunction(() => [...document.querySelectorAll('#connections button')].some((b) => b.getAttribute('aria-busy') === 'true'), null, { timeout: 5000 }).then(() => true, () => false);
  await page.getByRole('status').filter({ hasText: `Gegevens van ${gpName} opgehaald.` }).waitFor({ timeout: 120000 });
  check(busySeen, 'the collect button showed its busy state');

  step('disconnect asks first, then the connection is disconnected');
  await page.getByRole('button', { name: `Verbinding verbreken met ${gpName}: Basisgegevens Zorg` }).click();
  await page.getByText(`Verbinding met ${gpName} (Basisgegevens Zorg) verbreken?`).waitFor();
  await page.getByRole('button', { name: 'Annuleren' }).click();
  eq(await page.locator('#connections li.connection').first().getAttribute('data-state'), 'connected', 'cancel keeps the connection');
  await page.getByRole('button', { name: `Verbinding verbreken met ${gpName}: Basisgegevens Zorg` }).click();
  await page.getByRole('button', { name: 'Ja, verbreken' }).click();
  await page.getByRole('status').filter({ hasText: `De verbinding met ${gpName} is verbroken` }).waitFor();
  await page.waitForFunction(() => document.querySelector('#connections li.connection')?.dataset.state === 'revoked');
  check(true, 'the connection is listed as disconnected');
  const api = await page.evaluate(async () => (await (await fetch('/api/connections', { credentials: 'same-origin' })).json()).connections);
  eq(api && api[0] && api[0].state, 'revoked', 'the PGO has the connection revoked');
  await page.locator('#nav').getByRole('link', { name: 'Mijn gegevens' }).click();
  await page.locator('#record-sections section').first().waitFor();
  check(true, 'collected records stay after disconnecting');

  step('a refused consent comes back as an error with its reason');
  const hospital = app.net.node('hospital');
  const hospitalName = await providerLabel(page, hospital.name);
  const refused = await connectInApp(app, 'hospital', 'jan', { query: 'ziekenhuis oost', decision: 'Weigeren' });
  check(/status=error&reason=access_denied/.test(refused), 'the PGO sent the browser back with the DVA\'s error', refused);
  await page.getByRole('alert').filter({ hasText: `Verbinden met ${hospitalName} is niet gelukt: je hebt geen toestemming gegeven.` }).waitFor();
  const states = await page.locator('#connections li.connection').evaluateAll((els) => els.map((e) => e.dataset.state));
  check(!states.includes('connected'), 'no connection is connected after the refusal', states);
});
