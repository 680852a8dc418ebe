// Bulk import and export jobs (client 3.4.2): bulkImportStoreFrontUsers,
// createBulkExportUsers, getBulkImportUsersList, getBulkExportUsersList,
// getUsersJobByJobId. Job files are downloaded, and uploaded (the service's
// multipart extension, not in the client), with plain fetch.
import { describe, it } from 'node:test';
import {
  assert, guardClientLogs, makeClient, ok, fails, createUser, hex24, BASE_URL, USER_PREFIX, COMPANY_ID,
  mainAccessToken, ISO_MS_UTC, HEX24, newMobile, newEmail, uniq,
} from './lib/harness.mjs';

guardClientLogs();

const HEADER = 'username,first_name,last_name,gender,email,phone_number,external_id';
const FINISHED = new Set(['completed', 'partially_completed', 'failed']);

function assertJobShape(job, c, action) {
  assert.match(job._id, HEX24);
  assert.equal(job.action_type, action);
  assert.equal(job.application_id, c.appId);
  assert.equal(job.company_id, COMPANY_ID);
  assert.match(job.created_at, ISO_MS_UTC);
  assert.match(job.updated_at, ISO_MS_UTC);
  assert.equal(typeof job.created_by.name, 'string');
  assert.equal(typeof job.created_by.user_id, 'string');
  for (const k of ['total', 'success', 'error']) assert.equal(typeof job.count[k], 'number');
}

async function waitFor(c, jobId) {
  for (let i = 0; i < 600; i++) {
    const job = await ok(c, 'getUsersJobByJobId', { jobId });
    if (FINISHED.has(job.status)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`job ${jobId} did not finish`);
}

async function download(link) {
  const res = await fetch(BASE_URL + link.relative_url, { headers: { authorization: `Bearer ${await mainAccessToken()}` } });
  assert.equal(res.status, 200, `download ${link.relative_url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

async function upload(c, bytes, { name = 'users.csv', dryRun } = {}) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  if (dryRun !== undefined) form.append('dry_run', String(dryRun));
  const res = await fetch(`${BASE_URL}${USER_PREFIX(COMPANY_ID, c.appId)}/users/jobs/import/upload`, {
    method: 'POST', body: form, headers: { authorization: `Bearer ${await mainAccessToken()}` },
  });
  const text = await res.text();
  assert.equal(res.status, 200, `upload: ${res.status} ${text}`);
  return JSON.parse(text);
}

const row = (overrides = {}) => {
  const r = { username: uniq('bulk'), first_name: 'Ada', last_name: 'Lovelace', gender: 'female', email: newEmail('bulk'), phone_number: newMobile(), external_id: uniq('ext'), ...overrides };
  return [r.username, r.first_name, r.last_name, r.gender, r.email, r.phone_number, r.external_id].join(',');
};

describe('createBulkExportUsers and getUsersJobByJobId', () => {
  it('exports the application\'s customers to CSV and serves the file', async () => {
    const c = await makeClient({ version: 3 });
    const users = [await createUser(c), await createUser(c), await createUser(c)];
    const created = await ok(c, 'createBulkExportUsers', { body: { file_format: 'csv' } });
    assertJobShape(created, c, 'export');
    const job = await waitFor(c, created._id);
    assertJobShape(job, c, 'export');
    assert.equal(job.status, 'completed');
    assert.deepEqual(job.count, { total: 3, success: 3, error: 0 });
    assert.equal(job.file_format, 'csv');
    assert.ok(job.links.file.absolute_url.endsWith(job.links.file.relative_url));
    const lines = (await download(job.links.file)).toString('utf8').trim().split('\r\n');
    assert.equal(lines[0], HEADER);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), users.map((u) => u.user.username));
  });

  it('answers 404 for an unknown job and 400 for a bad file_format', async () => {
    const c = await makeClient({ version: 3 });
    await fails(c, 'getUsersJobByJobId', { jobId: hex24() }, 404);
    await fails(c, 'createBulkExportUsers', { body: { file_format: 'pdf' } }, 400);
  });
});

describe('bulkImportStoreFrontUsers', () => {
  it('imports a file this service holds, reporting bad rows in the error file', async () => {
    const c = await makeClient({ version: 3 });
    const csv = [HEADER, row(), row(), row({ phone_number: '12' }), row()].join('\r\n') + '\r\n';
    // A dry run of the uploaded file writes nothing...
    const dry = await waitFor(c, (await upload(c, Buffer.from(csv), { dryRun: true }))._id);
    assert.equal(dry.status, 'partially_completed');
    assert.deepEqual(dry.count, { total: 4, success: 3, error: 1 });
    assert.equal((await ok(c, 'getCustomers', {})).items.length, 0);
    // ...then the client imports the same file, named by the dry run's links.
    const created = await ok(c, 'bulkImportStoreFrontUsers', {
      body: { absolute_url: dry.links.file.absolute_url, relative_url: dry.links.file.relative_url, file_format: 'csv' },
    });
    assertJobShape(created, c, 'import');
    const job = await waitFor(c, created._id);
    assert.equal(job.status, 'partially_completed');
    assert.deepEqual(job.count, { total: 4, success: 3, error: 1 });
    assert.equal((await ok(c, 'getCustomers', {})).items.length, 3);
    const errors = (await download(job.links.error)).toString('utf8').trim().split('\r\n');
    assert.equal(errors.length, 2);
    assert.ok(errors[1].startsWith('4,'), errors[1]);
    assert.match(errors[1], /phone_number/);
  });

  it('refuses a URL that names no file of this service', async () => {
    const c = await makeClient({ version: 3 });
    await fails(c, 'bulkImportStoreFrontUsers', { body: { absolute_url: '', relative_url: '', file_format: 'csv' } }, 400);
  });

  it('round trip: export, import into a new application, export again gives the same file (attribute columns too)', async () => {
    const a = await makeClient({ version: 3 });
    const slug = uniq('tier').toLowerCase();
    const defineIn = async (c) => ({
      score: await ok(c, 'createUserAttributeDefinition', { body: { name: 'Score', slug: `${slug}_score`, type: 'number' } }),
      nick: await ok(c, 'createUserAttributeDefinition', { body: { name: 'Nick', slug: `${slug}_nick`, type: 'string' } }),
    });
    const defsA = await defineIn(a);
    const users = [];
    for (let i = 0; i < 5; i++) users.push(await createUser(a));
    await ok(a, 'updateUserAttribute', { attributeDefId: defsA.score._id, userId: users[1].user._id, body: { attribute: { value: 12.5 } } });
    await ok(a, 'updateUserAttribute', { attributeDefId: defsA.nick._id, userId: users[1].user._id, body: { attribute: { value: 'b, "c"' } } });
    const first = await waitFor(a, (await ok(a, 'createBulkExportUsers', { body: { file_format: 'csv' } }))._id);
    const exported = await download(first.links.file);
    const lines = exported.toString('utf8').trim().split('\r\n');
    assert.equal(lines[0], `${HEADER},attribute.${slug}_nick,attribute.${slug}_score`);
    assert.ok(lines[2].endsWith(',"b, ""c""",12.5'), lines[2]);
    const b = await makeClient({ version: 3 });
    const defsB = await defineIn(b);
    const imported = await waitFor(b, (await upload(b, exported))._id);
    assert.deepEqual(imported.count, { total: 5, success: 5, error: 0 });
    const second = await waitFor(b, (await ok(b, 'createBulkExportUsers', { body: { file_format: 'csv' } }))._id);
    assert.equal((await download(second.links.file)).toString('utf8'), exported.toString('utf8'));
    const copy = (await ok(b, 'getCustomers', { q: users[1].user.username })).items[0];
    const score = await ok(b, 'getUserAttribute', { attributeDefId: defsB.score._id, userId: copy._id });
    assert.equal(score.attribute.value, 12.5);
  });
});

describe('getBulkImportUsersList and getBulkExportUsersList', () => {
  it('list jobs newest first, filtered and paged', async () => {
    const c = await makeClient({ version: 3 });
    const one = await waitFor(c, (await upload(c, Buffer.from(`${HEADER}\r\n${row()}\r\n`), { name: 'first-batch.csv' }))._id);
    const two = await waitFor(c, (await upload(c, Buffer.from(`${HEADER}\r\n${row({ phone_number: 'x' })}\r\n`), { name: 'second-batch.csv' }))._id);
    const exp = await waitFor(c, (await ok(c, 'createBulkExportUsers', { body: { file_format: 'xlsx' } }))._id);

    const all = await ok(c, 'getBulkImportUsersList', { pageNo: '1', pageSize: '10' });
    assert.deepEqual(all.items.map((j) => j._id), [two._id, one._id]);
    assert.equal(all.page.item_total, 2);
    for (const j of all.items) assertJobShape(j, c, 'import');
    assert.deepEqual((await ok(c, 'getBulkImportUsersList', { status: 'failed' })).items.map((j) => j._id), [two._id]);
    assert.deepEqual((await ok(c, 'getBulkImportUsersList', { search: 'first-batch' })).items.map((j) => j._id), [one._id]);
    assert.deepEqual((await ok(c, 'getBulkImportUsersList', { pageNo: '2', pageSize: '1' })).items.map((j) => j._id), [one._id]);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal((await ok(c, 'getBulkImportUsersList', { startDate: today, endDate: today, fileFormat: 'csv' })).items.length, 2);
    const exports = await ok(c, 'getBulkExportUsersList', { fileFormat: 'xlsx' });
    assert.deepEqual(exports.items.map((j) => j._id), [exp._id]);
    assert.equal((await ok(c, 'getBulkExportUsersList', { fileFormat: 'csv' })).items.length, 0);
  });
});
