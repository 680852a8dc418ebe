// API client management (scope client:admin; not part of the reference API, so through plain HTTP) and what it does to
// the official client (1.4.13, strict) holding a managed client's token: served while the client is enabled, refused
// with the error body once it is disabled.
import { describe, it } from 'node:test';
import { assert, guardClientLogs, makeClient, ok, fails, raw, fetchToken, assertErrorBody, COMPANY_ID } from './lib/harness.mjs';

guardClientLogs();

const ADMIN_ID = process.env.USERAUTH_E2E_ADMIN_CLIENT_ID;
const ADMIN_SECRET = process.env.USERAUTH_E2E_ADMIN_CLIENT_SECRET;
const CLIENTS = `/service/platform/user/v1.0/company/${COMPANY_ID}/clients`;

describe('API clients (client:admin)', { skip: !ADMIN_ID && 'USERAUTH_E2E_ADMIN_CLIENT_ID is not set (run.sh sets it when it starts the service)' }, () => {
  it('a created client serves the official client until it is disabled, then its token is refused', async () => {
    const admin = await fetchToken({ clientId: ADMIN_ID, clientSecret: ADMIN_SECRET });
    assert.equal(admin.status, 200, admin.text);
    const token = admin.json.access_token;

    const created = await raw('POST', CLIENTS, { token, body: { description: 'e2e dashboard', scopes: ['user:read', 'user:write'] } });
    assert.equal(created.status, 201, created.text);
    const { client, client_secret: secret } = created.json;
    assert.equal(typeof secret, 'string');
    assert.deepEqual(client.scopes, ['user:read', 'user:write']);

    const c = await makeClient({ clientId: client.client_id, clientSecret: secret });
    const list = await ok(c, 'getCustomers', { pageNo: 1, pageSize: 10 });
    assert.ok(Array.isArray(list.items));

    const listed = await raw('GET', CLIENTS, { token, query: { page_size: '100' } });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.json.items.some((x) => x.client_id === client.client_id));
    assert.ok(!listed.text.includes(secret), 'a listing never shows a secret');

    const disabled = await raw('POST', `${CLIENTS}/${client.client_id}/disable`, { token, body: {} });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.json.disabled, true);
    const refused = await fails(c, 'getCustomers', { pageNo: 1, pageSize: 10 }, 401);
    assert.match(refused.message, /disabled/);

    // An ordinary client cannot manage clients.
    const main = await fetchToken();
    const forbidden = await raw('GET', CLIENTS, { token: main.json.access_token });
    assert.equal(forbidden.status, 403);
    assertErrorBody(forbidden.json);
  });
});
