// Benchmark of a file group: N-row CSV served from a loopback HTTP server (streamed, never held in memory), applied by
// the service in the background. Reports the time from createUserGroup to "completed", rows per second, and the
// service's resident memory (VmRSS sampled every 50 ms, /proc) before and during processing.
//
// Environment: BENCH_URL, BENCH_PID (the service's process id), BENCH_TOKEN_ID/SECRET, BENCH_ROWS (default 100000),
// BENCH_USERS (distinct users named by the file, default 2000), BENCH_ERROR_EVERY (every Nth row names nobody,
// default 20), BENCH_KILL_AT (optional: a row checkpoint at which the script kill -9s the service; run.sh restarts it).
import http from 'node:http';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

const BASE = process.env.BENCH_URL;
const ROWS = Number(process.env.BENCH_ROWS || 100000);
const USERS = Number(process.env.BENCH_USERS || 2000);
const ERROR_EVERY = Number(process.env.BENCH_ERROR_EVERY || 20);
const APP = randomBytes(12).toString('hex');
const PREFIX = `/service/platform/user/v1.0/company/1001/application/${APP}`;

async function token() {
  const basic = Buffer.from(`${process.env.BENCH_TOKEN_ID}:${process.env.BENCH_TOKEN_SECRET}`).toString('base64');
  const r = await fetch(`${BASE}/service/panel/authentication/v1.0/company/1001/oauth/token`, {
    method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return (await r.json()).access_token;
}

const TOKEN = await token();
async function call(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await fetch(BASE + path, {
        method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return JSON.parse(text);
    } catch (e) {
      if (attempt >= 600 || !String(e.cause?.code ?? e.message).match(/ECONNREFUSED|ECONNRESET|fetch failed|UND_ERR/)) throw e;
      await new Promise((res) => setTimeout(res, 200)); // the service is restarting
    }
  }
}

function rss(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  } catch { return 0; }
}

// 1. users the file names (created in parallel batches)
const emails = [];
for (let i = 0; i < USERS; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, USERS - i) }, async (_, j) => {
    const n = i + j;
    const email = `bench${n}.${APP.slice(0, 6)}@example.com`;
    const phone = `9${String(100000000 + n).padStart(9, '0')}`;
    await call('POST', `${PREFIX}/customers`, { username: `bench_${APP.slice(0, 6)}_${n}`, phone_number: phone, email });
    emails[n] = email;
  }));
}

// 2. the file, streamed row by row from a loopback server
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/csv' });
  let i = 0;
  let named = 0;
  const write = () => {
    let ok = true;
    while (ok && i <= ROWS) {
      const line = i === 0 ? 'email,action\n'
        : (i % ERROR_EVERY === 0 ? `nobody${i}@example.com,add\n` : `${emails[named++ % USERS]},add\n`);
      i++;
      ok = res.write(line);
    }
    if (i > ROWS) res.end(); else res.once('drain', write);
  };
  write();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const fileUrl = `http://127.0.0.1:${server.address().port}/bench.csv`;

// 3. the run
let pid = Number(process.env.BENCH_PID);
const before = rss(pid);
let peak = before;
const sampler = setInterval(() => {
  pid = Number(fs.existsSync(process.env.BENCH_PID_FILE || '') ? fs.readFileSync(process.env.BENCH_PID_FILE, 'utf8') : pid);
  peak = Math.max(peak, rss(pid));
}, 50);
const started = Date.now();
const group = await call('POST', `${PREFIX}/user_group`, { name: 'bench', description: `${ROWS} rows`, file_url: fileUrl });
let killed = false;
let done;
for (;;) {
  done = await call('GET', `${PREFIX}/user_group/${group.uid}`);
  if (done.status === 'completed' || done.status === 'failed') break;
  if (process.env.BENCH_KILL_AT && !killed && Date.now() - started > Number(process.env.BENCH_KILL_AT)) {
    killed = true;
    fs.writeFileSync(process.env.BENCH_KILL_FILE, 'kill');
    console.log(`killed the service (kill -9) ${Date.now() - started} ms into the run`);
  }
  await new Promise((r) => setTimeout(r, 100));
}
const seconds = (Date.now() - started) / 1000;
clearInterval(sampler);
server.close();
const members = await call('GET', `${PREFIX}/user_group/${group.uid}/users?page_size=1`);

// 4. the group's read queries, over HTTP (median of 30 calls each, ms)
async function median(path) {
  const times = [];
  for (let i = 0; i < 30; i++) {
    const t = process.hrtime.bigint();
    await call('GET', path);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[15] * 10) / 10;
}
const someUser = (await call('GET', `${PREFIX}/user_group/${group.uid}/users?page_size=1&page_no=7`)).items[0].user_id;
const queries_ms = {
  getUserGroupById: await median(`${PREFIX}/user_group/${group.uid}`),
  getUserGroups_name: await median(`${PREFIX}/user_group?name=BEN&page_size=10`),
  members_first_page: await median(`${PREFIX}/user_group/${group.uid}/users?page_size=100`),
  members_page_10: await median(`${PREFIX}/user_group/${group.uid}/users?page_size=100&page_no=10`),
  groups_of_user: await median(`${PREFIX}/user_group/user/${someUser}`),
};
const expectedErrors = Math.floor(ROWS / ERROR_EVERY);
console.log(JSON.stringify({
  rows: ROWS, users: USERS, status: done.status, seconds, rows_per_second: Math.round(ROWS / seconds),
  rss_before_mb: Math.round(before), rss_peak_mb: Math.round(peak), rss_growth_mb: Math.round(peak - before),
  error_count: done.error?.count ?? 0, expected_error_count: expectedErrors, members: members.page.item_total, killed, queries_ms,
}));
if (done.status !== 'completed' || (done.error?.count ?? 0) !== expectedErrors || members.page.item_total !== USERS) {
  console.error('unexpected result');
  process.exit(1);
}
