# The reference of the same run: N users written straight into SQLite (Python's sqlite3, no service), shaped like the
# service's rows (a users row with a ~700-byte JSON document and its five secondary indexes, three user_keys rows),
# in transactions of the import's batch size, WAL journal. Prints rows/s.
import json, os, sqlite3, sys, time
n, path, batch = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.executescript("""
CREATE TABLE users (id TEXT PRIMARY KEY, company_id TEXT, application_id TEXT, state INTEGER, listed INTEGER, created_at TEXT,
  username_lc TEXT, first_name_lc TEXT, last_name_lc TEXT, delete_on TEXT, version INTEGER, doc TEXT);
CREATE INDEX ix1 ON users (company_id, application_id, listed, created_at DESC, id DESC, username_lc, first_name_lc, last_name_lc);
CREATE INDEX ix2 ON users (company_id, application_id, listed, username_lc);
CREATE INDEX ix3 ON users (company_id, application_id, listed, first_name_lc);
CREATE INDEX ix4 ON users (company_id, application_id, listed, last_name_lc);
CREATE INDEX ix5 ON users (state, delete_on);
CREATE TABLE user_keys (company_id TEXT, application_id TEXT, key TEXT, user_id TEXT, PRIMARY KEY (company_id, application_id, key)) WITHOUT ROWID;
CREATE INDEX ix6 ON user_keys (user_id);
""")
start = time.perf_counter()
for b in range(0, n, batch):
    db.execute("BEGIN")
    for i in range(b, min(n, b + batch)):
        uid = f"{i:024x}"
        doc = json.dumps({"id": uid, "username": f"bench.user{i}", "first_name": f"First{i % 997}", "last_name": f"Last{i % 1009}",
                          "gender": "male", "emails": [{"email": f"bench.user{i}@example.com", "primary": True, "verified": True, "active": True}],
                          "phone_numbers": [{"phone": f"9{i:09d}", "country_code": 91, "primary": True, "verified": True, "active": True}],
                          "external_id": f"ext-{i}", "meta": {}, "created_at": "2026-11-27T00:00:00.000Z", "updated_at": "2026-11-27T00:00:00.000Z",
                          "identity_keys": [f"u:bench.user{i}", f"e:bench.user{i}@example.com", f"p:+919{i:09d}"]})
        db.execute("INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   (uid, "1001", "app", 0, 1, "2026-11-27T00:00:00.000Z", f"bench.user{i}", f"first{i % 997}", f"last{i % 1009}", None, 1, doc))
        for k in (f"u:bench.user{i}", f"e:bench.user{i}@example.com", f"p:+919{i:09d}"):
            db.execute("INSERT INTO user_keys VALUES (?,?,?,?)", ("1001", "app", k, uid))
    db.execute("COMMIT")
print(f"{n / (time.perf_counter() - start):.0f}")
