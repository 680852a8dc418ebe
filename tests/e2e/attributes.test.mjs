// User attributes: the ten reference methods through the official client 1.4.13
// (definitions and values) and filterUsersByAttributes, updateUserAttributes,
// deleteUserAttributesInBulk through 3.4.2. A value travels as
// attribute: {value: <typed value>} (ROUTES.md).
import { describe, it } from 'node:test';
import {
  assert, guardClientLogs, makeClient, ok, fails, createUser, hex24, uniq, ISO_MS_UTC, HEX24,
} from './lib/harness.mjs';

guardClientLogs();

function assertDefinitionShape(d) {
  assert.match(d._id, HEX24);
  assert.equal(typeof d.name, 'string');
  assert.equal(typeof d.slug, 'string');
  assert.equal(typeof d.multi_value, 'boolean');
  assert.equal(typeof d.encrypted, 'boolean');
  assert.equal(typeof d.is_locked, 'boolean');
  assert.ok(Array.isArray(d.validations));
  assert.match(d.created_at, ISO_MS_UTC);
  assert.match(d.modified_at, ISO_MS_UTC);
  assert.equal(typeof d.__v, 'number');
}

async function define(c, type, extra = {}) {
  return ok(c, 'createUserAttributeDefinition', {
    body: { name: `E2E ${type}`, slug: uniq(type).toLowerCase(), description: 'e2e', type, ...extra },
  });
}

describe('attribute definitions (client 1.4.13)', () => {
  it('create, get, list with filters, update and delete', async () => {
    const c = await makeClient();
    const created = await define(c, 'string', {
      pinned: true, pin_order: 2, customer_editable: true, multi_value: false, encrypted: false, default_value: 'bronze',
      validations: [{ type: 'min', value: 1 }, { type: 'max', value: 20 }],
    });
    assertDefinitionShape(created);
    assert.equal(created.application_id, c.appId);
    assert.deepEqual(created.validations, [{ type: 'min', value: 1 }, { type: 'max', value: 20 }]);
    const number = await define(c, 'number');

    const read = await ok(c, 'getUserAttributeDefinitionById', { attributeDefId: created._id });
    assert.deepEqual(read, created);

    const pinned = await ok(c, 'getUserAttributeDefinitions', { pinned: true, pageSize: 10, pageNo: 1 });
    assert.deepEqual(pinned.items.map((d) => d._id), [created._id]);
    assert.equal(pinned.page.item_total, 1);
    pinned.items.forEach(assertDefinitionShape);
    const byType = await ok(c, 'getUserAttributeDefinitions', { type: 'number' });
    assert.deepEqual(byType.items.map((d) => d._id), [number._id]);
    const excluded = await ok(c, 'getUserAttributeDefinitions', { excludingIds: created._id });
    assert.deepEqual(excluded.items.map((d) => d._id), [number._id]);
    const byName = await ok(c, 'getUserAttributeDefinitions', { name: 'e2e NUMBER', customerEditable: false, encrypted: false, isLocked: false });
    assert.deepEqual(byName.items.map((d) => d._id), [number._id]);

    const updated = await ok(c, 'updateUserAttributeDefinition', { attributeDefId: created._id, body: { name: 'Renamed', pin_order: 1 } });
    assert.equal(updated.name, 'Renamed');
    assert.equal(updated.pin_order, 1);
    assert.equal(updated.slug, created.slug);

    const deleted = await ok(c, 'deleteUserAttributeDefinitionById', { attributeDefId: created._id });
    assert.equal(typeof deleted.success, 'string');
    await fails(c, 'getUserAttributeDefinitionById', { attributeDefId: created._id }, 404);
  });

  it('a duplicate slug → 409; validations that do not fit the type → 400', async () => {
    const c = await makeClient();
    const first = await define(c, 'string');
    await fails(c, 'createUserAttributeDefinition', { body: { name: 'Again', slug: first.slug, type: 'number' } }, 409);
    await fails(c, 'createUserAttributeDefinition', { body: { name: 'Bad', slug: 'bad_max', type: 'boolean', validations: [{ type: 'max', value: 1 }] } }, 400);
    await fails(c, 'createUserAttributeDefinition', { body: { name: 'Bad', slug: 'bad_regex', type: 'string', validations: [{ type: 'regex', value: '(' }] } }, 400);
  });
});

describe('attribute values (client 1.4.13)', () => {
  it('updateUserAttribute creates then replaces; get, get by id, list for user, delete', async () => {
    const c = await makeClient();
    const age = await define(c, 'number', { validations: [{ type: 'min', value: 18 }] });
    const tags = await define(c, 'string', { multi_value: true });
    const { user } = await createUser(c);

    const written = await ok(c, 'updateUserAttribute', { attributeDefId: age._id, userId: user._id, body: { attribute: { value: 30 }, customer_overriden: false } });
    assert.deepEqual(written.attribute, { value: 30 });
    assert.equal(written.user_id, user._id);
    assert.match(written._id, HEX24);
    const replaced = await ok(c, 'updateUserAttribute', { attributeDefId: age._id, userId: user._id, body: { attribute: { value: 31 } } });
    assert.equal(replaced._id, written._id, 'one value per definition and user');
    await ok(c, 'updateUserAttribute', { attributeDefId: tags._id, userId: user._id, body: { attribute: { value: ['vip', 'early'] } } });

    assert.deepEqual((await ok(c, 'getUserAttribute', { attributeDefId: age._id, userId: user._id })).attribute, { value: 31 });
    assert.deepEqual((await ok(c, 'getUserAttributeById', { attributeId: written._id })).attribute, { value: 31 });
    const all = await ok(c, 'getUserAttributesForUser', { userId: user._id, pageSize: 10, pageNo: 1 });
    assert.equal(all.page.item_total, 2);
    assert.deepEqual(all.items.map((a) => a.user_attribute_definition_id).sort(), [age._id, tags._id].sort());

    const removed = await ok(c, 'deleteUserAttribute', { attributeDefId: age._id, userId: user._id });
    assert.equal(typeof removed.success, 'string');
    await fails(c, 'getUserAttribute', { attributeDefId: age._id, userId: user._id }, 404);
  });

  it('a string for a number, a broken validation, a foreign user → 4xx', async () => {
    const c = await makeClient();
    const other = await makeClient();
    const age = await define(c, 'number', { validations: [{ type: 'min', value: 18 }] });
    const { user } = await createUser(c);
    const { user: stranger } = await createUser(other);
    await fails(c, 'updateUserAttribute', { attributeDefId: age._id, userId: user._id, body: { attribute: { value: '42' } } }, 400);
    await fails(c, 'updateUserAttribute', { attributeDefId: age._id, userId: user._id, body: { attribute: { value: 17 } } }, 400);
    await fails(c, 'updateUserAttribute', { attributeDefId: age._id, userId: stranger._id, body: { attribute: { value: 20 } } }, 404);
    await fails(c, 'getUserAttributeById', { attributeId: hex24() }, 404);
  });
});

describe('later methods (client 3.4.2)', () => {
  it('updateUserAttributes is all or nothing; filterUsersByAttributes; deleteUserAttributesInBulk', async () => {
    const c1 = await makeClient();
    const c3 = await makeClient({ version: 3, appId: c1.appId });
    const name = await define(c1, 'string');
    const age = await define(c1, 'number');
    const secret = await define(c1, 'string', { encrypted: true });
    const { user: ada } = await createUser(c1);
    const { user: bob } = await createUser(c1);

    await fails(c3, 'updateUserAttributes', { userId: ada._id, body: { attributes: [{ definition_id: name._id, value: 'Ada' }, { definition_id: age._id, value: '36' }] } }, 400);
    await fails(c1, 'getUserAttribute', { attributeDefId: name._id, userId: ada._id }, 404);

    const written = await ok(c3, 'updateUserAttributes', { userId: ada._id, body: { attributes: [
      { definition_id: name._id, value: 'Ada Lovelace' }, { definition_id: age._id, value: 36 }, { definition_id: secret._id, value: 'ABC-123' }] } });
    assert.equal(written.success, true);
    assert.equal(written.attributes.length, 3);
    await ok(c3, 'updateUserAttributes', { userId: bob._id, body: { attributes: [
      { definition_id: name._id, value: 'Bob Builder' }, { definition_id: age._id, value: 50 }, { definition_id: secret._id, value: 'XYZ-999' }] } });

    const older = await ok(c3, 'filterUsersByAttributes', { body: { query: { type: 'and', page: 1, limit: 10, conditions: [
      { definition_id: age._id, type: 'gte', value: 40 }] } } });
    assert.deepEqual(older.items.map((u) => u._id), [bob._id]);
    assert.equal(older.page.item_total, 1);
    const either = await ok(c3, 'filterUsersByAttributes', { body: { query: { type: 'or', page: 1, limit: 10, definition_ids: [secret._id], conditions: [
      { definition_id: name._id, type: 'sw', value: 'Ada' }, { definition_id: secret._id, type: 'eq', value: 'XYZ-999' }] } } });
    assert.deepEqual(either.items.map((u) => u._id).sort(), [ada._id, bob._id].sort());
    const adaItem = either.items.find((u) => u._id === ada._id);
    assert.deepEqual(adaItem.attributes.map((a) => a.attribute.value), ['ABC-123']);
    await fails(c3, 'filterUsersByAttributes', { body: { query: { type: 'and', page: 1, limit: 10, conditions: [
      { definition_id: secret._id, type: 'cnt', value: 'ABC' }] } } }, 400);

    const bulk = await ok(c3, 'deleteUserAttributesInBulk', { userId: ada._id, body: { definition_ids: [name._id, secret._id] } });
    assert.equal(typeof bulk.success, 'string');
    await fails(c1, 'getUserAttribute', { attributeDefId: name._id, userId: ada._id }, 404);
    await ok(c1, 'getUserAttribute', { attributeDefId: age._id, userId: ada._id });
  });
});
