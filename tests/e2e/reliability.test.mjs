// Safe retries and stale writes through the official clients: an Idempotency-Key sent as a request header
// (requestHeaders) makes a retried createUser answer the first user, and If-Match with a stale ETag is a 412 the
// client surfaces as FDKServerResponseError with the error body. Strict response checking, no client warning.
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { assert, guardClientLogs, makeClient, ok, fails, userBody, assertMatchesModels } from './lib/harness.mjs';

guardClientLogs();

const newKey = () => `e2e-${randomBytes(8).toString('hex')}`;

for (const version of [1, 3]) {
  const label = version === 3 ? 'client 3.4.2' : 'client 1.4.13';

  describe(`Idempotency-Key (${label})`, () => {
    it('a retried createUser answers the first user and creates one', async () => {
      const c = await makeClient({ version });
      const body = userBody();
      const key = newKey();
      const first = await ok(c, 'createUser', { body, requestHeaders: { 'Idempotency-Key': key } });
      const retry = await ok(c, 'createUser', { body, requestHeaders: { 'Idempotency-Key': key } });
      assert.deepEqual(retry, first);
      const listed = await ok(c, 'getCustomers', { q: body.phone_number });
      assert.deepEqual(listed.items.map((u) => u._id), [first.user._id]);
    });

    it('the replay is marked and carries the first answer\'s ETag', async () => {
      const c = await makeClient({ version });
      const body = userBody();
      const key = newKey();
      const [first, firstHeaders] = await c.user.createUser({ body, requestHeaders: { 'Idempotency-Key': key } }, { responseHeaders: true });
      const [again, headers] = await c.user.createUser({ body, requestHeaders: { 'Idempotency-Key': key } }, { responseHeaders: true });
      assertMatchesModels('createUser', again);
      assert.deepEqual(again, first);
      assert.equal(firstHeaders['idempotent-replayed'], undefined);
      assert.equal(headers['idempotent-replayed'], 'true');
      assert.equal(headers.etag, '"0"');
    });

    it('the same key with another body is a 422 with the error body', async () => {
      const c = await makeClient({ version });
      const key = newKey();
      await ok(c, 'createUser', { body: userBody(), requestHeaders: { 'Idempotency-Key': key } });
      const err = await fails(c, 'createUser', { body: userBody(), requestHeaders: { 'Idempotency-Key': key } }, 422);
      assert.equal(err.details.code, 'idempotency_key_reused');
    });
  });

  describe(`ETag / If-Match (${label})`, () => {
    it('updateUser with a stale If-Match is a 412 and changes nothing; the current one applies', async () => {
      const c = await makeClient({ version });
      const { user } = await ok(c, 'createUser', { body: userBody() });
      const [updated, headers] = await c.user.updateUser(
        { userId: user._id, body: { first_name: 'First' }, requestHeaders: { 'If-Match': '"0"' } }, { responseHeaders: true });
      assertMatchesModels('updateUser', updated);
      assert.equal(headers.etag, '"1"');
      const err = await fails(c, 'updateUser', { userId: user._id, body: { first_name: 'Stale' }, requestHeaders: { 'If-Match': '"0"' } }, 412);
      assert.equal(err.details.code, 'precondition_failed');
      const now = await ok(c, 'updateUser', { userId: user._id, body: { first_name: 'Second' }, requestHeaders: { 'If-Match': '"1"' } });
      assert.equal(now.user.first_name, 'Second');
      assert.equal(now.user.__v, 2);
    });

    it('updatePlatformConfig with a stale If-Match is a 412', async () => {
      const c = await makeClient({ version });
      await ok(c, 'updatePlatformConfig', { body: { delete_account_day: 9 }, requestHeaders: { 'If-Match': '"0"' } });
      const err = await fails(c, 'updatePlatformConfig', { body: { delete_account_day: 10 }, requestHeaders: { 'If-Match': '"0"' } }, 412);
      assert.equal(err.details.code, 'precondition_failed');
      assert.equal((await ok(c, 'getPlatformConfig')).delete_account_day, 9);
    });
  });
}
