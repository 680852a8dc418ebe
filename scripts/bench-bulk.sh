#!/usr/bin/env bash
# Bulk import/export benchmark: the real service (a Release build run as its own process, embedded SQLite store),
# a generated CSV of N customers uploaded to the import endpoint, then the same customers exported to CSV and XLSX.
# Prints the wall time of each job (created_at → updated_at of the finished job, as the service records them), the
# rows per second, the service's CPU seconds, its peak resident memory (VmHWM) after each step and the machine's load
# average. Then, as a yardstick measured in the same run on the same disk, the raw insert rate of SQLite itself:
# N users shaped like the service's rows (document, five indexes, three key rows) written by Python's sqlite3 in
# transactions of the same batch size (scripts/bench-bulk-raw.py); the import's rate is also given as a ratio of it.
#
#   bash scripts/bench-bulk.sh 100000            # one size
#   bash scripts/bench-bulk.sh 100000 1000000    # several sizes, each on a fresh store
#   BULK_BATCH=5000 bash scripts/bench-bulk.sh 100000   # another BulkJobs:BatchSize (the raw yardstick uses it too)
#
# Build first: dotnet build src/UserAuth.Api -c Release. USERAUTH_BENCH_DLL overrides the DLL; the store and job
# files go to a temp folder that is deleted afterwards. Traffic goes to 127.0.0.1 only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DLL=${USERAUTH_BENCH_DLL:-$ROOT/src/UserAuth.Api/bin/Release/net10.0/UserAuth.Api.dll}
[ -f "$DLL" ] || { echo "build first: dotnet build src/UserAuth.Api -c Release"; exit 2; }
[ $# -gt 0 ] || set -- 100000
for N in "$@"; do
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/userauth-bulk-bench.XXXXXX")
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  python3 - "$N" "$TMP/users.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", newline="") as f:
    f.write("username,first_name,last_name,gender,email,phone_number,external_id\r\n")
    for i in range(n):
        f.write(f"bench.user{i},First{i % 997},Last{i % 1009},{'female' if i % 2 else 'male'},bench.user{i}@example.com,+91 9{i:09d},ext-{i}\r\n")
PY
  (
    cd "$TMP"
    export ASPNETCORE_URLS="http://127.0.0.1:$PORT" ASPNETCORE_ENVIRONMENT=Production \
      Storage__Provider=Sqlite Storage__Sqlite__Path="$TMP/data/userauth.db" \
      Auth__SigningKey=bench-signing-key-0123456789abcdef0123456789abcdef \
      Auth__BootstrapClients__0__ClientId=bench Auth__BootstrapClients__0__ClientSecret=bench-secret-123 \
      Auth__BootstrapClients__0__CompanyId=1001 Sessions__CookieSecret=bench-cookie-secret-0123456789abcdef0123 \
      Secrets__EncryptionKey=$(python3 -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())') \
      Serilog__MinimumLevel__Default=Warning Logging__Json=false
    if [ -n "${BULK_BATCH:-}" ]; then export BulkJobs__BatchSize="$BULK_BATCH"; fi
    exec setsid dotnet "$DLL" >"$TMP/service.log" 2>&1
  ) &
  PID=$!
  python3 - "$N" "$PORT" "$PID" "$TMP/users.csv" <<'PY'
import json, os, sys, time, urllib.request, base64, uuid
n, port, pid, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{port}"
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(("VmHWM", "VmRSS")):
            yield line.split()[0][:-1], int(line.split()[1]) // 1024
def written():
    io = dict(l.split(": ") for l in open(f"/proc/{pid}/io").read().splitlines())
    return int(io["write_bytes"]) / 2**20
def cpu():
    parts = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
def call(method, url, body=None, headers=None):
    req = urllib.request.Request(base + url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b"null")
for _ in range(600):
    try:
        urllib.request.urlopen(base + "/health/ready", timeout=2); break
    except Exception:
        time.sleep(0.1)
basic = base64.b64encode(b"bench:bench-secret-123").decode()
tok = call("POST", "/service/panel/authentication/v1.0/company/1001/oauth/token", b"grant_type=client_credentials",
           {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"})["access_token"]
auth = {"Authorization": "Bearer " + tok}
app = "/service/platform/user/v1.0/company/1001/application/65f1b4d2a7c3e9f0a1b2c3d4"
def wait(job):
    while True:
        j = call("GET", f"{app}/users/jobs/{job['_id']}", headers=auth)
        if j["status"] in ("completed", "partially_completed", "failed"):
            return j
        time.sleep(0.2)
def seconds(j):
    from datetime import datetime
    f = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (f(j["updated_at"]) - f(j["created_at"])).total_seconds()
last_cpu = [0.0]
last_written = [0.0]
rates = {}
def report(what, j):
    s = seconds(j); m = dict(rss()); c = cpu() - last_cpu[0]; last_cpu[0] = cpu()
    d = written() - last_written[0]; last_written[0] = written()
    rates[what] = n / s
    load = open("/proc/loadavg").read().split()[0]
    print(f"{n:>9,} rows  {what:<14} {j['status']:<10} total={j['count']['total']:,} ok={j['count']['success']:,} "
          f"err={j['count']['error']:,}  {s:7.1f} s  {n / s:>9,.0f} rows/s  CPU {c:6.1f} s  disk written {d:,.0f} MiB  peak RSS {m['VmHWM']} MiB  "
          f"load {load}", flush=True)
boundary = uuid.uuid4().hex
data = open(path, "rb").read()
body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\n"
        f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
del data
print(f"{n:>9,} rows  started: peak RSS {dict(rss())['VmHWM']} MiB", flush=True)
def form(dry):
    extra = f"--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\ntrue\r\n".encode() if dry else b""
    return extra + body
if os.environ.get("BENCH_DRY") == "1":
    last_cpu[0] = cpu(); last_written[0] = written()
    job = call("POST", f"{app}/users/jobs/import/upload", form(True), {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    report("import dry run", wait(job))
last_cpu[0] = cpu(); last_written[0] = written()
job = call("POST", f"{app}/users/jobs/import/upload", body, {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
del body
report("import csv", wait(job))
for fmt in ("csv", "xlsx"):
    job = call("POST", f"{app}/users/jobs/export", json.dumps({"file_format": fmt}).encode(), {**auth, "Content-Type": "application/json"})
    report(f"export {fmt}", wait(job))
open(os.path.join(os.path.dirname(path), "rates.json"), "w").write(json.dumps(rates))
PY
  kill -TERM -- "-$PID" 2>/dev/null || kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  RAW=$(python3 "$ROOT/scripts/bench-bulk-raw.py" "$N" "$TMP/raw.db" "${BULK_BATCH:-1000}")
  python3 - "$N" "$RAW" "$TMP/rates.json" <<'PY'
import json, sys
n, raw, rates = int(sys.argv[1]), float(sys.argv[2]), json.load(open(sys.argv[3]))
load = open("/proc/loadavg").read().split()[0]
print(f"{n:>9,} rows  raw SQLite insert (same run): {raw:,.0f} rows/s  load {load}; "
      f"import = {rates['import csv'] / raw:.2f} x raw", flush=True)
PY
  rm -rf "$TMP"
done
