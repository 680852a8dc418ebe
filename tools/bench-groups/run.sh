#!/usr/bin/env bash
# Benchmark of a 100k-row file group (not part of CI: it takes about a minute or two).
#
#   dotnet build src/UserAuth.Api -c Release
#   bash tools/bench-groups/run.sh                       # 100,000 rows, SQLite
#   BENCH_ROWS=10000 bash tools/bench-groups/run.sh      # another size (memory should not grow with it)
#   BENCH_KILL_AT=3000 bash tools/bench-groups/run.sh    # kill -9 the service 3 s into the run, restart it, check the result
#   BENCH_MONGODB=mongodb://127.0.0.1:27099/?directConnection=true bash tools/bench-groups/run.sh   # the MongoDB adapter
#
# Starts the built service on a free 127.0.0.1 port (temp SQLite file or a fresh MongoDB database), runs bench.mjs,
# prints one JSON line of results, stops the service.
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
DLL=${BENCH_DLL:-$ROOT/src/UserAuth.Api/bin/Release/net10.0/UserAuth.Api.dll}
[ -f "$DLL" ] || { echo "build first: dotnet build src/UserAuth.Api -c Release"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/userauth-bench-groups.XXXXXX")
PORT=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")
SECRET=$(node -e "process.stdout.write(require('crypto').randomBytes(24).toString('hex'))")
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
env_common=(
  ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production
  Auth__SigningKey="$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))")"
  Auth__BootstrapClients__0__ClientId=bench Auth__BootstrapClients__0__ClientSecret="$SECRET" Auth__BootstrapClients__0__CompanyId=1001
  Auth__TokenRequestsPerMinute=100000
  Secrets__EncryptionKey="$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")"
  Sessions__CookieSecret="$SECRET$SECRET" FileFetch__AllowLoopback=true FileFetch__MaxRows=1000000 Jobs__PollIntervalMs=200
  Serilog__MinimumLevel__Default=Warning
)
if [ -n "${BENCH_MONGODB:-}" ]; then
  env_common+=(Storage__Provider=MongoDb Storage__MongoDb__ConnectionString="$BENCH_MONGODB" Storage__MongoDb__Database="bench_groups_$RANDOM$RANDOM")
else
  env_common+=(Storage__Provider=Sqlite Storage__Sqlite__Path="$TMP/bench.db")
fi
start() {
  (cd "$(dirname "$DLL")" && exec env "${env_common[@]}" dotnet "$DLL" --urls "http://127.0.0.1:$PORT") >>"$TMP/service.log" 2>&1 &
  echo $! >"$TMP/pid"
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "service did not start"; tail -40 "$TMP/service.log"; return 1
}
stop() { kill "$(cat "$TMP/pid")" 2>/dev/null || true; }
trap 'stop; rm -rf "$TMP"' EXIT
start
# bench.mjs asks for a kill by writing $TMP/kill; this loop kill -9s the service and starts it again.
(
  while [ ! -f "$TMP/done" ]; do
    if [ -f "$TMP/kill" ]; then rm -f "$TMP/kill"; kill -9 "$(cat "$TMP/pid")"; sleep 0.5; start; fi
    sleep 0.1
  done
) &
WATCH=$!
set +e
BENCH_URL="http://127.0.0.1:$PORT" BENCH_PID="$(cat "$TMP/pid")" BENCH_PID_FILE="$TMP/pid" BENCH_KILL_FILE="$TMP/kill" \
  BENCH_TOKEN_ID=bench BENCH_TOKEN_SECRET="$SECRET" node "$DIR/bench.mjs"
rc=$?
touch "$TMP/done"; wait "$WATCH" 2>/dev/null
[ $rc -eq 0 ] || tail -30 "$TMP/service.log"
exit $rc
