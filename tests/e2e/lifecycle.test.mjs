// Account lifecycle: blockOrUnblockUsers, archiveUser, unDeleteUser
// (client 1.4.13) and getUserTimeline (client 3.4.2).
//
// A user is put into the "deleted" state with the service's own
// DELETE /customers/{user_id}?reason=... (not in the client): that endpoint
// is only used here as a set-up step for unDeleteUser and getUserTimeline.
import { describe, it } from 'node:test';
import {
  assert, guardClientLogs, makeClient, ok, fails, createUser, hex24, raw, USER_PREFIX,
  COMPANY_ID, mainAccessToken, ISO_MS_UTC,
} from './lib/harness.mjs';

guardClientLogs();

async function findByEmail(c, email) {
  const res = await ok(c, 'getCustomers', { q: email });
  assert.equal(res.items.length, 1, `expected one user for ${email}, got ${JSON.stringify(res.items)}`);
  return res.items[0];
}

async function deleteCustomer(c, userId, reason = 'e2e: customer asked to erase data') {
  const r = await raw('DELETE', `${USER_PREFIX(COMPANY_ID, c.appId)}/customers/${userId}`, {
    token: await mainAccessToken(),
    query: { reason },
  });
  assert.ok(r.status >= 200 && r.status < 300, `set-up: DELETE /customers/${userId} answered ${r.status}: ${r.text}`);
  return r;
}

describe('blockOrUnblockUsers', () => {
  it('status false blocks (active: false), status true unblocks (active: true)', async () => {
    const c = await makeClient();
    const a = await createUser(c);
    const b = await createUser(c);
    const bystander = await createUser(c);

    const blocked = await ok(c, 'blockOrUnblockUsers', { body: { user_id: [a.user._id, b.user._id], status: false, reason: 'e2e: fraud check' } });
    assert.equal(blocked.success, true);
    assert.equal((await findByEmail(c, a.body.email)).active, false);
    assert.equal((await findByEmail(c, b.body.email)).active, false);
    assert.equal((await findByEmail(c, bystander.body.email)).active, true, 'users not named are untouched');

    const unblocked = await ok(c, 'blockOrUnblockUsers', { body: { user_id: [a.user._id], status: true, reason: 'e2e: cleared' } });
    assert.equal(unblocked.success, true);
    assert.equal((await findByEmail(c, a.body.email)).active, true);
    assert.equal((await findByEmail(c, b.body.email)).active, false);
  });

  it('an unknown user id → 404', async () => {
    const c = await makeClient();
    await fails(c, 'blockOrUnblockUsers', { body: { user_id: [hex24()], status: false, reason: 'e2e' } }, 404);
  });
});

describe('archiveUser', () => {
  it('answers {success: true} and frees the phone number and email for a new account', async () => {
    const c = await makeClient();
    const { user, body } = await createUser(c);
    const res = await ok(c, 'archiveUser', { body: { user_id: user._id } });
    assert.equal(res.success, true);
    const again = await createUser(c, { phone_number: body.phone_number, email: body.email });
    assert.notEqual(again.user._id, user._id, 're-registration creates a new user');
  });

  it('an unknown user id → 404', async () => {
    const c = await makeClient();
    await fails(c, 'archiveUser', { body: { user_id: hex24() } }, 404);
  });
});

describe('unDeleteUser', () => {
  it('restores a user whose deletion is pending', async () => {
    const c = await makeClient();
    const { user, body } = await createUser(c);
    await deleteCustomer(c, user._id);
    const res = await ok(c, 'unDeleteUser', { body: { user_id: user._id, reason: 'e2e: changed my mind', reason_id: '1' } });
    assert.equal(res.success, true);
    const back = await findByEmail(c, body.email);
    assert.equal(back._id, user._id);
    if ('deleted_on' in back) assert.fail(`a restored user should not carry deleted_on: ${JSON.stringify(back)}`);
  });

  it('a user that was never deleted → 4xx with an error body', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await fails(c, 'unDeleteUser', { body: { user_id: user._id, reason: 'e2e', reason_id: '1' } }, [400, 404, 409, 422]);
  });

  it('an unknown user id → 404', async () => {
    const c = await makeClient();
    await fails(c, 'unDeleteUser', { body: { user_id: hex24(), reason: 'e2e', reason_id: '1' } }, 404);
  });
});

describe('getUserTimeline (client 3.4.2)', () => {
  it('shows the erase request of a deleted user: delete_on and timeline events', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await deleteCustomer(c, user._id);
    const v3 = await makeClient({ version: 3, appId: c.appId });
    const res = await ok(v3, 'getUserTimeline', { userId: user._id });
    assert.equal(typeof res.delete_on, 'string');
    assert.match(res.delete_on, ISO_MS_UTC);
    assert.ok(new Date(res.delete_on) > new Date(), 'delete_on lies in the future');
    assert.ok(Array.isArray(res.timeline) && res.timeline.length >= 1, `timeline should list the request: ${JSON.stringify(res)}`);
    for (const ev of res.timeline) {
      assert.equal(typeof ev.title, 'string');
      assert.equal(typeof ev.type, 'string');
      assert.equal(typeof ev.visible, 'boolean');
      assert.match(ev.date, ISO_MS_UTC);
    }
  });

  it('after an undelete the timeline records the cancellation', async () => {
    const c = await makeClient();
    const { user } = await createUser(c);
    await deleteCustomer(c, user._id);
    const v3 = await makeClient({ version: 3, appId: c.appId });
    const before = await ok(v3, 'getUserTimeline', { userId: user._id });
    await ok(c, 'unDeleteUser', { body: { user_id: user._id, reason: 'e2e', reason_id: '1' } });
    const after = await ok(v3, 'getUserTimeline', { userId: user._id });
    assert.ok(after.timeline.length > before.timeline.length, `expected a new event after the undelete: ${JSON.stringify(after)}`);
  });

  it('an unknown user → 404', async () => {
    const v3 = await makeClient({ version: 3 });
    await fails(v3, 'getUserTimeline', { userId: hex24() }, 404);
  });
});
