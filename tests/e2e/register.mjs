// e2e/register: signing up in the app (POST /api/register, /api/register/confirm): the two
// passwords must match (refused at the field); a taken username is refused; then the QR code (an
// image with a text alternative) and the secret for manual entry show; a wrong first code is
// refused at the code field; a code computed from the secret as shown confirms the account, which
// is then logged in (menu, the providers page); after logging out, the new account logs in again
// with its password and the next code.
import { withApp, check, eq, step, sleep, freshTotp, checkA11y } from './lib.mjs';

const USERNAME = 'e2e.nieuw';
const PASSWORD = 'een-lang-e2e-wachtwoord';

await withApp('register', {}, async (app) => {
  const { page } = app;

  step('the login page links to the sign-up page');
  await page.goto(`${app.appUrl}#/login`);
  await page.getByRole('link', { name: 'Account maken' }).click();
  await page.waitForURL(/#\/register$/);
  await page.getByRole('heading', { level: 1, name: 'Account maken' }).waitFor();

  step('passwords that differ are refused at the second field');
  await page.getByLabel('Gebruikersnaam').fill(USERNAME);
  await page.getByLabel('Wachtwoord', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Wachtwoord nog een keer').fill(`${PASSWORD}x`);
  await page.getByRole('button', { name: 'Account maken' }).click();
  await page.getByText('De wachtwoorden zijn niet gelijk.').waitFor();
  eq(await page.getByLabel('Wachtwoord nog een keer').getAttribute('aria-invalid'), 'true', 'the second password is marked invalid');

  step('a taken username is refused');
  await page.getByLabel('Gebruikersnaam').fill(app.account('pgo', 'jan').username);
  await page.getByLabel('Wachtwoord nog een keer').fill(PASSWORD);
  await page.getByRole('button', { name: 'Account maken' }).click();
  await page.getByText('Deze gebruikersnaam is al in gebruik.').waitFor();
  check(true, 'the PGO\'s 409 exists is shown in words');
  await sleep(2500); // a refused sign-up counts for the address's backoff (1 s, then 2 s)

  step('a new username gets a QR code and the secret to type');
  await page.getByLabel('Gebruikersnaam').fill(USERNAME);
  await page.getByRole('button', { name: 'Account maken' }).click();
  await page.getByRole('heading', { level: 2, name: /Stap 2/ }).waitFor();
  const qr = page.getByRole('img', { name: /QR-code/ });
  await qr.waitFor();
  const src = (await qr.getAttribute('src')) || '';
  check(src.startsWith('data:image/svg+xml;base64,'), 'the QR code is the PGO\'s SVG as an image', src.slice(0, 40));
  check(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code image renders (allowed by the CSP)');
  const shown = (await page.locator('#totp-secret').textContent()) || '';
  const secret = shown.replace(/\s+/g, '');
  check(/^[A-Z2-7]{16,}$/.test(secret), 'the secret is shown as base32 for manual entry', shown);
  await app.shot('register-qr');
  await checkA11y(page, 'the sign-up QR step');

  step('a wrong first code is refused at the code field');
  const right = await freshTotp(secret);
  const wrong = right === '000000' ? '111111' : '000000';
  await page.getByLabel('Eerste code uit de app').fill(wrong);
  await page.getByRole('button', { name: 'Bevestigen' }).click();
  const codeField = page.getByLabel('Eerste code uit de app');
  await page.waitForFunction(() => document.querySelector('input[name="code"]')?.getAttribute('aria-invalid') === 'true');
  const errId = ((await codeField.getAttribute('aria-describedby')) || '').split(' ').pop();
  const errText = errId ? await page.locator(`[id="${errId}"]`).textContent() : '';
  check(/code klopt niet/.test(errText || ''), 'the code field says the code is wrong', errText);
  await sleep(2500); // any login backoff after the failure

  step('the code computed from the shown secret confirms the account and logs it in');
  await page.getByLabel('Eerste code uit de app').fill(right);
  await page.getByRole('button', { name: 'Bevestigen' }).click();
  await page.waitForURL(/#\/providers$/);
  await page.getByText(`Ingelogd als ${USERNAME}`).waitFor();
  check(await page.locator('#nav').isVisible(), 'the menu shows for the new account');
  const me = await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).json());
  eq(me.username, USERNAME, 'the session is the new account\'s');
  check(typeof me.subject === 'string' && me.subject.length > 0, 'the new account has a subject', me);

  step('the new account logs in again with its password and the next code');
  await page.locator('header').getByRole('button', { name: 'Uitloggen' }).click();
  await page.waitForURL(/#\/login$/);
  await page.getByLabel('Gebruikersnaam').fill(USERNAME);
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await page.getByLabel('Code uit de authenticator-app').fill(await freshTotp(secret));
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.waitForURL(/#\/records$/);
  await page.getByText(`Ingelogd als ${USERNAME}`).waitFor();
  await page.getByText('Nog geen gegevens.', { exact: false }).waitFor();
  check(true, 'a new account has no records yet and is told how to get them');
});
