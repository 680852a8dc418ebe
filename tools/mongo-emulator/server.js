// Starts the CongoDB MongoDB-wire-protocol emulator (in-memory, pure JavaScript).
// NOT MongoDB: see README.md for what it cannot do.
//
// Usage: node server.js [PORT]     (or MONGO_EMULATOR_PORT; default 27099)
//        MONGO_EMULATOR_HOST overrides the bind host (default 127.0.0.1)
// Prints "ready mongodb://HOST:PORT" on stdout once it accepts connections.
import { createRequire } from 'node:module';
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

// MongoDB's $type matches an array field when any element has the type (so {identity_keys: {$type: "string"}}
// matches an array of strings); the query library under CongoDB (mingo) tests only the array itself. Give the
// emulator MongoDB's meaning: the MongoDB adapter's queries repeat a partial index's {$type: "string"} filter.
const { Context } = createRequire(import.meta.url)('mingo/core');
const getOperator = Context.prototype.getOperator;
Context.prototype.getOperator = function (type, name) {
  const operator = getOperator.call(this, type, name);
  if (type !== 'query' || name !== '$type' || !operator) return operator;
  return (selector, value, options) => {
    const whole = operator(selector, value, options);
    const element = operator('v', value, options);
    const at = (doc) => selector.split('.').reduce((x, key) => (x == null ? undefined : x[key]), doc);
    return (doc) => {
      if (whole(doc)) return true;
      const found = at(doc);
      return Array.isArray(found) && found.some((item) => element({ v: item }));
    };
  };
};

const rawPort = process.argv[2] ?? process.env.MONGO_EMULATOR_PORT ?? '27099';
const port = Number.parseInt(rawPort, 10);
if (!Number.isInteger(port) || port < 1 || port > 65535 || String(port) !== String(rawPort).trim()) {
  console.error(`mongo-emulator: invalid port '${rawPort}'`);
  process.exit(2);
}
const host = process.env.MONGO_EMULATOR_HOST || '127.0.0.1';

// Opt-in persistence (MONGO_EMULATOR_PERSIST=<file>): the in-memory data is loaded from that file at start and written
// to it on SIGTERM/SIGINT (server.stop closes the storage, which persists), so a stopped and restarted emulator keeps
// its databases, as a restarted mongod does. MONGO_EMULATOR_PERSIST_INTERVAL_MS also writes it periodically.
const persistPath = process.env.MONGO_EMULATOR_PERSIST || '';
const persistIntervalMs = Number.parseInt(process.env.MONGO_EMULATOR_PERSIST_INTERVAL_MS ?? '0', 10) || 0;
const server = new CongoServer(persistPath
  ? { port, host, storage: 'memory', persistPath, persistIntervalMs }
  : { port, host, storage: 'memory' });

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`mongo-emulator: ${signal} received, stopping`);
  const force = setTimeout(() => process.exit(0), 3000);
  force.unref();
  try {
    await server.stop();
  } catch (err) {
    console.error('mongo-emulator: error while stopping:', err);
  }
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  await server.start();
} catch (err) {
  console.error(`mongo-emulator: failed to start on ${host}:${port}: ${err?.message ?? err}`);
  process.exit(1);
}
console.log(`ready mongodb://${host}:${port}`);
