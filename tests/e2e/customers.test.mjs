// Customers: createUser, updateUser, getCustomers, searchUsers and their
// error cases, through the official client 1.4.13 (and 3.4.2 where noted).
import { describe, it } from 'node:test';
import {
  assert, guardClientLogs, makeClient, ok, fails, raw, createUser, userBody, newMobile, newEmail,
  uniq, hex24, ISO_MS_UTC, HEX24, USER_PREFIX, COMPANY_ID, mainAccessToken, assertErrorBody,
  FDKClientValidationError,
} from './lib/harness.mjs';

guardClientLogs();

function assertUserShape(u, label = 'user') {
  assert.match(u._id, HEX24, `${label}._id must be a 24-hex id`);
  assert.match(u.created_at, ISO_MS_UTC, `${label}.created_at must be ISO-8601 UTC with ms`);
  assert.match(u.updated_at, ISO_MS_UTC, `${label}.updated_at must be ISO-8601 UTC with ms`);
  assert.equal(typeof u.active, 'boolean');
  assert.ok(Array.isArray(u.emails), `${label}.emails must be an array`);
  assert.ok(Array.isArray(u.phone_numbers), `${label}.phone_numbers must be an array`);
  for (const p of u.phone_numbers) assert.equal(typeof p.country_code, 'number', `${label}: country_code must be a JSON number`);
  if ('__v' in u) assert.equal(typeof u.__v, 'number', `${label}.__v must be a number`);
  if ('meta' in u) assert.ok(u.meta !== null && typeof u.meta === 'object' && !Array.isArray(u.meta), `${label}.meta must be an object (3.4.2 declares it one)`);
}

const ids = (list) => list.map((u) => u._id).sort();

describe('createUser', () => {
  it('creates a user from the reference-shaped body and returns it as CreateUserResponseSchema', async () => {
    const c = await makeClient();
    const { user, body } = await createUser(c);
    assertUserShape(user);
    assert.equal(user.first_name, body.first_name);
    assert.equal(user.last_name, body.last_name);
    assert.equal(user.gender, body.gender);
    assert.equal(user.username, body.username);
    assert.equal(user.external_id, body.external_id);
    assert.deepEqual(user.meta, body.meta);
    assert.equal(user.active, true);
    assert.equal(user.emails.length, 1);
    assert.equal(user.emails[0].email, body.email);
    assert.equal(user.emails[0].primary, true);
    assert.equal(user.emails[0].active, true);
    assert.equal(user.phone_numbers.length, 1);
    assert.equal(user.phone_numbers[0].phone, body.phone_number);
    assert.equal(user.phone_numbers[0].country_code, 91);
    assert.equal(user.phone_numbers[0].primary, true);
    assert.equal(user.phone_numbers[0].active, true);
    if ('application_id' in user) assert.equal(user.application_id, c.appId);
    if ('user_id' in user) assert.equal(typeof user.user_id, 'string');
  });

  it('creates a user with only username and phone_number', async () => {
    const c = await makeClient();
    const body = { username: uniq('min'), phone_number: newMobile() };
    const { user } = await ok(c, 'createUser', { body });
    assertUserShape(user);
    assert.equal(user.username, body.username);
    assert.equal(user.phone_numbers[0].phone, body.phone_number);
    assert.deepEqual(user.emails, []);
  });

  it('accepts the phone number in international format', async () => {
    const c = await makeClient();
    const national = newMobile();
    const { user } = await ok(c, 'createUser', { body: { username: uniq('intl'), phone_number: `+91${national}` } });
    assert.equal(user.phone_numbers[0].phone, national);
    assert.equal(user.phone_numbers[0].country_code, 91);
  });

  it('the 1.4.13 client itself refuses a body without username or phone_number (both required)', async () => {
    const c = await makeClient();
    await assert.rejects(c.user.createUser({ body: { phone_number: newMobile() } }), (e) => e instanceof FDKClientValidationError || e.name === 'FDKClientValidationError');
    await assert.rejects(c.user.createUser({ body: { username: uniq() } }), (e) => e.name === 'FDKClientValidationError');
  });

  it('the service refuses a body without username or phone_number with 400', async () => {
    const token = await mainAccessToken();
    const prefix = USER_PREFIX(COMPANY_ID, hex24());
    for (const body of [{ phone_number: newMobile() }, { username: uniq() }, {}]) {
      const r = await raw('POST', `${prefix}/customers`, { token, body });
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
      assertErrorBody(r.json, '400 body');
    }
  });

  it('duplicate username → 409 surfaced as FDKServerResponseError carrying the service\'s message', async () => {
    const c = await makeClient();
    const { body } = await createUser(c);
    const err = await fails(c, 'createUser', { body: userBody({ username: body.username }) }, 409);
    assert.equal(err.status, 'Conflict');
    assert.ok(err.message.length > 0);
  });

  it('the same username in another application is no conflict', async () => {
    const a = await makeClient();
    const b = await makeClient();
    const { body } = await createUser(a);
    await createUser(b, { username: body.username });
  });

  it('malformed input → 400: empty phone_number, letters as phone number, invalid email', async () => {
    const c = await makeClient();
    await fails(c, 'createUser', { body: userBody({ phone_number: '' }) }, 400);
    await fails(c, 'createUser', { body: userBody({ phone_number: 'not-a-phone' }) }, 400);
    await fails(c, 'createUser', { body: userBody({ email: 'not-an-email' }) }, 400);
  });

  it('a body that is not JSON → 400 with an error body', async () => {
    const r = await raw('POST', `${USER_PREFIX(COMPANY_ID, hex24())}/customers`, {
      token: await mainAccessToken(),
      headers: { 'content-type': 'application/json' },
      body: '{"username": "x", ',
    });
    assert.equal(r.status, 400, r.text);
    assertErrorBody(r.json, '400 body');
  });

  it('a body over the size limit (1 MiB) → 413 with an error body, before it is read', async () => {
    const r = await raw('POST', `${USER_PREFIX(COMPANY_ID, hex24())}/customers`, {
      token: await mainAccessToken(),
      body: { ...userBody(), meta: { blob: 'x'.repeat(2 * 1024 * 1024) } },
    });
    assert.equal(r.status, 413, r.text);
    assertErrorBody(r.json, '413 body');
    assert.equal(r.json.code, 'payload_too_large');
  });

  it('a body that is not JSON by content type → 415 with an error body', async () => {
    const r = await raw('POST', `${USER_PREFIX(COMPANY_ID, hex24())}/customers`, {
      token: await mainAccessToken(),
      headers: { 'content-type': 'text/plain' },
      body: 'username=x',
    });
    assert.equal(r.status, 415, r.text);
    assertErrorBody(r.json, '415 body');
  });
});

describe('updateUser', () => {
  it('replaces emails and phone_numbers wholesale; country_code goes as a string and comes back a number', async () => {
    const c = await makeClient();
    const { user, body } = await createUser(c);
    const phoneA = newMobile();
    const phoneB = newMobile();
    const emailA = newEmail('new-primary');
    const emailB = newEmail('new-secondary');
    const res = await ok(c, 'updateUser', {
      userId: user._id,
      body: {
        first_name: 'Prince',
        last_name: 'Raj',
        gender: 'female',
        external_id: 'ext-42',
        meta: { tier: 'gold' },
        phone_numbers: [
          { phone: phoneA, country_code: '91', primary: true, active: true, verified: true },
          { phone: phoneB, country_code: '91', primary: false, active: true, verified: false },
        ],
        emails: [
          { email: emailA, primary: true, active: true, verified: true },
          { email: emailB, primary: false, active: true, verified: false },
        ],
      },
    });
    const u = res.user;
    assertUserShape(u, 'updated user');
    assert.equal(u._id, user._id);
    assert.equal(u.first_name, 'Prince');
    assert.equal(u.last_name, 'Raj');
    assert.equal(u.gender, 'female');
    assert.equal(u.external_id, 'ext-42');
    assert.deepEqual(u.meta, { tier: 'gold' });
    assert.equal(u.username, body.username, 'username is not part of the update and must be kept');
    assert.deepEqual(
      u.phone_numbers.map((p) => [p.phone, p.country_code, p.primary, p.active, p.verified]),
      [[phoneA, 91, true, true, true], [phoneB, 91, false, true, false]],
    );
    assert.deepEqual(
      u.emails.map((e) => [e.email, e.primary, e.active, e.verified]),
      [[emailA, true, true, true], [emailB, false, true, false]],
    );
    assert.ok(u.updated_at >= user.updated_at);
    assert.equal(u.created_at, user.created_at);

    // the old identifiers are gone, the new ones find the user
    assert.deepEqual((await ok(c, 'getCustomers', { q: body.email })).items, []);
    assert.deepEqual((await ok(c, 'getCustomers', { q: body.phone_number })).items, []);
    assert.deepEqual(ids((await ok(c, 'getCustomers', { q: emailB })).items), [user._id]);
    assert.deepEqual(ids((await ok(c, 'getCustomers', { q: phoneB })).items), [user._id]);
  });

  it('leaves emails and phone_numbers alone when they are not sent', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    const res = await ok(c, 'updateUser', { userId: user._id, body: { first_name: 'Only' } });
    assert.equal(res.user.first_name, 'Only');
    assert.equal(res.user.last_name, user.last_name);
    assert.deepEqual(res.user.emails, user.emails);
    assert.deepEqual(res.user.phone_numbers, user.phone_numbers);
  });

  it('an empty emails list removes every email', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    const res = await ok(c, 'updateUser', { userId: user._id, body: { emails: [] } });
    assert.deepEqual(res.user.emails, []);
    assert.deepEqual(res.user.phone_numbers, user.phone_numbers);
  });

  it('unknown user id → 404', async () => {
    const c = await makeClient();
    await fails(c, 'updateUser', { userId: hex24(), body: { first_name: 'Nobody' } }, 404);
  });

  it('a user of another application → 404', async () => {
    const a = await makeClient();
    const b = await makeClient();
    const { user } = await createUser(a);
    await fails(b, 'updateUser', { userId: user._id, body: { first_name: 'Stranger' } }, 404);
  });

  it('malformed phone number in the update → 400', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await fails(c, 'updateUser', {
      userId: user._id,
      body: { phone_numbers: [{ phone: 'abc', country_code: '91', primary: true, active: true, verified: true }] },
    }, 400);
  });

  it('malformed email in the update → 400', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await fails(c, 'updateUser', {
      userId: user._id,
      body: { emails: [{ email: 'nope', primary: true, active: true, verified: true }] },
    }, 400);
  });
});

describe('getCustomers', () => {
  it('finds a user by email', async () => {
    const c = await makeClient();
    const { user, body } = await createUser(c);
    await createUser(c); // another user that must not match
    const res = await ok(c, 'getCustomers', { q: body.email });
    assert.deepEqual(ids(res.items), [user._id]);
    assertUserShape(res.items[0], 'listed user');
    assert.equal(res.page.item_total, 1);
    assert.equal(res.page.has_next, false);
  });

  it('finds a user by phone number in several formats', async () => {
    const c = await makeClient();
    const { user, body } = await createUser(c);
    await createUser(c);
    const n = body.phone_number;
    for (const q of [n, `+91${n}`, `+91 ${n}`, `+91-${n.slice(0, 5)}-${n.slice(5)}`]) {
      const res = await ok(c, 'getCustomers', { q });
      assert.deepEqual(ids(res.items), [user._id], `q=${JSON.stringify(q)} should find the user`);
    }
  });

  it('an empty q (the client allows "") lists everyone', async () => {
    const c = await makeClient();
    const a = await createUser(c);
    const b = await createUser(c);
    const res = await ok(c, 'getCustomers', { q: '' });
    assert.deepEqual(ids(res.items), [a.user._id, b.user._id].sort());
    assert.equal(res.page.item_total, 2);
  });

  it('an unmatched query gives an empty page', async () => {
    const c = await makeClient();
    await createUser(c);
    const res = await ok(c, 'getCustomers', { q: newEmail('nobody') });
    assert.deepEqual(res.items, []);
    assert.equal(res.page.item_total, 0);
    assert.equal(res.page.has_next, false);
  });

  it('paginates with page_no / page_size and reports item_total and has_next', async () => {
    const c = await makeClient();
    const created = [];
    for (let i = 0; i < 12; i++) created.push((await createUser(c)).user._id);

    const p1 = await ok(c, 'getCustomers', { pageNo: 1, pageSize: 5 });
    assert.equal(p1.items.length, 5);
    assert.deepEqual(
      { type: p1.page.type, current: p1.page.current, size: p1.page.size, item_total: p1.page.item_total, has_next: p1.page.has_next },
      { type: 'number', current: 1, size: 5, item_total: 12, has_next: true },
    );
    const p2 = await ok(c, 'getCustomers', { pageNo: 2, pageSize: 5 });
    assert.equal(p2.items.length, 5);
    assert.equal(p2.page.current, 2);
    assert.equal(p2.page.has_next, true);
    const p3 = await ok(c, 'getCustomers', { pageNo: 3, pageSize: 5 });
    assert.equal(p3.items.length, 2);
    assert.equal(p3.page.current, 3);
    assert.equal(p3.page.has_next, false);
    assert.equal(p3.page.item_total, 12);

    const seen = [...p1.items, ...p2.items, ...p3.items].map((u) => u._id);
    assert.equal(new Set(seen).size, 12, 'pages must not overlap');
    assert.deepEqual([...seen].sort(), [...created].sort());

    const beyond = await ok(c, 'getCustomers', { pageNo: 4, pageSize: 5 });
    assert.deepEqual(beyond.items, []);
    assert.equal(beyond.page.has_next, false);
  });

  it('defaults to page 1 of size 10', async () => {
    const c = await makeClient();
    for (let i = 0; i < 11; i++) await createUser(c);
    const res = await ok(c, 'getCustomers', {});
    assert.equal(res.items.length, 10);
    assert.equal(res.page.current, 1);
    assert.equal(res.page.size, 10);
    assert.equal(res.page.item_total, 11);
    assert.equal(res.page.has_next, true);
  });

  it('the 3.4.2 client reads the same list', async () => {
    const v1 = await makeClient();
    const { user, body } = await createUser(v1);
    const v3 = await makeClient({ version: 3, appId: v1.appId });
    const res = await ok(v3, 'getCustomers', { q: body.email });
    assert.deepEqual(ids(res.items), [user._id]);
  });
});

describe('searchUsers', () => {
  it('finds a user with q (email and phone)', async () => {
    const c = await makeClient();
    const { user, body } = await createUser(c);
    await createUser(c);
    const byEmail = await ok(c, 'searchUsers', { q: body.email });
    assert.deepEqual(ids(byEmail.users), [user._id]);
    assertUserShape(byEmail.users[0], 'found user');
    const byPhone = await ok(c, 'searchUsers', { q: body.phone_number });
    assert.deepEqual(ids(byPhone.users), [user._id]);
  });

  it('finds several users with the query array (sent as repeated query=)', async () => {
    const c = await makeClient();
    const a = await createUser(c);
    const b = await createUser(c);
    await createUser(c);
    const res = await ok(c, 'searchUsers', { query: [a.body.email, `+91${b.body.phone_number}`] });
    assert.deepEqual(ids(res.users), [a.user._id, b.user._id].sort());
  });

  it('a single-element query array works', async () => {
    const c = await makeClient();
    const a = await createUser(c);
    const res = await ok(c, 'searchUsers', { query: [a.body.email] });
    assert.deepEqual(ids(res.users), [a.user._id]);
  });

  it('no match → users: []', async () => {
    const c = await makeClient();
    await createUser(c);
    const res = await ok(c, 'searchUsers', { q: newEmail('ghost') });
    assert.deepEqual(res.users, []);
  });

  it('does not see users of another application', async () => {
    const a = await makeClient();
    const b = await makeClient();
    const { body } = await createUser(a);
    assert.deepEqual((await ok(b, 'searchUsers', { q: body.email })).users, []);
    assert.deepEqual((await ok(b, 'getCustomers', { q: body.email })).items, []);
  });

  it('the 3.4.2 client reads the same result', async () => {
    const v1 = await makeClient();
    const { user, body } = await createUser(v1);
    const v3 = await makeClient({ version: 3, appId: v1.appId });
    const res = await ok(v3, 'searchUsers', { q: body.email });
    assert.deepEqual(ids(res.users), [user._id]);
  });
});
