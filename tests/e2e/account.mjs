// e2e/account: the account page. It names the account; its language choice turns the app to
// English and back; "link a new app" shows a QR code and the new secret, refuses a wrong code at
// the field, and confirms with a code of the new secret; after logging out (the page's own
// button) a code of the old secret no longer logs in and one of the new secret does.
import { withApp, check, eq, step, sleep, freshTotp, loginInApp, lastStep, checkA11y } from './lib.mjs';

await withApp('account', {}, async (app) => {
  const { page } = app;
  const jan = app.account('pgo', 'jan');
  const main = page.locator('main');

  step('the account page');
  await app.login('jan');
  await page.waitForURL(/#\/records$/);
  await page.locator('#nav').getByRole('link', { name: 'Account' }).click();
  await page.waitForURL(/#\/account$/);
  await main.getByText(jan.username, { exact: true }).waitFor();

  step('its language choice');
  await main.getByLabel('Taal').selectOption('en');
  await main.getByRole('button', { name: 'Link a new app' }).waitFor();
  eq(await page.getAttribute('html', 'lang'), 'en', '<html lang> is English');
  await main.getByLabel('Language').selectOption('nl');
  await main.getByRole('button', { name: 'Nieuwe app koppelen' }).waitFor();

  step('a new authenticator: QR code and secret, a wrong code refused, the right one confirms');
  await main.getByRole('button', { name: 'Nieuwe app koppelen' }).click();
  const qr = main.getByRole('img', { name: /QR-code/ });
  await qr.waitFor();
  check(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code renders');
  const secret = ((await page.locator('#new-totp-secret').textContent()) || '').replace(/\s+/g, '');
  check(/^[A-Z2-7]{16,}$/.test(secret) && secret !== jan.totp_secret, 'a new secret is shown', secret);
  const code = main.getByLabel('Code uit de nieuwe app');
  // The account keeps one last used step for both secrets: the new one's code must be of a later
  // step than the login's (a person would wait for the next code, as the page says).
  lastStep.set(secret, lastStep.get(jan.totp_secret));
  const right = await freshTotp(secret);
  await code.fill(right === '000000' ? '111111' : '000000');
  await main.getByRole('button', { name: 'Bevestigen' }).click();
  await page.waitForFunction(() => document.querySelector('main input[name="code"]')?.getAttribute('aria-invalid') === 'true');
  check(true, 'a wrong code is refused at the field');
  await app.shot('account-totp');
  await checkA11y(page, 'the account page');
  await sleep(1500);
  await code.fill(right);
  await main.getByRole('button', { name: 'Bevestigen' }).click();
  await page.getByRole('status').filter({ hasText: 'Je nieuwe authenticator-app is gekoppeld.' }).waitFor();

  step('after logging out the old secret no longer works, the new one does');
  await main.getByRole('button', { name: 'Uitloggen' }).click();
  await page.waitForURL(/#\/login$/);
  await loginInApp(page, app.appUrl, jan);
  await page.getByRole('alert').filter({ hasText: 'Gebruikersnaam, wachtwoord of code klopt niet.' }).waitFor();
  check(true, 'a code of the old secret is refused');
  await sleep(2500); // the backoff after a failed login
  await loginInApp(page, app.appUrl, { ...jan, totp_secret: secret });
  await page.waitForURL(/#\/records$/);
  await page.getByText(`Ingelogd als ${jan.username}`).waitFor();
  check(true, 'a code of the new secret logs in');
});
