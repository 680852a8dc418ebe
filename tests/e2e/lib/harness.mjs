// Shared harness for the end-to-end suite.
//
// Every call to the service goes through the official client
// (@gofynd/fdk-client-javascript 1.4.13, or 3.4.2 for the later methods),
// built with strictResponseCheck: true. On top of that:
//   * every message the client logs at WARN or ERROR (parameter-validation
//     warnings, response-validation warnings, HTTP errors) is captured; a
//     test fails on any WARN, and on any ERROR it did not expect;
//   * every 2xx body is validated again against the client's own Joi model
//     with type conversion switched off (Joi's default would accept "91"
//     for a number or "true" for a boolean), and against 3.4.2's model for
//     the same method where that method exists there.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { afterEach, beforeEach } from 'node:test';

const require = createRequire(import.meta.url);

const V1 = {
  ...require('@gofynd/fdk-client-javascript/platform'),
  errors: require('@gofynd/fdk-client-javascript/sdk/common/FDKError'),
  model: require('@gofynd/fdk-client-javascript/sdk/platform/User/UserPlatformModel'),
  pkg: require('@gofynd/fdk-client-javascript/package.json'),
};
const V3 = {
  ...require('fdk-client-javascript-3/platform'),
  errors: require('fdk-client-javascript-3/sdk/common/FDKError'),
  model: require('fdk-client-javascript-3/sdk/platform/User/UserPlatformModel'),
  pkg: require('fdk-client-javascript-3/package.json'),
};
assert.equal(V1.pkg.version, '1.4.13', 'wrong client pinned as @gofynd/fdk-client-javascript');
assert.equal(V3.pkg.version, '3.4.2', 'wrong client pinned as fdk-client-javascript-3');

// ---------------------------------------------------------------- settings

function env(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback === undefined) throw new Error(`environment variable ${name} is not set (run the suite through run.sh)`);
    return fallback;
  }
  return v;
}

export const BASE_URL = env('USERAUTH_E2E_URL').replace(/\/+$/, '');
export const COMPANY_ID = env('USERAUTH_E2E_COMPANY_ID', '1001');
export const CLIENT_ID = env('USERAUTH_E2E_CLIENT_ID');
export const CLIENT_SECRET = env('USERAUTH_E2E_CLIENT_SECRET');
export const OTHER_COMPANY_ID = env('USERAUTH_E2E_OTHER_COMPANY_ID', '2002');
export const OTHER_CLIENT_ID = env('USERAUTH_E2E_OTHER_CLIENT_ID');
export const OTHER_CLIENT_SECRET = env('USERAUTH_E2E_OTHER_CLIENT_SECRET');
export const TOKEN_PATH = (companyId) =>
  `/service/panel/authentication/v1.0/company/${companyId}/oauth/token`;
export const USER_PREFIX = (companyId, appId) =>
  `/service/platform/user/v1.0/company/${companyId}/application/${appId}`;

export const { FDKServerResponseError, FDKResponseValidationError, FDKClientValidationError } = V1.errors;

// ------------------------------------------------------------ log capture

// Both client versions log through the default logger of `loglevel`
// (sdk/common/Logger.js). A custom methodFactory survives the setLevel()
// that every new PlatformConfig performs, so it sees every message.
const captured = [];
const expectErrorsDepth = { n: 0 };
for (const pkg of ['@gofynd/fdk-client-javascript', 'fdk-client-javascript-3']) {
  const pkgRequire = createRequire(require.resolve(`${pkg}/package.json`));
  const log = pkgRequire('loglevel');
  if (log.__e2eHooked) continue;
  log.__e2eHooked = true;
  log.methodFactory = (methodName) => (...args) => {
    captured.push({ level: methodName.toUpperCase(), text: args.map(String).join(' '), expected: expectErrorsDepth.n > 0 });
  };
  log.setLevel('WARN');
}

function takeCaptured() {
  return captured.splice(0, captured.length);
}

function describeLogs(entries) {
  return entries.map((e) => {
    let text = e.text;
    try {
      const j = JSON.parse(text);
      text = typeof j.detail === 'string' ? j.detail : JSON.stringify(j.detail);
    } catch { /* not JSON */ }
    return `  [${e.level}] ${text}`;
  }).join('\n');
}

/** Fails if the client logged any warning, or an error not inside `fails()`. */
export function assertNoClientLogs(where = '') {
  const entries = takeCaptured().filter((e) => e.level === 'WARN' || (e.level === 'ERROR' && !e.expected));
  if (entries.length) {
    assert.fail(`the client logged ${entries.length} unexpected message(s)${where ? ` ${where}` : ''}:\n${describeLogs(entries)}`);
  }
}

// Register in every test file: a stray warning fails the test it happened in.
export function guardClientLogs() {
  beforeEach(() => { takeCaptured(); });
  afterEach(() => { assertNoClientLogs('during this test'); });
}

// ---------------------------------------------------------------- ids, data

export const hex24 = () => randomBytes(12).toString('hex');
/** A fresh application id: each test gets its own sales channel, so no test sees another's data. */
export const newAppId = () => hex24();
export const uniq = (prefix = 'e2e') => `${prefix}_${randomBytes(5).toString('hex')}`;
/** A valid Indian mobile number (10 digits, first digit 9), national format. */
export const newMobile = () => `9${String(randomInt(0, 1e9)).padStart(9, '0')}`;
export const newEmail = (tag = 'user') => `${tag}.${randomBytes(5).toString('hex')}@example.com`;

/** A CreateUserRequestSchema body shaped like the reference's example user. */
export function userBody(overrides = {}) {
  return {
    phone_number: newMobile(),
    email: newEmail('akash'),
    first_name: 'Akash',
    last_name: 'Mane',
    gender: 'male',
    username: uniq('akash'),
    meta: { source: 'e2e' },
    external_id: String(randomInt(1e9, 1e10)),
    ...overrides,
  };
}

export const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const HEX24 = /^[0-9a-f]{24}$/;

// ------------------------------------------------------------------ tokens

function basic(id, secret) {
  return 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
}

/**
 * Token through the client's own token request (OAuthClient.getAccesstokenObj):
 * POST {domain}/service/panel/authentication/v1.0/company/{id}/oauth/token,
 * Basic auth, form body, x-fp-* headers. The client only ever sends
 * authorization_code or refresh_token grants itself; a server-to-server
 * caller asks for client_credentials through the same function.
 */
export async function clientToken(config, grantType = 'client_credentials') {
  const res = await config.oauthClient.getAccesstokenObj({ grant_type: grantType });
  return res;
}

/** Token through plain fetch (for the negative tests). */
export async function fetchToken({ companyId = COMPANY_ID, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET, grantType = 'client_credentials' } = {}) {
  const res = await fetch(BASE_URL + TOKEN_PATH(companyId), {
    method: 'POST',
    headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: grantType }).toString(),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers };
}

/**
 * Hands a token to a client the way an integrator would (setToken). Without
 * token_expires_at the client believes the token expired (0) and, when it
 * also holds a refresh_token and has no auto-renew timer, renews before every
 * call; so it is set here exactly as the client's own flows do.
 */
export function giveToken(config, token) {
  config.oauthClient.setToken(token);
  config.oauthClient.token_expires_at = Date.now() + (Number(token.expires_in) || 3600) * 1000;
  if (config.oauthClient.retryOAuthTokenTimer) {
    clearTimeout(config.oauthClient.retryOAuthTokenTimer);
    config.oauthClient.retryOAuthTokenTimer = null;
  }
}

const tokenCache = new Map();
async function tokenFor(version, companyId, clientId, clientSecret) {
  const key = `${companyId}:${clientId}`;
  if (!tokenCache.has(key)) {
    const sdk = version === 3 ? V3 : V1;
    const cfg = new sdk.PlatformConfig(
      { companyId, domain: BASE_URL, apiKey: clientId, apiSecret: clientSecret, useAutoRenewTimer: false, logLevel: 'WARN' },
      { strictResponseCheck: true },
    );
    tokenCache.set(key, await clientToken(cfg));
  }
  return tokenCache.get(key);
}

/**
 * A PlatformClient of the given version with strict response checking,
 * holding a token of the given client, for application `appId`.
 * Returns { platformClient, config, user } where user = application(appId).user.
 */
export async function makeClient({ version = 1, appId = newAppId(), companyId = COMPANY_ID, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET, token } = {}) {
  const sdk = version === 3 ? V3 : V1;
  const config = new sdk.PlatformConfig(
    { companyId, domain: BASE_URL, apiKey: clientId, apiSecret: clientSecret, useAutoRenewTimer: false, logLevel: 'WARN' },
    { strictResponseCheck: true },
  );
  giveToken(config, token ?? (await tokenFor(version, companyId, clientId, clientSecret)));
  const platformClient = new sdk.PlatformClient(config);
  return { platformClient, config, appId, user: platformClient.application(appId).user, version };
}

// ------------------------------------------------------ response checking

// The response model each User method validates against (from the clients'
// UserPlatformApplicationClient.js).
const RESPONSE_MODEL = {
  archiveUser: 'ArchiveUserSuccess',
  blockOrUnblockUsers: 'BlockUserSuccess',
  createUser: 'CreateUserResponseSchema',
  createUserSession: 'CreateUserSessionResponseSchema',
  deleteActiveSessions: 'SessionsDeleteResponseSchema',
  deleteSession: 'SessionDeleteResponseSchema',
  getActiveSessions: 'SessionListResponseSchema',
  getCustomers: 'CustomerListResponseSchema',
  getPlatformConfig: 'PlatformSchema',
  searchUsers: 'UserSearchResponseSchema',
  unDeleteUser: 'UnDeleteUserSuccess',
  updatePlatformConfig: 'PlatformSchema',
  updateUser: 'CreateUserResponseSchema',
  getUserTimeline: 'GetUserTimeline',
  createUserGroup: 'UserGroupResponseSchema',
  getUserGroupById: 'UserGroupResponseSchema',
  getUserGroups: 'UserGroupListResponseSchema',
  updateUserGroup: 'UserGroupResponseSchema',
  updateUserGroupPartially: 'UserGroupResponseSchema',
  createUserAttributeDefinition: 'UserAttributeDefinitionResponse',
  getUserAttributeDefinitionById: 'UserAttributeDefinition',
  updateUserAttributeDefinition: 'UserAttributeDefinition',
  deleteUserAttributeDefinitionById: 'SuccessMessageResponse',
  updateUserAttribute: 'UserAttributeResponse',
  getUserAttribute: 'UserAttributeResponse',
  getUserAttributeById: 'UserAttributeResponse',
  deleteUserAttribute: 'SuccessMessageResponse',
  // Both clients check these two with Joi.any(): there is no model to hold them to.
  getUserAttributeDefinitions: null,
  getUserAttributesForUser: null,
  updateUserAttributes: 'BulkUserAttribute',
  filterUsersByAttributes: 'UserAttributeFiltered',
  deleteUserAttributesInBulk: 'SuccessMessage',
  bulkImportStoreFrontUsers: 'BulkActionModel',
  createBulkExportUsers: 'BulkActionModel',
  getUsersJobByJobId: 'BulkActionModel',
  getBulkImportUsersList: 'BulkActionPaginationSchema',
  getBulkExportUsersList: 'BulkActionPaginationSchema',
};

function strictValidate(model, name, data, label) {
  const { error } = model[name]().validate(data, { abortEarly: false, allowUnknown: true, convert: false });
  if (error) {
    assert.fail(`${label}: response does not match ${name} without type conversion:\n  ${error.details.map((d) => d.message).join('\n  ')}\nbody: ${JSON.stringify(data)}`);
  }
}

/** Validates a body against both clients' models for `method`, without conversion. */
export function assertMatchesModels(method, data) {
  const name = RESPONSE_MODEL[method];
  assert.ok(name !== undefined, `no response model known for ${method}`);
  if (name === null) return;
  if (V1.model[name]) strictValidate(V1.model, name, data, `${method} (client 1.4.13)`);
  if (V3.model[name]) strictValidate(V3.model, name, data, `${method} (client 3.4.2)`);
}

/**
 * Calls `client.user[method](args)` and returns the body. Fails on a
 * rejected promise (with the server's message), a response-validation
 * failure, any client warning, or a body that matches the models only
 * after Joi's type conversion.
 */
export async function ok(client, method, args) {
  assertNoClientLogs(`before ${method}`);
  let body;
  try {
    body = args === undefined ? await client.user[method]() : await client.user[method](args);
  } catch (err) {
    const logs = describeLogs(takeCaptured());
    if (err && err.name === 'FDKResponseValidationError') {
      assert.fail(`${method}: client ${client.version === 3 ? '3.4.2' : '1.4.13'} rejected the response (strictResponseCheck):\n  ${(err.details || []).map((d) => d.message).join('\n  ')}\n${logs}`);
    }
    if (err && err.name === 'FDKServerResponseError') {
      assert.fail(`${method}: HTTP ${err.code} ${err.status ?? ''}: ${err.message}\nbody: ${JSON.stringify(err.details)}\n${logs}`);
    }
    if (err && err.name === 'FDKClientValidationError') {
      assert.fail(`${method}: the test sent arguments the client refuses: ${err.message}`);
    }
    throw err;
  }
  assertNoClientLogs(`by ${method}`);
  assertMatchesModels(method, body);
  return body;
}

/**
 * Expects `client.user[method](args)` to fail with HTTP `status` (a number,
 * or an array of acceptable numbers). Checks the
 * client surfaces it as FDKServerResponseError whose message is the body's
 * `message`, and that the body matches the APIError model. Returns the error.
 */
export async function fails(client, method, args, status) {
  assertNoClientLogs(`before ${method}`);
  expectErrorsDepth.n++;
  let err;
  try {
    await client.user[method](args);
  } catch (e) {
    err = e;
  } finally {
    expectErrorsDepth.n--;
  }
  assert.ok(err, `${method}: expected HTTP ${status}, but the call succeeded`);
  if (err.name === 'FDKResponseValidationError') {
    assert.fail(`${method}: expected HTTP ${status}, got a 2xx the client rejected: ${err.message}`);
  }
  assert.equal(err.name, 'FDKServerResponseError', `${method}: expected FDKServerResponseError, got ${err.name}: ${err.message}`);
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(err.code), `${method}: expected HTTP ${statuses.join(' or ')}, got ${err.code} (${err.message}); body: ${JSON.stringify(err.details)}`);
  assertErrorBody(err.details, `${method} → ${err.code}`);
  assert.equal(err.message, err.details.message, `${method}: the client's exception message should be the body's message`);
  // only the client's own ERROR line about this response may have been logged
  const stray = takeCaptured().filter((e) => e.level === 'WARN' || (e.level === 'ERROR' && !e.expected));
  assert.equal(stray.length, 0, `${method}: unexpected client logs:\n${describeLogs(stray)}`);
  return err;
}

/** An error body per the client's APIError model (both versions), with a non-empty message. */
export function assertErrorBody(body, label = 'error body') {
  assert.ok(body && typeof body === 'object' && !Array.isArray(body), `${label}: expected a JSON object, got ${JSON.stringify(body)}`);
  assert.equal(typeof body.message, 'string', `${label}: \`message\` must be a string: ${JSON.stringify(body)}`);
  assert.ok(body.message.length > 0, `${label}: \`message\` is empty`);
  strictValidate(V1.model, 'APIError', body, `${label} (client 1.4.13)`);
  strictValidate(V3.model, 'APIError', body, `${label} (client 3.4.2)`);
}

// -------------------------------------------------------------- raw HTTP

/** Plain fetch against the service, for what the client cannot express. */
export async function raw(method, path, { token, headers = {}, body, query } = {}) {
  const url = new URL(BASE_URL + path);
  if (query) for (const [k, v] of Object.entries(query)) url.searchParams.append(k, v);
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && typeof body !== 'string') {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers };
}

/** Access token string for the main bootstrap client (cached). */
export async function mainAccessToken() {
  return (await tokenFor(1, COMPANY_ID, CLIENT_ID, CLIENT_SECRET)).access_token;
}

/** Creates a user through the client and returns the created user object. */
export async function createUser(client, overrides = {}) {
  const body = userBody(overrides);
  const res = await ok(client, 'createUser', { body });
  assert.ok(res.user, `createUser: response has no \`user\`: ${JSON.stringify(res)}`);
  return { user: res.user, body };
}

export { assert };
