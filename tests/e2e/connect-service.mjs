// Connects one data service of a DVA from the app's providers page by its id (the service row's
// data-service), not by the button's text: the text names the provider's display name, which the
// PGO knows only when the node has one (without it the page shows the MedMij name). Then the DVA's
// own login and consent pages, as a person fills them in (lib.mjs), and back to #/providers.
// Answers the URL the PGO sent the browser back to.
import { dvaLoginAndConsent } from './lib.mjs';

export async function connectService(app, dvaKey, person, serviceId, { page = app.page, atConsent = null } = {}) {
  const dva = app.net.node(dvaKey);
  await page.goto(`${app.appUrl}#/providers`);
  await page.getByLabel('Naam van de zorgaanbieder').fill(dva.name.replace(/@medmij$/, ''));
  const row = page.locator(`li.provider[data-provider="${dva.name}"] li.service-row[data-service="${serviceId}"]`);
  await row.waitFor();
  await row.getByRole('button').click();
  await page.waitForURL((u) => u.host === new URL(dva.url).host);
  await dvaLoginAndConsent(page, app.net.account(dvaKey, person), { atConsent });
  let back = null;
  const pgoHost = new URL(app.pgo.url).host;
  await page.waitForURL((u) => {
    if (u.host === pgoHost && /#\/providers\?connection=/.test(u.hash)) back = u.toString();
    return u.host === pgoHost && u.hash.startsWith('#/providers');
  }, { timeout: 120000 });
  await page.locator('#connections').waitFor();
  return back || page.url();
}
