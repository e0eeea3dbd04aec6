// e2e/session: the app and the end of a session. The PGO here ends a session after 130 s without
// use ([accounts] session_idle; it notes a use at most once a minute, so less would not move on). A minute before the end the app warns (role=alert) and offers to
// stay logged in, which moves the end on (GET /api/me); left alone, the app goes to the login page
// when the session ends and says why, and the PGO has ended it too.
import { withApp, check, eq, step } from './lib.mjs';

const IDLE_S = 130;

await withApp('session', { extra: { pgo: { accounts: [`session_idle = ${IDLE_S}s`] } } }, async (app) => {
  const { page } = app;

  step('log in; /api/me says when the session ends');
  await app.login('jan');
  await page.waitForURL(/#\/records$/);
  const me = await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).json());
  eq(me.session_idle_seconds, IDLE_S, 'the PGO tells the idle time');
  const left = (new Date(me.session_expires).getTime() - Date.now()) / 1000;
  check(left > IDLE_S - 10 && left <= IDLE_S + 1, 'session_expires is the idle end', { left });

  step('a minute before the end the app warns');
  const warning = page.getByRole('alert').filter({ hasText: 'Je sessie loopt over een minuut af.' });
  await warning.waitFor({ timeout: (IDLE_S - 60 + 15) * 1000 });
  await app.shot('session-warning');

  step('"stay logged in" moves the end on');
  const before = Date.now();
  await page.getByRole('button', { name: 'Ingelogd blijven' }).click();
  await warning.waitFor({ state: 'hidden' });
  check(true, 'the warning goes away');

  step('left alone, the app shows the login page when the session ends, and says why');
  await page.waitForURL(/#\/login$/, { timeout: (IDLE_S + 20) * 1000 });
  const after = (Date.now() - before) / 1000;
  check(after > IDLE_S - 5, 'the session lasted its idle time after "stay logged in"', { after });
  await page.getByRole('alert').filter({ hasText: 'Je sessie is verlopen. Log opnieuw in.' }).waitFor();
  const status = await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).status);
  eq(status, 401, 'the PGO ended the session too');
  check(!(await page.locator('#nav').isVisible()), 'no menu after the session ended');
});
