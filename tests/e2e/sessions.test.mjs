// Sessions: createUserSession, getActiveSessions, deleteSession,
// deleteActiveSessions through the official client 1.4.13.
import { describe, it } from 'node:test';
import { assert, guardClientLogs, makeClient, ok, fails, createUser, hex24 } from './lib/harness.mjs';

guardClientLogs();

const DOMAIN = 'shop.e2e.example.com';

async function sessionFor(c, userId, domain = DOMAIN) {
  // CreateUserSessionRequestSchema in 1.4.13 is {domain, user_id}; the
  // reference's max_age is unknown to that client (it would log a warning).
  return ok(c, 'createUserSession', { body: { domain, user_id: userId } });
}

describe('createUserSession', () => {
  it('returns domain, max_age, secure, http_only and the cookie as an object', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    const s = await sessionFor(c, user._id);
    assert.equal(s.domain, DOMAIN);
    assert.equal(typeof s.max_age, 'number');
    assert.ok(s.max_age > 0, `max_age should be positive, got ${s.max_age}`);
    assert.equal(typeof s.secure, 'boolean');
    assert.equal(typeof s.http_only, 'boolean');
    assert.ok(s.cookie && typeof s.cookie === 'object' && !Array.isArray(s.cookie), `cookie must be an object: ${JSON.stringify(s.cookie)}`);
    const names = Object.keys(s.cookie);
    assert.ok(names.length >= 1, 'cookie carries at least one name → value');
    for (const n of names) assert.equal(typeof s.cookie[n], 'string', `cookie["${n}"] must be a string`);
    assert.ok('f.session' in s.cookie, `the reference names the cookie "f.session"; got ${names.join(', ')}`);
  });

  it('unknown user → 404', async () => {
    const c = await makeClient();
    await fails(c, 'createUserSession', { body: { domain: DOMAIN, user_id: hex24() } }, 404);
  });
});

describe('getActiveSessions / deleteSession / deleteActiveSessions', () => {
  it('lists the sessions created for a user', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    const { user: other } = await createUser(c);
    await sessionFor(c, user._id, 'a.e2e.example.com');
    await sessionFor(c, user._id, 'b.e2e.example.com');
    await sessionFor(c, other._id);
    const res = await ok(c, 'getActiveSessions', { id: user._id });
    assert.equal(res.items.length, 2, JSON.stringify(res));
    for (const s of res.items) {
      assert.equal(typeof s.session_id, 'string');
      assert.ok(s.session_id.length > 0);
    }
    assert.equal(new Set(res.items.map((s) => s.session_id)).size, 2, 'session ids are distinct');
    assert.deepEqual(res.items.map((s) => s.domain).sort(), ['a.e2e.example.com', 'b.e2e.example.com']);
  });

  it('a user without sessions has items: []', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    const res = await ok(c, 'getActiveSessions', { id: user._id });
    assert.deepEqual(res.items, []);
  });

  it('deleteSession removes one session and answers {user_id, session_id}', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await sessionFor(c, user._id);
    await sessionFor(c, user._id);
    const before = await ok(c, 'getActiveSessions', { id: user._id });
    assert.equal(before.items.length, 2);
    const victim = before.items[0].session_id;
    const res = await ok(c, 'deleteSession', { id: user._id, sessionId: victim, reason: 'e2e: lost device' });
    assert.deepEqual({ user_id: res.user_id, session_id: res.session_id }, { user_id: user._id, session_id: victim });
    const after = await ok(c, 'getActiveSessions', { id: user._id });
    assert.deepEqual(after.items.map((s) => s.session_id), before.items.slice(1).map((s) => s.session_id));
  });

  it('deleteSession of an unknown session → 404', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await fails(c, 'deleteSession', { id: user._id, sessionId: `sess:${hex24()}`, reason: 'e2e' }, 404);
  });

  it('deleteActiveSessions removes them all and answers {user_id, session_ids}', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    const { user: other } = await createUser(c);
    for (let i = 0; i < 3; i++) await sessionFor(c, user._id);
    await sessionFor(c, other._id);
    const before = await ok(c, 'getActiveSessions', { id: user._id });
    assert.equal(before.items.length, 3);
    const res = await ok(c, 'deleteActiveSessions', { id: user._id, reason: 'e2e: sign out everywhere' });
    assert.equal(res.user_id, user._id);
    assert.deepEqual([...res.session_ids].sort(), before.items.map((s) => s.session_id).sort());
    assert.deepEqual((await ok(c, 'getActiveSessions', { id: user._id })).items, []);
    assert.equal((await ok(c, 'getActiveSessions', { id: other._id })).items.length, 1, 'another user\'s sessions are kept');
  });

  it('deleteActiveSessions with no sessions answers session_ids: []', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    const res = await ok(c, 'deleteActiveSessions', { id: user._id, reason: 'e2e' });
    assert.equal(res.user_id, user._id);
    assert.deepEqual(res.session_ids, []);
  });

  it('the 3.4.2 client reads and deletes sessions too', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await sessionFor(c, user._id);
    const v3 = await makeClient({ version: 3, appId: c.appId });
    const list = await ok(v3, 'getActiveSessions', { id: user._id });
    assert.equal(list.items.length, 1);
    const del = await ok(v3, 'deleteSession', { id: user._id, sessionId: list.items[0].session_id, reason: 'e2e' });
    assert.equal(del.session_id, list.items[0].session_id);
  });
});
