// (e) A third-party OAuth 2.0 client from npm, oauth4webapi, runs the code flow against the GP's
// DVA: PKCE and state from the library, the browser part walked by this script, the callback
// validated, the code redeemed, the token used on the FHIR endpoint, refreshed, revoked; and the
// library reports the DVA's RFC 6749 errors (a replayed code, a revoked refresh token) as such.
// Every request of the library goes through its customFetch hook: mutual TLS with the PGO's
// certificate and *.localhost resolved to loopback (which Node's fetch does not do).
import * as oauth from 'oauth4webapi';
import crypto from 'node:crypto';

import { check, eq, step, withNetwork, dvaLoginAndConsent, location } from './lib.mjs';

await withNetwork('oauth4webapi', {}, async (net) => {
  const gp = net.node('gp');
  const pgo = net.node('pgo');
  const as = {
    issuer: gp.url,
    authorization_endpoint: gp.authorize,
    token_endpoint: gp.token,
    revocation_endpoint: gp.revoke,
    code_challenge_methods_supported: ['S256'],
  };
  const client = { client_id: pgo.name };
  const auth = oauth.None(); // client_id in the body; the client is authenticated by mutual TLS
  const correlation = crypto.randomUUID();
  const opts = () => ({
    [oauth.customFetch]: net.client('pgo.localhost').fetch(),
    headers: new Headers({ 'MedMij-Request-ID': crypto.randomUUID(), 'X-Correlation-ID': correlation }),
  });

  step('authorization request with the library\'s PKCE and state');
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code', client_id: client.client_id, redirect_uri: pgo.redirect_uri, scope: 'huisartsdelinde',
    state, code_challenge: challenge, code_challenge_method: 'S256',
    'MedMij-Request-ID': crypto.randomUUID(), 'X-Correlation-ID': correlation,
  })) url.searchParams.set(k, v);
  const walk = await dvaLoginAndConsent(net.browser(), url.toString(), net.account('gp', 'jan'));
  eq(walk.final.status, 302, 'login and consent end in a redirect to the client');
  const callback = location(walk.final);
  check(callback && callback.startsWith(pgo.redirect_uri), 'to the registered redirect_uri', callback);
  if (!callback) return;

  step('the callback checked by the library, the code redeemed');
  let params;
  try {
    params = oauth.validateAuthResponse(as, client, new URL(callback), state);
  } catch (e) {
    check(false, 'validateAuthResponse accepts the callback', e.message);
    return;
  }
  check(true, 'validateAuthResponse accepts the callback (state matches)');
  let tokens;
  try {
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, pgo.redirect_uri, verifier, opts());
    tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
  } catch (e) {
    check(false, 'the code is redeemed', `${e.name}: ${e.message} ${JSON.stringify(e.cause || '')}`);
    return;
  }
  eq(tokens.token_type, 'bearer', 'token_type (the library lower-cases it)');
  check(typeof tokens.access_token === 'string' && tokens.access_token.length >= 32, 'an access token');
  check(typeof tokens.refresh_token === 'string', 'a refresh token');
  check(tokens.expires_in > 0 && tokens.expires_in <= 900, 'expires_in at most 15 minutes', tokens.expires_in);

  step('the token on the FHIR endpoint');
  let r = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${gp.fhir}/Patient`), new Headers({ Accept: 'application/fhir+json' }), null, opts());
  eq(r.status, 200, 'protectedResourceRequest reads the patient');
  const bundle = await r.json();
  check(bundle.entry?.length === 1 && bundle.entry[0].resource.id === 'gp-jan', 'Jan\'s record alone', bundle.entry?.map((e) => e.resource.id));

  step('the code replayed through the library');
  try {
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, pgo.redirect_uri, verifier, opts());
    await oauth.processAuthorizationCodeResponse(as, client, res);
    check(false, 'a replayed code is refused');
  } catch (e) {
    eq(e.error, 'invalid_grant', 'a replayed code is refused as invalid_grant');
  }
  try {
    r = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${gp.fhir}/Patient`), new Headers(), null, opts());
    eq(r.status, 401, 'the replay revoked the access token');
  } catch (e) {
    check(e instanceof oauth.WWWAuthenticateChallengeError && e.status === 401, 'the replay revoked the access token (401 with a Bearer challenge)', e.message);
  }

  step('a second flow: refresh and revoke through the library');
  const v2 = oauth.generateRandomCodeVerifier();
  const s2 = oauth.generateRandomState();
  url.searchParams.set('state', s2);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(v2));
  const walk2 = await dvaLoginAndConsent(net.browser(), url.toString(), net.account('gp', 'jan'));
  const cb2 = location(walk2.final);
  let t2;
  try {
    const p2 = oauth.validateAuthResponse(as, client, new URL(cb2), s2);
    t2 = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, auth, p2, pgo.redirect_uri, v2, opts()));
    const t3 = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, t2.refresh_token, opts()));
    check(t3.access_token !== t2.access_token && t3.refresh_token !== t2.refresh_token, 'refresh gives a new access token and rotates the refresh token');
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, t3.refresh_token, opts()));
    check(true, 'revocation accepted (RFC 7009)');
    try {
      await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, t3.refresh_token, opts()));
      check(false, 'a revoked refresh token is refused');
    } catch (e) {
      eq(e.error, 'invalid_grant', 'a revoked refresh token is refused as invalid_grant');
    }
  } catch (e) {
    check(false, 'the second flow', `${e.name}: ${e.message} ${JSON.stringify(e.cause || '')}`);
  }
});
