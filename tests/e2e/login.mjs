// e2e/login: the app's login page in chromium against a demo network's PGO: without a session the
// app goes to #/login; empty fields and a malformed code are refused at their fields
// (aria-invalid, the error text tied with aria-describedby); a wrong code is refused by the PGO
// and announced (role=alert); the demo account with a fresh TOTP code logs in (menu, who is
// logged in, the records page); the language switch turns the app and <html lang> to English and
// survives a reload; logging out ends the session at the PGO; the keyboard alone logs in.
import { withApp, check, eq, step, sleep, freshTotp, totp, checkA11y } from './lib.mjs';

await withApp('login', {}, async (app) => {
  const { page } = app;
  const jan = app.account('pgo', 'jan');

  step('without a session the app shows the login page');
  await page.goto(app.appUrl);
  await page.waitForURL(/#\/login$/);
  await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
  eq(await page.getAttribute('html', 'lang'), 'nl', '<html lang> is Dutch by default');
  eq(await page.title(), 'Inloggen · regie', 'the page title names the screen');
  check(!(await page.locator('#nav').isVisible()), 'no menu without a session');
  await app.shot('login');
  await checkA11y(page, 'the login page');

  step('empty fields are refused at the fields, before the PGO is asked');
  await page.getByRole('button', { name: 'Inloggen' }).click();
  const user = page.getByLabel('Gebruikersnaam');
  eq(await user.getAttribute('aria-invalid'), 'true', 'the empty username is marked invalid');
  const describedBy = (await user.getAttribute('aria-describedby')) || '';
  const errorText = describedBy ? await page.locator(`[id="${describedBy.split(' ').pop()}"]`).textContent() : '';
  eq(errorText, 'Vul dit veld in.', 'the error text is tied to the field (aria-describedby)');
  check(await user.evaluate((el) => el === document.activeElement), 'the focus moves to the first wrong field');

  step('a malformed code is refused at the code field');
  await user.fill(jan.username);
  await page.getByLabel('Wachtwoord').fill(jan.password);
  await page.getByLabel('Code uit de authenticator-app').fill('12ab');
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.getByText('De code bestaat uit 6 cijfers.').waitFor();

  step('a wrong code is refused by the PGO and announced');
  // A code of a step an hour away: right format, never valid now.
  const wrong = totp(jan.totp_secret, 0, Math.floor(Date.now() / 30000) + 120);
  await page.getByLabel('Code uit de authenticator-app').fill(wrong);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Gebruikersnaam, wachtwoord of code klopt niet.' });
  await alert.waitFor();
  check(/#\/login$/.test(page.url()), 'still on the login page after a wrong code', page.url());
  eq(await page.getByLabel('Code uit de authenticator-app').inputValue(), '', 'the wrong code is cleared');
  await app.shot('login-wrong-code');
  await sleep(2500); // the PGO's backoff after a failure (1 s) before the next try

  step('the demo account logs in with password and a fresh code');
  await page.getByLabel('Gebruikersnaam').fill(jan.username);
  await page.getByLabel('Wachtwoord').fill(jan.password);
  await page.getByLabel('Code uit de authenticator-app').fill(await freshTotp(jan.totp_secret));
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.waitForURL(/#\/records$/);
  await page.getByRole('heading', { level: 1, name: 'Mijn gegevens' }).waitFor();
  check(await page.locator('#nav').isVisible(), 'the menu shows after login');
  eq(await page.locator('#nav a[aria-current="page"]').textContent(), 'Mijn gegevens', 'the menu marks the current page');
  await page.getByText(`Ingelogd als ${jan.username}`).waitFor();
  for (const name of ['Zorgaanbieders', 'Metingen', 'Delen', 'Toegangslog', 'Account']) {
    check(await page.locator('#nav').getByRole('link', { name, exact: false }).count() > 0, `the menu has ${name}`);
  }
  const me = await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).json());
  eq(me.username, jan.username, 'the session is the demo account\'s');

  step('the language switch turns the app to English and is remembered');
  await page.locator('#lang-switch').selectOption('en');
  await page.getByRole('heading', { level: 1, name: 'My records' }).waitFor();
  eq(await page.getAttribute('html', 'lang'), 'en', '<html lang> follows the switch');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'My records' }).waitFor();
  eq(await page.getAttribute('html', 'lang'), 'en', 'English after a reload (localStorage)');
  await page.locator('#lang-switch').selectOption('nl');
  await page.getByRole('heading', { level: 1, name: 'Mijn gegevens' }).waitFor();

  step('a page that needs a session is not shown after logging out');
  await page.locator('header').getByRole('button', { name: 'Uitloggen' }).click();
  await page.waitForURL(/#\/login$/);
  const after = await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).status);
  eq(after, 401, 'the PGO ended the session');
  await page.goto(`${app.appUrl}#/records`);
  await page.waitForURL(/#\/login$/);
  check(true, 'a deep link without a session lands on the login page');

  step('with the keyboard only: Tab to the fields, Enter logs in');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
  const focused = () => page.evaluate(() => document.activeElement && (document.activeElement.name || document.activeElement.id || document.activeElement.tagName));
  let tabs = 0;
  while ((await focused()) !== 'username' && tabs < 10) {
    await page.keyboard.press('Tab');
    tabs++;
  }
  eq(await focused(), 'username', 'Tab reaches the username field');
  await page.keyboard.type(jan.username);
  await page.keyboard.press('Tab');
  eq(await focused(), 'password', 'then the password');
  await page.keyboard.type(jan.password);
  await page.keyboard.press('Tab');
  eq(await focused(), 'totp', 'then the code');
  await page.keyboard.type(await freshTotp(jan.totp_secret));
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/records$/);
  await page.getByRole('heading', { level: 1, name: 'Mijn gegevens' }).waitFor();
  check(true, 'Enter in the form logs in');
});
