// User groups: createUserGroup, getUserGroups, getUserGroupById,
// updateUserGroup, updateUserGroupPartially (client 1.4.13), plus the
// service's two membership reads (not in the client) through raw HTTP.
//
// Files are served by a small HTTP server on 127.0.0.1 started here: run.sh
// starts the service with FileFetch__AllowLoopback=true (the only way the
// fetch policy lets a file come from loopback over http).
import { describe, it, before, after } from 'node:test';
import http from 'node:http';
import {
  assert, guardClientLogs, makeClient, ok, fails, createUser, hex24, raw, USER_PREFIX, COMPANY_ID,
  mainAccessToken, ISO_MS_UTC, HEX24,
} from './lib/harness.mjs';

guardClientLogs();

const served = new Map();
let server;
let base;

before(async () => {
  server = http.createServer((req, res) => {
    const body = served.get(req.url);
    if (body === undefined) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

function serve(name, text) {
  served.set(`/${name}`, text);
  return `${base}/${name}`;
}

async function waitDone(c, uid) {
  const until = Date.now() + 60_000;
  for (;;) {
    const g = await ok(c, 'getUserGroupById', { groupId: String(uid) });
    if (g.status === 'completed' || g.status === 'failed') return g;
    assert.ok(Date.now() < until, `group ${uid} still ${g.status} after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function members(c, uid) {
  const r = await raw('GET', `${USER_PREFIX(COMPANY_ID, c.appId)}/user_group/${uid}/users`, {
    token: await mainAccessToken(), query: { page_size: '100' },
  });
  assert.equal(r.status, 200, r.text);
  return r.json.items.map((i) => i.user_id).sort();
}

function assertGroupShape(g) {
  assert.match(g._id, HEX24);
  assert.equal(typeof g.uid, 'number');
  assert.match(g.created_at, ISO_MS_UTC);
  assert.match(g.modified_at, ISO_MS_UTC);
  assert.equal(typeof g.__v, 'number');
  assert.equal(g.is_active, true);
}

describe('createUserGroup', () => {
  it('a file group answers pending, then completes; bad rows are counted with a report', async () => {
    const c = await makeClient();
    const a = await createUser(c);
    const b = await createUser(c);
    const url = serve(`${c.appId}.csv`, [
      'email,phone_number,user_id,action',
      `${a.body.email},,,add`,
      `,${b.body.phone_number},,add`,
      `,,${hex24()},add`,
      '',
    ].join('\n'));
    const created = await ok(c, 'createUserGroup', { body: { name: 'From a file', description: 'e2e', type: 'bulk', file_url: url } });
    assertGroupShape(created);
    assert.equal(created.uid, 1);
    assert.equal(created.status, 'pending');
    assert.equal(created.type, 'bulk');
    assert.equal(created.file_url, url);
    assert.equal(created.application_id, c.appId);

    const done = await waitDone(c, created.uid);
    assert.equal(done.status, 'completed');
    assert.equal(done.error.count, 1);
    assert.deepEqual(await members(c, created.uid), [a.user._id, b.user._id].sort());

    const report = await raw('GET', done.error.file_url, { token: await mainAccessToken() });
    assert.equal(report.status, 200);
    assert.match(report.text, /^row_number,row,reason\n3,/);
  });

  it('name and description are required; a private file_url is a 400', async () => {
    const c = await makeClient();
    await fails(c, 'createUserGroup', { body: { name: '', description: '' } }, 400);
    const err = await fails(c, 'createUserGroup', { body: { name: 'n', description: 'd', file_url: 'https://169.254.169.254/latest/meta-data/' } }, 400);
    assert.match(err.message, /link-local/);
    await fails(c, 'createUserGroup', { body: { name: 'n', description: 'd', file_url: 'https://10.1.2.3/users.csv' } }, 400);
  });
});

describe('getUserGroupById / getUserGroups', () => {
  it('reads a group by uid; lists newest first with the reference filters', async () => {
    const c = await makeClient();
    const one = await ok(c, 'createUserGroup', { body: { name: 'Summer sale', description: 'd' } });
    const two = await ok(c, 'createUserGroup', { body: { name: 'VIP', description: 'd' } });
    assert.equal(two.uid, one.uid + 1);
    const read = await ok(c, 'getUserGroupById', { groupId: String(one.uid) });
    assert.deepEqual(read, one);

    const all = await ok(c, 'getUserGroups', { pageNo: '1', pageSize: '10' });
    assert.deepEqual(all.items.map((g) => g.uid), [two.uid, one.uid]);
    assert.deepEqual(all.page, { type: 'number', current: 1, size: 10, item_total: 2, has_next: false });
    const byName = await ok(c, 'getUserGroups', { name: 'SALE' });
    assert.deepEqual(byName.items.map((g) => g.uid), [one.uid]);
    const byUid = await ok(c, 'getUserGroups', { groupUid: two.uid, type: 'bulk', status: 'completed' });
    assert.deepEqual(byUid.items.map((g) => g.uid), [two.uid]);
    const none = await ok(c, 'getUserGroups', { status: 'failed' });
    assert.deepEqual(none.items, []);

    await fails(c, 'getUserGroupById', { groupId: '999' }, 404);
    const other = await makeClient();
    await fails(other, 'getUserGroupById', { groupId: String(one.uid) }, 404);
  });
});

describe('updateUserGroup', () => {
  it('changes details; a new file goes back to pending and is applied', async () => {
    const c = await makeClient();
    const a = await createUser(c);
    const g = await ok(c, 'createUserGroup', { body: { name: 'n', description: 'd' } });
    const renamed = await ok(c, 'updateUserGroup', { groupId: String(g.uid), body: { name: 'renamed', description: 'new' } });
    assert.equal(renamed.name, 'renamed');
    assert.equal(renamed.__v, g.__v + 1);
    const url = serve(`${c.appId}-v2.csv`, `user_id,action\n${a.user._id},add\n`);
    const pending = await ok(c, 'updateUserGroup', { groupId: String(g.uid), body: { file_url: url } });
    assert.equal(pending.status, 'pending');
    const done = await waitDone(c, g.uid);
    assert.equal(done.status, 'completed');
    assert.equal(done.error, undefined);
    assert.deepEqual(await members(c, g.uid), [a.user._id]);
    await fails(c, 'updateUserGroup', { groupId: String(g.uid), body: { type: 'conditional' } }, 400);
    await fails(c, 'updateUserGroup', { groupId: '424242', body: { name: 'x' } }, 404);
  });
});

describe('updateUserGroupPartially', () => {
  it('adds and removes members from JSON entries', async () => {
    const c = await makeClient();
    const a = await createUser(c);
    const b = await createUser(c);
    const g = await ok(c, 'createUserGroup', { body: { name: 'json', description: 'd' } });
    const pending = await ok(c, 'updateUserGroupPartially', {
      groupId: String(g.uid),
      body: { type: 'json', user_data: [{ action: 'add', user_id: a.user._id }, { action: 'add', email: b.body.email }] },
    });
    assert.equal(pending.status, 'pending');
    await waitDone(c, g.uid);
    assert.deepEqual(await members(c, g.uid), [a.user._id, b.user._id].sort());

    await ok(c, 'updateUserGroupPartially', {
      groupId: String(g.uid),
      body: { type: 'json', user_data: [{ action: 'remove', phone_number: b.body.phone_number }] },
    });
    const done = await waitDone(c, g.uid);
    assert.equal(done.status, 'completed');
    assert.deepEqual(await members(c, g.uid), [a.user._id]);

    const groupsOfA = await raw('GET', `${USER_PREFIX(COMPANY_ID, c.appId)}/user_group/user/${a.user._id}`, { token: await mainAccessToken() });
    assert.equal(groupsOfA.status, 200, groupsOfA.text);
    assert.deepEqual(groupsOfA.json.items.map((x) => x.uid), [g.uid]);

    await fails(c, 'updateUserGroupPartially', { groupId: String(g.uid), body: { type: 'json', user_data: [{ action: 'keep', user_id: a.user._id }] } }, 400);
  });

  it('a file that cannot be fetched fails the group with the reason', async () => {
    const c = await makeClient();
    const g = await ok(c, 'createUserGroup', { body: { name: 'n', description: 'd' } });
    await ok(c, 'updateUserGroupPartially', { groupId: String(g.uid), body: { file_url: `${base}/missing.csv` } });
    const done = await waitDone(c, g.uid);
    assert.equal(done.status, 'failed');
    assert.match(done.error.reason, /HTTP 404/);
  });
});

describe('createUserGroup with conditions', () => {
  it('a conditional group lists the users whose attributes match, read at once', async () => {
    const c = await makeClient();
    const token = await mainAccessToken();
    const prefix = USER_PREFIX(COMPANY_ID, c.appId);
    const define = async (type) => {
      const r = await raw('POST', `${prefix}/user_attribute/definition`, { token, body: { name: `e2e ${type}`, slug: `e2e_${type}_${hex24().slice(0, 6)}`, type } });
      assert.equal(r.status, 200, r.text);
      return r.json._id;
    };
    const set = async (definitionId, userId, value) => {
      const r = await raw('PUT', `${prefix}/user_attribute/definition/${definitionId}/user/${userId}`, { token, body: { attribute: { value } } });
      assert.equal(r.status, 200, r.text);
    };
    const tier = await define('string');
    const age = await define('number');
    const a = await createUser(c);
    const b = await createUser(c);
    await set(tier, a.user._id, 'gold');
    await set(age, a.user._id, 41);
    await set(tier, b.user._id, 'gold');
    await set(age, b.user._id, 25);

    const g = await ok(c, 'createUserGroup', {
      body: {
        name: 'gold over 30', description: 'e2e', type: 'conditional',
        conditions: [
          { user_attribute_definition_id: tier, type: 'eq', value: 'gold' },
          { user_attribute_definition_id: age, type: 'gt', value: '30' },
        ],
      },
    });
    assert.equal(g.type, 'conditional');
    assert.equal(g.status, 'completed');
    assert.deepEqual(g.conditions.map((x) => x.value), ['gold', '30']);
    assert.deepEqual(await members(c, g.uid), [a.user._id]);

    await set(age, b.user._id, 35);
    assert.deepEqual(await members(c, g.uid), [a.user._id, b.user._id].sort());
    const listed = await ok(c, 'getUserGroups', { type: 'conditional' });
    assert.deepEqual(listed.items.map((x) => x.uid), [g.uid]);
    await fails(c, 'createUserGroup', {
      body: { name: 'n', description: 'd', conditions: [{ user_attribute_definition_id: hex24(), type: 'eq', value: 'x' }] },
    }, 400);
  });
});
