// (d) What the network must refuse, each through the real nodes: a client not on the OCL, a host
// not on the Whitelist, a redirect to another host, a replayed code, a wrong PKCE verifier,
// expired and revoked tokens, no client certificate, a certificate of another host, patient A's
// token reading patient B, data service X's token reading type Y, and brute-force logins locked
// out (at the DVA's stand-in for DigiD and at the PGO). This script acts as the PGO back end
// itself (certificate pgo.localhost), so each rule is checked at the DVA directly.
import { check, eq, step, withNetwork, authorizeUrl, codeFlow, redeem, pkce, location, resources, sleep, formFields, freshTotp } from './lib.mjs';

const shown = (r) => r.status === 400 && !r.headers.location;

await withNetwork('negative', {
  // rogue.localhost: a certificate of the demo CA for a host on no list; notocl.localhost: on the
  // Whitelist but not on the OCL.
  hosts: ['rogue.localhost', 'notocl.localhost'],
  whitelist: ['notocl.localhost'],
  // The hospital expects the pairs scope form (one data service per token) and gives short-lived
  // access tokens, for the service and expiry checks.
  extra: { hospital: { oauth: ['scope_form = pairs', 'access_ttl = 4s'] } },
}, async (net) => {
  const gp = net.node('gp');
  const pgo = net.node('pgo');
  const p = pkce();
  const base = { clientId: 'pgo.localhost', redirectUri: pgo.redirect_uri, scope: 'huisartsdelinde', state: p.state, challenge: p.challenge };

  step('a client not on the OCL');
  let r = await net.browser().get(authorizeUrl(gp, { ...base, clientId: 'rogue.localhost', redirectUri: 'https://rogue.localhost/connect/callback' }));
  check(shown(r), `authorize: a client on no list is shown an error, never redirected (${r.status})`, r.headers.location);
  r = await net.browser().get(authorizeUrl(gp, { ...base, clientId: 'notocl.localhost', redirectUri: 'https://notocl.localhost/connect/callback' }));
  check(shown(r), `authorize: a Whitelist host that is not on the OCL is shown an error (${r.status})`, r.headers.location);
  r = await net.client('notocl.localhost').form(gp.token, { grant_type: 'authorization_code', code: 'x'.repeat(43), client_id: 'notocl.localhost', redirect_uri: 'https://notocl.localhost/connect/callback', code_verifier: p.verifier });
  eq(r.status, 401, 'token: a client not on the OCL');
  eq(r.json()?.error, 'invalid_client', 'token: ... is invalid_client');

  step('a host not on the Whitelist');
  r = await net.client('rogue.localhost').form(gp.token, { grant_type: 'authorization_code', code: 'x'.repeat(43), client_id: 'rogue.localhost', redirect_uri: 'https://rogue.localhost/cb', code_verifier: p.verifier });
  check(r.status === 403 && /CLIENT_CERT/.test(r.text), `token: a certificate of a host not on the Whitelist is refused (${r.status})`, r.text);
  r = await net.client('rogue.localhost').fhir(`${gp.fhir}/metadata`, null);
  check(r.status === 403 && /CLIENT_CERT/.test(r.text), `fhir: a host not on the Whitelist is refused (${r.status})`, r.text);

  step('a redirect to another host');
  for (const redirectUri of ['https://evil.localhost/connect/callback', 'https://pgo.localhost.evil.localhost/connect/callback', `http://pgo.localhost:${pgo.port}/connect/callback`, `${pgo.redirect_uri}?x=1`, `${pgo.redirect_uri}#f`]) {
    r = await net.browser().get(authorizeUrl(gp, { ...base, redirectUri }));
    check(shown(r), `authorize: redirect_uri ${redirectUri} is shown an error, never redirected to (${r.status})`, r.headers.location);
  }
  r = await net.browser().get(authorizeUrl(gp, { ...base, challenge: undefined }));
  const l = location(r);
  check(r.status === 302 && l && l.startsWith(pgo.redirect_uri) && /error=invalid_request/.test(l), 'authorize: without PKCE the client hears invalid_request at its redirect_uri', l);

  step('code redemption: wrong verifier, wrong redirect_uri, another host\'s certificate, replay');
  let flow = await codeFlow(net, 'gp', 'jan');
  check(flow.code, 'a code for Jan', flow.error || flow.walk?.final?.status);
  r = (await redeem(net, 'gp', flow, { verifier: pkce().verifier })).res;
  check(r.status === 400 && r.json()?.error === 'invalid_grant', `a wrong PKCE verifier is invalid_grant (${r.status})`, r.text);
  r = (await redeem(net, 'gp', flow, { redirectUri: `${pgo.url}/elsewhere` })).res;
  check(r.status === 400 && r.json()?.error === 'invalid_grant', `another redirect_uri is invalid_grant (${r.status})`, r.text);
  r = (await redeem(net, 'gp', flow, { certHost: 'gp.localhost' })).res;
  check(r.status === 401 && r.json()?.error === 'invalid_client', `client_id pgo.localhost with the certificate of gp.localhost is invalid_client (${r.status})`, r.text);
  r = (await redeem(net, 'gp', flow, { certHost: null })).res;
  check(r.status === 403 && /CLIENT_CERT/.test(r.text), `the token endpoint without a client certificate (${r.status})`, r.text);
  let got = await redeem(net, 'gp', flow);
  eq(got.res.status, 200, 'the right verifier still redeems the code (a failed try does not burn it)');
  const first = got.tokens || {};
  eq(first.token_type, 'Bearer', 'token_type Bearer');
  check(first.expires_in > 0 && first.expires_in <= 900, 'an access token of at most 15 minutes', first.expires_in);
  r = await net.client('pgo.localhost').fhir(`${gp.fhir}/Patient`, first.access_token);
  eq(r.status, 200, 'the access token reads the patient');
  r = (await redeem(net, 'gp', flow)).res;
  check(r.status === 400 && r.json()?.error === 'invalid_grant', `a replayed code is invalid_grant (${r.status})`, r.text);
  r = await net.client('pgo.localhost').fhir(`${gp.fhir}/Patient`, first.access_token);
  eq(r.status, 401, 'the replay revoked the access token the code had issued');
  r = await net.client('pgo.localhost').form(gp.token, { grant_type: 'refresh_token', refresh_token: first.refresh_token || 'x', client_id: 'pgo.localhost' });
  check(r.status === 400 && r.json()?.error === 'invalid_grant', `... and its refresh token (${r.status})`, r.text);

  step('patient A\'s token reading patient B');
  flow = await codeFlow(net, 'gp', 'jan');
  got = await redeem(net, 'gp', flow);
  eq(got.res.status, 200, 'a fresh token for Jan');
  const jan = got.tokens || {};
  const pgoClient = net.client('pgo.localhost');
  r = await pgoClient.fhir(`${gp.fhir}/Patient`, jan.access_token);
  const pats = resources(r.json());
  check(pats.length === 1 && pats[0].id === 'gp-jan', 'Patient search answers Jan alone', pats.map((x) => x.id));
  const self = (r.json()?.link || []).find((x) => x.relation === 'self')?.url || '';
  check(!/999990019|NamingSystem\/bsn/.test(self), 'the searchset self link holds no BSN', self);
  r = await pgoClient.fhir(`${gp.fhir}/Condition`, jan.access_token);
  const conds = resources(r.json());
  check(r.status === 200 && conds.length > 0 && conds.every((c) => c.subject?.reference === 'Patient/gp-jan'), 'Condition search answers Jan\'s only', conds.map((c) => c.subject?.reference));
  for (const url of ['Patient/gp-fatima', 'Observation/gp-fatima-bp-1', 'Patient/gp-fatima/$everything', 'Patient/gp-fatima/Observation',
    'Observation?patient=Patient/gp-fatima', 'Observation?subject=Patient/gp-fatima', 'Observation?subject:Patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999990032']) {
    r = await pgoClient.fhir(`${gp.fhir}/${url}`, jan.access_token);
    const leaked = /gp-fatima|999990032/.test(r.status === 200 ? JSON.stringify(resources(r.json())) : '');
    check(r.status >= 400 && r.status < 500 && !leaked, `Jan's token may not read ${url} (${r.status})`, r.text.slice(0, 200));
  }

  step('a token with another certificate, and without one');
  r = await net.client('hospital.localhost').fhir(`${gp.fhir}/Patient`, jan.access_token);
  eq(r.status, 401, 'Jan\'s token presented with the certificate of another (whitelisted) host');
  r = await net.client().fhir(`${gp.fhir}/Patient`, jan.access_token);
  check(r.status === 403 && /CLIENT_CERT/.test(r.text), `Jan's token without a client certificate (${r.status})`, r.text.slice(0, 200));

  step('revoked tokens');
  r = await pgoClient.form(gp.revoke, { token: jan.refresh_token, token_type_hint: 'refresh_token', client_id: 'pgo.localhost' });
  eq(r.status, 200, 'revoke the refresh token (RFC 7009)');
  r = await pgoClient.fhir(`${gp.fhir}/Patient`, jan.access_token);
  eq(r.status, 401, 'the consent\'s access token no longer works');
  check(/invalid_token/.test(r.headers['www-authenticate'] || ''), 'WWW-Authenticate says invalid_token', r.headers['www-authenticate']);
  r = await pgoClient.form(gp.token, { grant_type: 'refresh_token', refresh_token: jan.refresh_token, client_id: 'pgo.localhost' });
  check(r.status === 400 && r.json()?.error === 'invalid_grant', `the revoked refresh token is invalid_grant (${r.status})`, r.text);

  step('data service X\'s token reading type Y (the hospital: one service per token)');
  const hosp = net.node('hospital');
  flow = await codeFlow(net, 'hospital', 'fatima', { scope: 'ziekenhuisoost' });
  check(flow.error === 'invalid_scope', 'the provider-alone scope is invalid_scope where pairs are expected', flow.error);
  flow = await codeFlow(net, 'hospital', 'fatima', { scope: 'ziekenhuisoost~49' });
  got = await redeem(net, 'hospital', flow);
  eq(got.res.status, 200, 'a token for the vital signs service (49) alone');
  const vit = got.tokens || {};
  r = await pgoClient.fhir(`${hosp.fhir}/Observation?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs`, vit.access_token);
  eq(r.status, 200, 'the 49 token reads Observations');
  for (const type of ['Condition', 'Encounter', 'Procedure', 'MedicationStatement']) {
    r = await pgoClient.fhir(`${hosp.fhir}/${type}`, vit.access_token);
    check(r.status === 403 || r.status === 404 || (r.status === 200 && resources(r.json()).length === 0), `the 49 token may not read ${type} (${r.status})`, r.text.slice(0, 200));
  }
  const body = JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [] });
  r = await pgoClient.req(`${hosp.fhir}`, { method: 'POST', body, headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${vit.access_token}` } });
  check(r.status === 403, `the collect token may not write (${r.status})`, r.text.slice(0, 200));

  step('expired tokens (the hospital gives access tokens of 4 s)');
  check(vit.expires_in === 4, 'expires_in says 4', vit.expires_in);
  await sleep(5500);
  r = await pgoClient.fhir(`${hosp.fhir}/Observation`, vit.access_token);
  eq(r.status, 401, 'the expired access token is refused');
  r = await pgoClient.form(hosp.token, { grant_type: 'refresh_token', refresh_token: vit.refresh_token, client_id: 'pgo.localhost' });
  eq(r.status, 200, 'the refresh token gives a new access token');
  const renewed = r.json() || {};
  check(renewed.refresh_token && renewed.refresh_token !== vit.refresh_token, 'the refresh token is rotated', null);
  r = await pgoClient.fhir(`${hosp.fhir}/Observation`, renewed.access_token);
  eq(r.status, 200, 'the new access token works');
  r = await pgoClient.form(hosp.token, { grant_type: 'refresh_token', refresh_token: vit.refresh_token, client_id: 'pgo.localhost' });
  eq(r.status, 400, 'the spent refresh token, presented again, is refused');
  r = await pgoClient.fhir(`${hosp.fhir}/Observation`, renewed.access_token);
  eq(r.status, 401, 'and its reuse ended the consent (the renewed token too)');

  step('brute force at the DVA\'s login: backoff, then the account is locked');
  const sanne = net.account('gp', 'sanne');
  // A login form fetched ahead, so two posts can follow each other within the backoff.
  const prepare = async () => {
    const b = net.browser();
    const q = pkce();
    const page = await b.get(authorizeUrl(gp, { ...base, state: q.state, challenge: q.challenge }));
    const f = formFields(page.text);
    return (password, code = '000000') => b.postForm(`${gp.url}/oauth/authorize`, { step: 'login', req: f.req, csrf: f.csrf, username: sanne.username, password, totp: code });
  };
  // Waits are whole seconds from the last failure: after the second failure (2 s) an attempt
  // posted at once is always within it.
  const wait = (res) => sleep(Math.min(Number(res.headers['retry-after'] || 1), 10) * 1000 + 300);
  const locked = (res) => res.status === 429 && Number(res.headers['retry-after']) > 60;
  r = await (await prepare())('wrong-password-1');
  eq(r.status, 401, 'a wrong password');
  check(/klopt niet/.test(r.text), 'the page says the credentials are wrong, not which one');
  check(!r.text.includes('wrong-password-1'), 'the page does not echo the password');
  let counted = 1;
  // After the third failure the wait is 4 s, longer than any one login takes (argon2 under the
  // sanitizers too): a form posted at once is held off and not counted.
  let heldOff = null;
  for (let i = 0; i < 12 && counted < 5 && !locked(r); i++) {
    await wait(r);
    const [now, next] = [await prepare(), await prepare()];
    r = await now(`wrong-password-${i + 2}`);
    if (r.status === 401) counted++;
    if (counted === 3 && !heldOff) {
      heldOff = await next('wrong-password-held');
      check(heldOff.status === 429 && Number(heldOff.headers['retry-after']) >= 1, `an attempt during the backoff is held off, not counted (${heldOff.status}, Retry-After ${heldOff.headers['retry-after']})`);
      r = heldOff;
    }
  }
  eq(counted, 5, 'five failures counted');
  if (!locked(r)) await wait(r);
  r = await (await prepare())(sanne.password, await freshTotp(sanne.totp_secret));
  check(locked(r), `after five failures even the right password and code are locked out (${r.status}, Retry-After ${r.headers['retry-after']})`);

  step('brute force at the PGO\'s login');
  const pgoSanne = net.account('pgo', 'sanne');
  const pgoLogin = (password, code = '000000') => net.browser().json(`${pgo.url}/api/login`, 'POST', { username: pgoSanne.username, password, totp: code });
  counted = 0;
  r = { status: 0, headers: {} };
  for (let i = 0; i < 16 && counted < 5 && !locked(r); i++) {
    r = await pgoLogin(`wrong-${i}`);
    if (r.status === 401) counted++;
    else if (r.status === 429 && !locked(r)) await wait(r);
  }
  eq(counted, 5, 'five failed PGO logins counted');
  if (!locked(r)) await wait(r);
  r = await pgoLogin(pgoSanne.password, await freshTotp(pgoSanne.totp_secret));
  check(r.status === 429 && r.json()?.error === 'locked', `the PGO account is locked (${r.status})`, r.text);
});
