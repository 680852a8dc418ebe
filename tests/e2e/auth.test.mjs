// Tokens and access control: the token endpoint the client calls, bearer
// tokens on the User routes, and company isolation (401 / 403).
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import {
  assert, guardClientLogs, makeClient, ok, fails, raw, fetchToken, clientToken, giveToken,
  newAppId, USER_PREFIX, COMPANY_ID, OTHER_COMPANY_ID, CLIENT_ID, CLIENT_SECRET,
  OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, BASE_URL, assertErrorBody, mainAccessToken,
} from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const { PlatformConfig, PlatformClient } = require('@gofynd/fdk-client-javascript/platform');

guardClientLogs();

function newConfig({ companyId = COMPANY_ID, apiKey = CLIENT_ID, apiSecret = CLIENT_SECRET } = {}) {
  return new PlatformConfig(
    { companyId, domain: BASE_URL, apiKey, apiSecret, useAutoRenewTimer: false, logLevel: 'WARN' },
    { strictResponseCheck: true },
  );
}

function assertTokenResponse(tok) {
  assert.ok(tok && typeof tok === 'object', `token response is not an object: ${JSON.stringify(tok)}`);
  assert.equal(typeof tok.access_token, 'string', `access_token must be a string: ${JSON.stringify(tok)}`);
  assert.ok(tok.access_token.length > 0);
  assert.match(String(tok.token_type), /^bearer$/i, `token_type must be Bearer: ${JSON.stringify(tok)}`);
  // The client computes token_expires_at = now + expires_in * 1000 and arms
  // its renew timer at expires_in - 60 s, so expires_in must be a number of seconds.
  assert.equal(typeof tok.expires_in, 'number', `expires_in must be a JSON number: ${JSON.stringify(tok)}`);
  assert.ok(tok.expires_in > 60, `expires_in should be more than a minute, got ${tok.expires_in}`);
  for (const k of ['refresh_token', 'scope']) {
    if (k in tok) assert.notEqual(tok[k], null, `${k} must be omitted rather than null`);
  }
}

describe('token endpoint', () => {
  it('issues a bearer token to the bootstrap client through the client\'s own token request', async () => {
    const config = newConfig();
    const tok = await clientToken(config);
    assertTokenResponse(tok);
    giveToken(config, tok);
    const user = new PlatformClient(config).application(newAppId()).user;
    const res = await ok({ user, version: 1 }, 'getCustomers', {});
    assert.deepEqual(res.items, []);
  });

  it('answers a plain form POST with Basic auth (grant_type=client_credentials)', async () => {
    const r = await fetchToken();
    assert.equal(r.status, 200, r.text);
    assertTokenResponse(r.json);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  });

  it('issues no refresh_token: the client arms no renewal, a refresh_token grant is refused, credentials give a new token', async () => {
    const config = newConfig();
    const tok = await clientToken(config);
    assertTokenResponse(tok);
    assert.ok(!('refresh_token' in tok), `no refresh_token is issued: ${JSON.stringify(tok)}`);
    config.oauthClient.setToken(tok);
    assert.ok(!config.oauthClient.retryOAuthTokenTimer, 'without a refresh_token the client must not arm its renew timer');
    const refused = await fetchToken({ grantType: 'refresh_token' });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.code, 'unsupported_grant_type', refused.text);
    const again = await clientToken(config);
    assertTokenResponse(again);
    giveToken(config, again);
    const user = new PlatformClient(config).application(newAppId()).user;
    await ok({ user, version: 1 }, 'getCustomers', {});
  });

  it('refuses a wrong client secret with 401', async () => {
    const r = await fetchToken({ clientSecret: CLIENT_SECRET + 'x' });
    assert.equal(r.status, 401, r.text);
  });

  it('refuses an unknown client id with 401', async () => {
    const r = await fetchToken({ clientId: 'no-such-client', clientSecret: 'whatever' });
    assert.equal(r.status, 401, r.text);
  });

  it('refuses no credentials with 401', async () => {
    const res = await fetch(BASE_URL + `/service/panel/authentication/v1.0/company/${COMPANY_ID}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(res.status, 401, await res.text());
  });

  it('does not issue a token for a company the client does not belong to', async () => {
    const r = await fetchToken({ companyId: OTHER_COMPANY_ID });
    assert.ok([400, 401, 403].includes(r.status), `expected 400/401/403, got ${r.status}: ${r.text}`);
  });

  it('refuses an unsupported grant_type with 400', async () => {
    const r = await fetchToken({ grantType: 'password' });
    assert.equal(r.status, 400, r.text);
  });
});

describe('bearer tokens on the User routes', () => {
  const path = (companyId = COMPANY_ID, appId = newAppId()) => `${USER_PREFIX(companyId, appId)}/customers/list`;

  it('a token of company 1001 reads company 1001 (client 1.4.13 and 3.4.2)', async () => {
    const v1 = await makeClient({ version: 1 });
    assert.deepEqual((await ok(v1, 'getCustomers', {})).items, []);
    const v3 = await makeClient({ version: 3 });
    assert.deepEqual((await ok(v3, 'getCustomers', {})).items, []);
  });

  it('no Authorization header → 401 with an error body', async () => {
    const r = await raw('GET', path());
    assert.equal(r.status, 401, r.text);
    assertErrorBody(r.json, '401 body');
  });

  it('a malformed bearer token → 401', async () => {
    const r = await raw('GET', path(), { token: 'not-a-token' });
    assert.equal(r.status, 401, r.text);
    assertErrorBody(r.json, '401 body');
  });

  it('a tampered token → 401', async () => {
    const t = await mainAccessToken();
    const tampered = t.slice(0, -2) + (t.endsWith('AA') ? 'BB' : 'AA');
    const r = await raw('GET', path(), { token: tampered });
    assert.equal(r.status, 401, r.text);
  });

  it('the client without a token (it sends "Bearer null") surfaces 401', async () => {
    const config = newConfig();
    const user = new PlatformClient(config).application(newAppId()).user;
    await fails({ user, version: 1 }, 'getCustomers', {}, 401);
  });

  it('a token of company 2002 on company 1001 routes → 403 (plain fetch)', async () => {
    const other = await fetchToken({ companyId: OTHER_COMPANY_ID, clientId: OTHER_CLIENT_ID, clientSecret: OTHER_CLIENT_SECRET });
    assert.equal(other.status, 200, other.text);
    for (const [method, suffix, body] of [
      ['GET', '/customers/list'],
      ['GET', '/customers/search?q=a%40b.com'],
      ['POST', '/customers', { phone_number: '9876543210', username: 'x_forbidden' }],
      ['GET', '/platform/config'],
    ]) {
      const r = await raw(method, USER_PREFIX(COMPANY_ID, newAppId()) + suffix, { token: other.json.access_token, body });
      assert.equal(r.status, 403, `${method} ${suffix}: ${r.status} ${r.text}`);
      assertErrorBody(r.json, `403 body of ${method} ${suffix}`);
    }
  });

  it('a token of company 2002 on company 1001 routes → 403 surfaced by the client', async () => {
    const other = await fetchToken({ companyId: OTHER_COMPANY_ID, clientId: OTHER_CLIENT_ID, clientSecret: OTHER_CLIENT_SECRET });
    assert.equal(other.status, 200, other.text);
    const c = await makeClient({ companyId: COMPANY_ID, token: other.json });
    await fails(c, 'getCustomers', {}, 403);
  });

  it('the company 2002 client works on its own company', async () => {
    const c = await makeClient({ companyId: OTHER_COMPANY_ID, clientId: OTHER_CLIENT_ID, clientSecret: OTHER_CLIENT_SECRET });
    await ok(c, 'getCustomers', {});
  });

  it('a token of company 1001 on company 2002 routes → 403', async () => {
    const r = await raw('GET', path(OTHER_COMPANY_ID), { token: await mainAccessToken() });
    assert.equal(r.status, 403, r.text);
  });
});
