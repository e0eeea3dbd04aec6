// e2e/delete: deleting the account. Jan enters a measurement; the data screen says what deletion
// removes and that the access log stays, and offers the export first (a zip downloads); a wrong
// username is stopped at its field; a wrong password is refused by the PGO and shown, and Jan is
// still logged in; with the right password, code and username the account is deleted and the app
// is on the login page with a message; logging in again fails, in the app and at the API.
import { withApp, check, eq, step, freshTotp, loginInApp } from './lib.mjs';

await withApp('delete', {}, async (app) => {
  const { page } = app;
  const acct = app.account('pgo', 'jan');

  step('log in, enter a measurement');
  await app.login('jan');
  await page.waitForURL(/#\/records$/);
  await page.goto(`${app.appUrl}#/measurements`);
  const form = page.locator('form.measure-form[data-kind="blood-pressure"]');
  await form.getByLabel('Bovendruk (systolisch)').fill('125');
  await form.getByLabel('Onderdruk (diastolisch)').fill('80');
  await form.getByRole('button', { name: 'Opslaan' }).click();
  await page.getByRole('status').filter({ hasText: 'Bloeddruk opgeslagen.' }).waitFor();

  step('the data screen explains the deletion and offers the export first');
  await page.goto(`${app.appUrl}#/data`);
  const section = page.locator('section.data-delete');
  await section.waitFor();
  const text = await section.textContent();
  check(/Het toegangslog blijft bewaard/.test(text), 'it says the access log stays', text);
  check(/verbindingen met zorgaanbieders/.test(text) && /alle eerdere versies/.test(text), 'it says what is deleted', text);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), section.getByRole('button', { name: 'Eerst alles downloaden' }).click()]);
  check(/\.zip$/.test(dl.suggestedFilename()), 'the export offered first downloads a zip', dl.suggestedFilename());

  step('a wrong username is stopped at its field');
  await section.getByLabel('Wachtwoord').fill(acct.password);
  await section.getByLabel('Code uit je authenticator-app').fill('123456');
  const confirm = section.getByLabel(/^Typ je gebruikersnaam/);
  await confirm.fill('iemand.anders');
  await section.getByRole('button', { name: 'Account definitief verwijderen' }).click();
  eq(await confirm.getAttribute('aria-invalid'), 'true', 'the username field is marked');
  check(/Dit is niet je gebruikersnaam/.test(await section.textContent()), 'and says why');

  step('a wrong password is refused; still logged in');
  // In a second tab of the same session: the PGO's 403 is logged by the browser as a failed
  // resource, which the main tab's watch would count as an error of the app.
  const tab = await app.context.newPage();
  await tab.goto(`${app.appUrl}#/data`);
  const section2 = tab.locator('section.data-delete');
  await section2.getByLabel('Wachtwoord').fill('niet-het-wachtwoord');
  await section2.getByLabel('Code uit je authenticator-app').fill(await freshTotp(acct.totp_secret));
  await section2.getByLabel(/^Typ je gebruikersnaam/).fill(acct.username);
  await section2.getByRole('button', { name: 'Account definitief verwijderen' }).click();
  await section2.locator('.msg-error').getByText('Wachtwoord of code klopt niet.').waitFor();
  check(/#\/data$/.test(tab.url()), 'still on the data screen', tab.url());
  const me = await tab.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).status);
  eq(me, 200, 'the session is still there');
  await tab.close();

  step('delete with password, code and username: the login page with a message');
  await section.getByLabel('Wachtwoord').fill(acct.password);
  await section.getByLabel('Code uit je authenticator-app').fill(await freshTotp(acct.totp_secret));
  await confirm.fill(acct.username);
  await section.getByRole('button', { name: 'Account definitief verwijderen' }).click();
  await page.waitForURL(/#\/login$/, { timeout: 60000 });
  await page.locator('#account-deleted').getByText('Je account en gegevens zijn verwijderd.').waitFor();
  const after = await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).status);
  eq(after, 401, 'the session is gone');

  step('logging in again fails');
  await loginInApp(page, app.appUrl, acct);
  await page.locator('main [role=alert]').first().waitFor();
  check(/#\/login/.test(page.url()), 'the app stays on the login page', page.url());
  const api = await page.evaluate(async ({ username, password, totp }) => {
    const r = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password, totp }) });
    return r.status;
  }, { username: acct.username, password: acct.password, totp: await freshTotp(acct.totp_secret) });
  eq(api, 401, 'the PGO refuses the login');
});
